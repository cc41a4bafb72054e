#!/usr/bin/env bash
# Durable delivery end to end: the webhook receiver fails (HTTP 500 five
# times, then 429 with Retry-After) and the daemon is killed with -9 while
# deliveries are pending: the rows of state.db's outbox table survive the
# kill unchanged; after a restart every alert still arrives, under the id it
# was queued with (its outbox id), the outbox table ends empty, and no
# action is taken twice.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

attempts() { sim "$SIM_URL/__hooks?name=ops" | jq '.deliveries | length'; }
attempts_at_least() { [ "$(attempts)" -ge "$1" ]; }

start_sim demo.conf
for i in 1 2 3 4 5; do sim_post /__hooks/fail '{"name": "ops", "count": 1, "status": 500}' >/dev/null; done
sim_post /__hooks/fail '{"name": "ops", "count": 1, "status": 429, "retry_after": 2}' >/dev/null
alert_config
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 20 attempts_at_least 2 || fail "no retries seen"
queued=$(outbox_ids ops)
[ "$(wc -l <<<"$queued")" -eq 3 ] || fail "expected 3 ops deliveries queued, found: $queued"
grep -q 'delivery of evt_.* to notifier ops failed (HTTP 500), attempt 1; next in' "$T/daemon.log" ||
        fail "the failed attempt is not logged"
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
[ "$(outbox_ids ops)" = "$queued" ] || fail "outbox changed across kill -9: $(outbox_ids ops) vs $queued"
pass "5 x 500 planned; killed with -9 after $(attempts) failed attempts, 3 deliveries queued in state.db"

start_daemon
wait_for 90 outbox_empty || fail "outbox not drained after restart: $(outbox_list)"
delivered=$(hooks ops | jq -r .id | sort -u)
[ "$delivered" = "$queued" ] || fail "delivered ids differ from queued ids: $delivered vs $queued"
first=$(head -n 1 <<<"$queued")
ids_seen=$(sim "$SIM_URL/__hooks?name=ops" | jq -r '.deliveries[].headers["webhook-id"]' | sort -u | wc -l)
[ "$ids_seen" -eq 3 ] || fail "retries used new ids: $ids_seen distinct ids"
statuses=$(sim "$SIM_URL/__hooks?name=ops" | jq -r '[.deliveries[].status] | map(tostring) | join(" ")')
case "$statuses" in "500 500 500 500 500 429 200"*) ;; *) fail "attempts were: $statuses" ;; esac
pass "after restart: all 3 delivered under their queued ids (attempts: $statuses)"

[ "$(patch_count 1002)" -eq 1 ] || fail "kill -9 and restart paused twice: $(patch_count 1002) PATCHes"
[ "$(ops_count '.event == "fired"')" -eq 2 ] || fail "an alert was re-sent after the restart"
n=$(check_signatures)
pass "one PATCH, no alert re-sent, $n signed deliveries verify"
stop_daemon
