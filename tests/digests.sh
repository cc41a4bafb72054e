#!/usr/bin/env bash
# Digests end to end, against the real daemon and mida-sim's receivers:
# a scheduled digest goes out at its time exactly once (one Slack message,
# one webhook payload); `digest --print --json` shows the same figures; a
# digest whose time passed while the daemon was down is sent once at the
# next start, and no restart repeats one; `digest --send` sends an extra,
# recorded as such. Schedules are whole minutes: the test waits for the
# next ones (about two minutes in all).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

digests() { hooks ops | jq -c 'select(.event == "digest")'; }
digest_count() { digests | wc -l; }
slack_digests() { hooks growth | jq -c 'select(.text | startswith("Digest"))' | wc -l; }
# For wait_for, which must count again at each try.
digests_are() { [ "$(digest_count)" -eq "$1" ]; }
slack_digests_are() { [ "$(slack_digests)" -eq "$1" ]; }

# next_minute: the Unix time of the next whole minute at least 25 s away.
next_minute() { local now; now=$(date +%s); echo $(( (now + 25 + 59) / 60 * 60 )); }
sleep_until() { local left=$(( $1 - $(date +%s) )); [ "$left" -gt 0 ] && sleep "$left"; true; }

# digest_config SLOT: the daemon's config with a daily digest at SLOT (UTC).
# The interval is long: only the test's poll_now polls, so the store does
# not move between the digest and its preview.
digest_config() {
        cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "$SIM_URL/v2"; project_key = "demo"; api_key = "demo-key"; timeout = "2s";
        max_requests_per_second = 0; };
monitor: { interval = "1h"; state_directory = "$T/state"; };
notifiers = ( { name = "growth"; type = "slack"; url = "$SIM_URL/hooks/slack/growth"; },
              { name = "ops"; type = "webhook"; url = "$SIM_URL/hooks/ops"; } );
rules = ( { name = "big"; when = "lift > 0.05"; notify = [ "ops" ]; } );
digests = ( { name = "daily"; schedule = "daily $(date -u -d "@$1" +%H:%M)"; timezone = "UTC";
              notify = [ "growth", "ops" ]; } );
CONF
}

start_sim demo.conf
slot1=$(next_minute)
digest_config "$slot1"
"$MIDA" -c "$T/mida-monitor.conf" check-config >/dev/null || fail "check-config rejects the digest config"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
[ "$(digest_count)" -eq 0 ] || fail "a digest before its time: $(digests)"
sleep_until "$slot1"
wait_for 20 digests_are 1 || fail "no digest at its time"
wait_for 10 slack_digests_are 1 || fail "no Slack digest: $(hooks growth | jq -c .text)"
sleep 3
[ "$(digest_count)" -eq 1 ] && [ "$(slack_digests)" -eq 1 ] || fail "sent more than once: $(digests)"
digests | jq -e --argjson slot "$slot1" '.version == 1 and .digest == "daily" and
        (.scheduled_for | fromdateiso8601) == $slot and (.experiments | length) >= 4 and
        all(.experiments[]; .live and (.variants | length) >= 2) and
        (.alerts | map(select(.rule == "big" and .event == "fired")) | length) >= 1 and .monitor.healthy' >/dev/null ||
        fail "digest payload: $(digests | jq -c '{digest, scheduled_for, n: (.experiments | length), alerts, monitor}')"
hooks growth | jq -e 'select(.text | startswith("Digest")) | (.blocks | length) <= 50 and
        ([.blocks[] | select(.type == "header")] | length) >= 1' >/dev/null || fail "Slack digest: $(hooks growth | tail -n 1)"
db_true "(SELECT count(*) FROM digests WHERE name = 'daily' AND slot = $slot1 AND extra = 0) = 1" ||
        fail "digests table: $(db_query 'SELECT * FROM digests')"
pass "the digest at its time, once: one webhook payload, one Slack message, recorded in state.db"

stop_daemon
# The preview from the store: the figures of each experiment are those sent.
figures='[.experiments[] | {id, name, live, visitors, days_running, srm_p,
          variants: [.variants[] | del(.lift_then)]}]'
"$MIDA" -c "$T/mida-monitor.conf" digest daily --print --json >"$T/print.json" || fail "digest --print --json"
[ "$(jq -c "$figures" "$T/print.json")" = "$(digests | jq -c "$figures")" ] ||
        fail "--print differs: $(jq -c "$figures" "$T/print.json") vs $(digests | jq -c "$figures")"
"$MIDA" -c "$T/mida-monitor.conf" digest daily --print >"$T/print.txt" || fail "digest --print"
for id in $(digests | jq -r '.experiments[].name'); do grep -qF "$id" "$T/print.txt" || fail "--print lacks $id"; done
pass "digest --print (--json) shows the figures that were sent"

# Down across the next slot: sent once at start, then never again.
slot2=$(next_minute)
digest_config "$slot2"
sleep_until $((slot2 + 2))
start_daemon
wait_for 20 digests_are 2 || fail "the digest missed while down was not sent at start"
digests | tail -n 1 | jq -e --argjson slot "$slot2" '(.scheduled_for | fromdateiso8601) == $slot' >/dev/null ||
        fail "the catch-up digest is not for its slot: $(digests | tail -n 1 | jq -c .scheduled_for)"
poll_now
stop_daemon
start_daemon
poll_now
sleep 2
[ "$(digest_count)" -eq 2 ] && [ "$(slack_digests)" -eq 2 ] || fail "a restart repeated a digest: $(digest_count)"
pass "a digest missed while the daemon was down: sent once at start; restarts repeat none"

"$MIDA" -c "$T/mida-monitor.conf" digest daily --send >"$T/send.out" || fail "digest --send: $(cat "$T/send.out")"
grep -q 'digest ops: delivered' "$T/send.out" && grep -q 'digest growth: delivered' "$T/send.out" ||
        fail "digest --send output: $(cat "$T/send.out")"
wait_for 10 digests_are 3 || fail "digest --send did not arrive"
digests | tail -n 1 | jq -e '.scheduled_for == null' >/dev/null || fail "an extra digest has a scheduled_for"
db_true "(SELECT count(*) FROM digests WHERE extra = 1) = 1 AND (SELECT count(*) FROM digests WHERE extra = 0) = 2" ||
        fail "digests table after --send: $(db_query 'SELECT * FROM digests')"
"$MIDA" -c "$T/mida-monitor.conf" digest nosuch --print 2>"$T/err" && fail "an unknown digest printed"
grep -q "no digest named 'nosuch'.*configured: daily" "$T/err" || fail "unknown digest message: $(cat "$T/err")"
pass "digest --send: delivered to each notifier, recorded as an extra; an unknown name is a clear error"
stop_daemon
