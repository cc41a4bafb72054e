#!/usr/bin/env bash
# The upgrade from 0.1.0, end to end: the real daemon started on the state
# directory 0.1.0 left (tests/data/state-0.1.0, see its README) imports it
# into state.db, moves the old files into imported-0.1.0/, and then
#   - sends no firing alert again (winner, srm and ship were firing),
#   - repeats no action (harm's pause of 1002 was done),
#   - resends the one unfinished intent (ship's serve-winner of 1001) once,
#   - delivers the queued delivery to pager once, under its original id;
# and a second start imports nothing and sends nothing more.
. "$(dirname "$0")/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

fixture=$top_srcdir/tests/data/state-0.1.0
queued=evt_dce71889fd0ab137db744d62cbd3a1e6
serve_count() {
        sim "$SIM_URL/__requests" | jq '[.requests[] | select(.method == "POST" and
                (.path | endswith("/experiment/1001/serve-winner")))] | length'
}
fired() { ops_count ".event == \"fired\" and .rule == \"$1\""; }
pager_ids() { hooks pager | jq -r .id | sort; }

# The simulator where 0.1.0 left it: three simulated hours on, 1002 paused.
start_sim demo.conf --speed 0
sim_post /__clock '{"advance": 10800}' >/dev/null
curl -sS --max-time 10 -X PATCH -H 'Authorization: Bearer demo-key' -H 'Content-Type: application/json' \
        -d '{"status": 0}' "$SIM_URL/v2/project/demo/experiment/1002/status" >/dev/null || fail "cannot pause 1002"
[ "$(patch_count 1002)" = 1 ] || fail "the simulator did not see the pause of 1002"

mkdir "$T/state"
cp -a "$fixture"/*.json "$fixture/outbox" "$T/state/"
chmod -R go-rwx "$T/state"
sed -e "s|@SIM_URL@|$SIM_URL|g" -e "s|@STATE_DIR@|$T/state|g" "$fixture/mida-monitor.conf" >"$T/mida-monitor.conf"

start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
grep -q 'upgrade: imported the 0.1.0 state of .*: 4 experiments, 4 alerts, 2 actions, 1 health condition, 1 queued delivery' \
        "$T/daemon.log" || fail "no import record"
for f in state.json alerts.json actions.json health.json "outbox/pager.$queued.json"; do
        [ -e "$T/state/imported-0.1.0/$f" ] || fail "imported-0.1.0/$f missing: $(ls -R "$T/state")"
        [ ! -e "$T/state/$f" ] || fail "$f left in the state directory"
done
db_true "(SELECT value FROM meta WHERE key = 'salt') = '$(jq -r .salt "$fixture/alerts.json")'" ||
        fail "the event-id salt was not carried over"
pass "imported into state.db, old files moved into imported-0.1.0/"

wait_for 20 eval '[ "$(pager_ids)" = "$queued" ]' || fail "pager got: $(pager_ids | tr '\n' ' ')"
wait_for 20 db_true "(SELECT state FROM actions WHERE rule = 'ship' AND experiment_id = 1001) = 'done'" ||
        fail "ship's serve-winner not done: $(db_query 'SELECT * FROM actions')"
wait_for 20 outbox_empty || fail "outbox not drained: $(outbox_list)"
poll_now
wait_for 20 outbox_empty || fail "outbox not drained: $(outbox_list)"
[ "$(serve_count)" = 1 ] || fail "serve-winner of 1001 sent $(serve_count) times"
[ "$(patch_count 1002)" = 1 ] || fail "harm's pause of 1002 repeated"
wait_for 10 eval '[ "$(ops_count '"'"'.event == "action" and .rule == "ship"'"'"')" = 1 ]' ||
        fail "ops did not get the one report of ship's action: $(hooks ops | jq -c '[.event, .rule]')"
for rule in winner srm ship; do [ "$(fired "$rule")" = 0 ] || fail "$rule fired again after the upgrade"; done
[ "$(slack_count 'winner')" = 0 ] || fail "winner re-sent to Slack"
db_true "(SELECT count(*) FROM alerts WHERE state = 'firing' AND rule IN ('winner', 'srm', 'ship')) = 3" ||
        fail "firing alerts: $(db_query 'SELECT rule, state FROM alerts')"
pass "the queued delivery delivered once as $queued; the intent resent once; nothing fired again, nothing repeated"

stop_daemon
deliveries=$(sim "$SIM_URL/__hooks" | jq '.deliveries | length')
start_daemon
wait_for 30 cycles_more_than 2 || fail "no cycle after the second start"
poll_now
! grep -q 'upgrade: imported .* already' "$T/daemon.log" || fail "the marker was read: the files came back?"
[ "$(grep -c 'upgrade: imported the 0.1.0 state' "$T/daemon.log")" = 1 ] || fail "imported twice"
[ "$(serve_count)" = 1 ] && [ "$(patch_count 1002)" = 1 ] || fail "an action was repeated at the second start"
[ "$(sim "$SIM_URL/__hooks" | jq '.deliveries | length')" = "$deliveries" ] ||
        fail "the second start sent: $(sim "$SIM_URL/__hooks" | jq -c ".deliveries[$deliveries:] | map(.body)")"
stop_daemon
pass "a second start imports nothing and sends nothing"
