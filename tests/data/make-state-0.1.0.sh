#!/usr/bin/env bash
# Writes tests/data/state-0.1.0/: a state directory exactly as mida-monitor
# 0.1.0 leaves it (state.json, alerts.json, actions.json, health.json,
# outbox/*.json), for the test of the import into the SQLite store. It needs
# a build of the 0.1.0 code, the last with the JSON writers:
#
#   tests/data/make-state-0.1.0.sh BUILD_DIR [OUT_DIR]
#
# BUILD_DIR holds src/mida-monitor, sim/mida-sim and tests/notify-listener
# (make src/mida-monitor sim/mida-sim tests/notify-listener); OUT_DIR
# defaults to tests/data/state-0.1.0 next to this script and is replaced.
# The daemon runs against mida-sim's demo scenario for about 20 seconds; the
# timestamps and ids differ from one run to the next, the shape does not.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
top_builddir=$(cd "${1:?usage: $0 BUILD_DIR [OUT_DIR]}" && pwd)
OUT=${2:-$here/state-0.1.0}
export top_srcdir top_builddir
# The integration tests' harness: a private $T, start_sim, start_daemon,
# poll_now, stop_daemon, fail; everything started is killed at exit.
. "$top_srcdir/tests/lib/harness.sh"

version=$("$MIDA" --version | awk '{print $NF}')
[ "$version" = 0.1.0 ] || fail "$MIDA is version $version; this fixture is the state of 0.1.0"

# The config, as the fixture keeps it: a test substitutes @SIM_URL@ and
# @STATE_DIR@. The secret and the key are fakes (demo-key is mida-sim's).
#  - winner, harm, srm: the demo scenario's three alerts, firing at the
#    first cycle; harm pauses 1002 (a done action);
#  - ship: serve-winner on 1001 after `for` = 6s, so that it fires in a
#    later cycle, when the simulator holds its request (an intended action);
#  - slow: `for` = 1w, so that it stays pending;
#  - srm also notifies pager, whose receiver always answers 503: a queued
#    delivery with attempts and a last error, and after health.after (2s) a
#    delivery_failing condition, notified through ops;
#  - interval 1h and spread 0: cycles only when SIGUSR1 asks, all at once;
#    a 30s timeout, so that the held serve-winner request is still in flight
#    (not timed out and retried into "failed") when the daemon stops.
write_fixture_config() {
        cat >"$1" <<'CONF'
# The config mida-monitor 0.1.0 ran with when it wrote this directory
# (tests/data/make-state-0.1.0.sh), against mida-sim's demo scenario.
# Not usable as it is: a test first replaces @SIM_URL@ (the simulator,
# http://127.0.0.1:PORT) and @STATE_DIR@ (its copy of this directory), e.g.
#   sed -e "s|@SIM_URL@|$SIM_URL|g" -e "s|@STATE_DIR@|$T/state|g"
# The API key and the webhook secret are fakes.
mida: { base_url = "@SIM_URL@/v2"; project_key = "demo"; api_key = "demo-key";
        timeout = "30s"; max_requests_per_second = 0; };
monitor: { interval = "1h"; spread = 0;
           state_directory = "@STATE_DIR@"; };
notifiers = (
  { name = "growth"; type = "slack"; url = "@SIM_URL@/hooks/slack/growth"; },
  { name = "ops"; type = "webhook"; url = "@SIM_URL@/hooks/ops";
    secret = "whsec_Zml4dHVyZS1zZWNyZXQtbm90LWEtcmVhbC1vbmUtMDA="; },
  { name = "pager"; type = "webhook"; url = "@SIM_URL@/hooks/pager"; } );
rules = (
  { name = "winner"; when = "significant && lift > 0.02"; notify = [ "growth" ]; },
  { name = "harm"; when = "significant && lift_high < -0.05"; severity = "critical";
    notify = [ "growth", "ops" ]; action = "pause"; },
  { name = "srm"; when = "srm_p < 0.001"; notify = [ "ops", "pager" ]; },
  { name = "ship"; when = "significant && lift > 0.1"; for = "6s"; experiments = [ "1001" ];
    action = "serve-winner"; traffic_allocation = 50; notify = [ "ops" ]; },
  { name = "slow"; when = "days_running >= 3"; for = "1w"; experiments = [ "1004" ];
    notify = [ "growth" ]; } );
health: { notify = [ "ops" ]; after = "2s"; };
CONF
}

S=$T/state
alerts() { jq -c "[.alerts[] | select($1)] | length" "$S/alerts.json" 2>/dev/null; }
has_alert() { [ "$(alerts "$1")" -ge 1 ]; }
has_action() { jq -e "[.entries[] | select($1)] | length >= 1" "$S/actions.json" >/dev/null 2>&1; }
has_health() { jq -e "[.conditions[] | select($1)] | length >= 1" "$S/health.json" >/dev/null 2>&1; }
# only_pager_queued: every delivery to growth and ops has gone out, and one
# or more to pager are waiting, each with a failed attempt behind it.
only_pager_queued() {
        local f n=0
        for f in "$S"/outbox/*.json; do
                [ -e "$f" ] || return 1
                jq -e '.notifier == "pager" and .attempts > 0 and .last_error != null' "$f" >/dev/null || return 1
                n=$((n + 1))
        done
        [ $n -ge 1 ]
}
# next_cycle: the simulated clock one hour on (new counts, so another look
# of the sequential tests), then a cycle.
next_cycle() { sim_post /__clock '{"advance": 3600}' >/dev/null; poll_now 30; }

# The simulator's clock stands still between cycles (counts change only
# when next_cycle says so); 4 threads, as one is held by the serve-winner.
start_sim demo.conf --speed 0 --threads 4
# pager's receiver fails every delivery with a 503.
sim_post /__hooks/fail '{"name": "pager", "count": 1000000, "status": 503}' >/dev/null
# serve-winner requests are held for 60 s: the daemon stops before the answer.
sim_post /__faults '{"kind": "delay", "endpoint": "serve-winner", "delay_ms": 60000}' >/dev/null

write_fixture_config "$T/fixture.conf"
sed -e "s|@SIM_URL@|$SIM_URL|g" -e "s|@STATE_DIR@|$S|g" "$T/fixture.conf" >"$T/mida-monitor.conf"
"$MIDA" -c "$T/mida-monitor.conf" check-config >/dev/null || fail "the config is rejected"

# Cycle 1 (at start): winner, harm and srm fire, harm's pause is done;
# ship and slow are pending.
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 20 has_action '.rule == "harm" and .state == "done"' || fail "harm's pause not done: $(cat "$S/actions.json")"
has_alert '.rule == "winner" and .state == "firing" and .last_notified > 0' || fail "winner not firing"
has_alert '.rule == "srm" and .state == "firing"' || fail "srm not firing"
has_alert '.rule == "slow" and .state == "pending"' || fail "slow not pending"
has_alert '.rule == "ship" and .state == "pending"' || fail "ship not pending"

# Cycles 2 and 3, 2.5 s apart: pager is seen failing, then (after 2 s)
# notified as delivery_failing through ops.
sleep 2.5; next_cycle
sleep 2.5; next_cycle
wait_for 10 has_health '.condition == "delivery_failing" and .subject == "pager" and .alerted_at > 0' ||
        { sleep 2.5; next_cycle; wait_for 10 has_health '.condition == "delivery_failing" and .alerted_at > 0'; } ||
        fail "no delivery_failing for pager: $(cat "$S/health.json")"

# Cycle 4, once ship has been pending more than its 6 s: it fires, its
# intent is saved and the serve-winner request is held by the simulator.
ship_since=$(jq '.alerts[] | select(.rule == "ship") | .active_since' "$S/alerts.json")
while [ $(( $(date +%s) - ship_since )) -lt 7 ]; do sleep 0.5; done
next_cycle
wait_for 10 has_action '.rule == "ship" and .state == "intended"' || fail "no intended serve-winner: $(cat "$S/actions.json")"
has_alert '.rule == "ship" and .state == "firing"' || fail "ship not firing"

# Everything but pager's deliveries delivered, then SIGTERM: the daemon
# drops the held request (the intent stays "intended") and saves its state.
wait_for 30 only_pager_queued || fail "outbox: $(ls "$S/outbox")"
stop_daemon || fail "the daemon exited with $?"
grep -q 'received Terminated, stopping' "$T/daemon.log" || fail "no clean stop"
has_action '.rule == "ship" and .state == "intended"' || fail "the intent did not survive the stop"
only_pager_queued || fail "outbox after the stop: $(ls "$S/outbox")"
for f in "$S"/*.json "$S"/outbox/*.json; do jq -e . "$f" >/dev/null || fail "$f is not JSON"; done

# Into OUT: the state directory as left, the config, a README.
rm -rf "$OUT"
cp -a "$S" "$OUT"
chmod -R u=rwX,go=rX "$OUT"   # the daemon's 0600 files, as a git checkout has them
write_fixture_config "$OUT/mida-monitor.conf"
commit=$(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top_srcdir" diff --quiet HEAD -- src 2>/dev/null || commit="$commit (with local changes to src/)"
q=$(for f in "$OUT"/outbox/*.json; do jq -r '"\(.id) to \(.notifier) (\(.attempts) attempts, \(.last_error))"' "$f"; done | paste -sd ';' | sed 's/;/; /g')
{
        echo "A state directory written by mida-monitor 0.1.0 (commit $commit), by ../make-state-0.1.0.sh, for the test"
        echo "of the import into state.db; mida-monitor.conf is its config (replace @SIM_URL@ and @STATE_DIR@ first; mida-sim demo scenario)."
        echo "state.json: experiments $(jq -r '[.experiments[] | "\(.id)\(if .active then "" else " (inactive)" end)"] | join(", ")' "$OUT/state.json"), with their sequential state (1002 left the watch set when harm paused it, its alert with it)."
        echo "alerts.json: $(jq -r '[.alerts[] | "\(.rule)/\(.experiment_id)\(if .variant_id != "" then "/v" + .variant_id else "" end) \(.state)"] | join(", ")' "$OUT/alerts.json"); generation $(jq .generation "$OUT/alerts.json"), salt $(jq -r .salt "$OUT/alerts.json")."
        echo "actions.json: $(jq -r '[.entries[] | "\(.action) of \(.experiment_id) by \(.rule) \(.state)"] | join(", ")' "$OUT/actions.json"); health.json: $(jq -r '[.conditions[] | "\(.condition) \(.subject)\(if .alerted_at > 0 then " (notified)" else "" end)"] | join(", ")' "$OUT/health.json")."
        echo "outbox/: queued, not delivered: $q."
} >"$OUT/README"
echo "wrote $OUT:"
(cd "$OUT" && find . -type f | LC_ALL=C sort | xargs ls -l)
