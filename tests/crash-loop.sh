#!/usr/bin/env bash
# Crash loop: the daemon is killed with -9 at random moments, ROUNDS times
# (10 in `make check`, 50 with MIDA_LONG=1 / `make check-long`), while the
# demo scenario moves on 30 simulated minutes per round, alerts fire and
# resolve, the webhook receiver fails now and then (retries pending) and the
# pause of 1002 is slowed down by the simulator (in flight when killed);
# each time it is restarted on the same state directory. Then it runs
# clean until its outbox (state.db's outbox table) is empty, and:
#   - every expected alert reached its receiver at least once, and a
#     repeated delivery always carries the id of the first one;
#   - nothing is lost (the outbox table empty, no delivery given up: no
#     delivery-failed record in the log; no state.db.corrupt-* moved aside);
#   - the only API writes are PATCH status 0 for 1002 (resending an
#     unfinished intent is allowed: it is idempotent), nothing else, and
#     the ledger (the actions table) says done;
#   - after every kill state.db passes SQLite's integrity check.
# CRASH_SEED=N repeats a run's random choices (the seed is printed).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

if [ -n "${MIDA_LONG:-}" ]; then ROUNDS=${CRASH_ROUNDS:-50}; else ROUNDS=${CRASH_ROUNDS:-10}; fi
SEED=${CRASH_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED
STEP_SECONDS=1800   # simulated time per round
echo "crash-loop: $ROUNDS rounds, seed $SEED (CRASH_SEED=$SEED to repeat)"
t_start=$(date +%s)

# The simulated clock moves only when told to: the expected alerts are then
# a function of the rounds, not of the machine's speed.
start_sim demo.conf --speed 0
visitors() { sim -H 'x-api-key: demo-key' "$SIM_URL/v2/project/demo/experiment/$1/result" | jq .total_visitors; }
V0=$(visitors 1004)
[ "$V0" -gt 0 ] || fail "cannot read 1004's visitors"
# 1004 gets ~300 visitors an hour (150 a round): a "step" rule crosses its
# threshold every ~2 rounds, so new alerts keep coming while the daemon is
# being killed, and "young" fires at once and resolves half way.
N_STEPS=$(( ROUNDS * 150 / 250 ))
steps=""
for k in $(seq 1 "$N_STEPS"); do
        steps="$steps, { name = \"step$k\"; when = \"visitors > $(( V0 + k * 250 ))\"; experiments = [ \"1004\" ]; notify = [ \"ops\" ]; }"
done
YOUNG=$(( V0 + ROUNDS * 150 / 2 ))
alert_config "" "$steps, { name = \"young\"; when = \"visitors < $YOUNG\"; experiments = [ \"1004\" ]; notify = [ \"ops\" ]; }"
# The pause takes 1.8 s three times (in flight when the daemon dies: a
# restart resends the intent) and then fails once with a 503 (a retry
# pending, 2 s later).
sim_post /__faults '{"kind": "delay", "endpoint": "status", "delay_ms": 1800, "count": 3}' >/dev/null
sim_post /__faults '{"kind": "status", "status": 503, "endpoint": "status", "count": 1, "retry_after": 1}' >/dev/null

# check_db ROUND: state.db, if a kill left one (a kill in the first start
# may come before it exists), is a sound database (the daemon is dead: the
# reader recovers its WAL as the next start would).
check_db() {
        local check
        [ -e "$T/state/state.db" ] || { [ "$1" != final ] && return 0; fail "no state.db at the end"; }
        check=$(db_query 'PRAGMA integrity_check' 2>&1)
        [ "$check" = ok ] || fail "round $1: state.db fails the integrity check: $(head -c 300 <<<"$check")"
}
action_unfinished() { db_true "EXISTS (SELECT 1 FROM actions WHERE state = 'intended')"; }

# start_raw: the daemon without waiting for READY=1 (to kill it while it
# loads its state and resends what a previous kill left).
start_raw() {
        env -u WATCHDOG_PID NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 \
                "$MIDA" -c "$T/mida-monitor.conf" --log-level debug run >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!; PIDS="$PIDS $!"
}
# sleep_ms N: sleeps N milliseconds.
sleep_ms() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }

kills_pending=0 kills_action=0 kills_early=0 failures_planned=0
for round in $(seq 1 "$ROUNDS"); do
        sim_post /__clock "{\"advance\": $STEP_SECONDS}" >/dev/null
        if [ $(( RANDOM % 10 )) -lt 7 ]; then
                status=$(( RANDOM % 3 )); status=$([ $status -eq 0 ] && echo 500 || ([ $status -eq 1 ] && echo 503 || echo 429))
                sim_post /__hooks/fail "{\"name\": \"*\", \"count\": $(( 1 + RANDOM % 3 )), \"status\": $status, \"retry_after\": 1}" >/dev/null
                failures_planned=$((failures_planned + 1))
        fi
        if [ $(( RANDOM % 5 )) -eq 0 ]; then
                # Killed while starting: loading state, resending.
                start_raw
                sleep_ms $(( RANDOM % 500 ))
                kills_early=$((kills_early + 1))
        else
                start_daemon
                # Sometimes a second cycle (SIGUSR1) in the middle.
                total=$(( RANDOM % 1500 ))
                if [ $(( RANDOM % 2 )) -eq 0 ]; then
                        first=$(( RANDOM % (total + 1) ))
                        sleep_ms "$first"; kill -USR1 "$DAEMON_PID" 2>/dev/null
                        sleep_ms $(( total - first ))
                else
                        sleep_ms "$total"
                fi
        fi
        outbox_at_least 1 && kills_pending=$((kills_pending + 1))
        action_unfinished && kills_action=$((kills_action + 1))
        kill -9 "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID" 2>/dev/null
        check_db "$round"
done
pass "$ROUNDS rounds of kill -9 ($kills_early while starting, $kills_pending with deliveries pending, $kills_action with the pause unfinished); state.db sound after each"

# Run clean: no more planned failures or faults, every delivery drains.
sim "$SIM_URL/__hooks" >"$T/hooks-rounds.json"
sim -X DELETE "$SIM_URL/__hooks" >/dev/null
sim -X DELETE "$SIM_URL/__faults" >/dev/null
before=$(cycles_done)
start_daemon
wait_for 30 cycles_more_than "$before" || fail "no cycle after the last restart"
poll_now 30
wait_for 90 outbox_empty || fail "outbox not drained: $(outbox_list)"
poll_now 30
wait_for 30 outbox_empty || fail "outbox not drained: $(outbox_list)"
stop_daemon
check_db final
outbox_empty || fail "deliveries left in the outbox after the stop: $(outbox_list)"
sim "$SIM_URL/__hooks" >"$T/hooks-final.json"

[ "$(given_up)" -eq 0 ] || fail "deliveries given up: $(grep 'giving up delivery of' "$T/daemon.log")"
corrupt=$(find "$T/state" -name '*.corrupt-*' | wc -l)
[ "$corrupt" -eq 0 ] || fail "$corrupt state files were found corrupt: $(find "$T/state" -name '*.corrupt-*')"

# Every delivery that got a 2xx, from both phases.
jq -c '.deliveries[] | select(.status < 300)' "$T/hooks-rounds.json" "$T/hooks-final.json" >"$T/delivered.jsonl"
attempts=$(jq -s '[.[].deliveries | length] | add' "$T/hooks-rounds.json" "$T/hooks-final.json")
jq -c 'select(.name == "ops") | {id: .headers["webhook-id"], body: (.body | fromjson)} |
        {id, body_id: .body.id, key: "\(.body.event)/\(.body.rule)/\(.body.experiment.id)", result: .body.action.result}' \
        "$T/delivered.jsonl" >"$T/ops.jsonl"
jq -e -s 'all(.id == .body_id)' "$T/ops.jsonl" >/dev/null || fail "a webhook-id differs from its body's id"

# The expected set: the demo's three alerts and the pause, every step rule
# whose threshold 1004 has passed, and "young" fired and resolved.
V=$(visitors 1004)
expected="fired/harm/1002 fired/srm/1003 action/harm/1002"
for k in $(seq 1 "$N_STEPS"); do
        [ "$V" -gt $(( V0 + k * 250 )) ] && expected="$expected fired/step$k/1004"
done
expected="$expected fired/young/1004"
[ "$V" -ge "$YOUNG" ] && expected="$expected resolved/young/1004"
n_expected=0
for key in $expected; do
        ids=$(jq -r --arg k "$key" 'select(.key == $k) | .id' "$T/ops.jsonl" | sort -u | wc -l)
        [ "$ids" -ge 1 ] || fail "alert $key was never delivered"
        [ "$ids" -eq 1 ] || fail "alert $key was delivered under $ids different ids (a duplicate the receiver cannot drop)"
        n_expected=$((n_expected + 1))
done
unexpected=$(jq -r '.key' "$T/ops.jsonl" | sort -u | grep -vxF -f <(tr ' ' '\n' <<<"$expected") || true)
[ -z "$unexpected" ] || fail "unexpected webhook alerts: $unexpected"
[ "$(jq -r 'select(.key == "action/harm/1002") | .result' "$T/ops.jsonl" | sort -u)" = paused ] ||
        fail "the pause was not reported as done: $(jq -c 'select(.key == "action/harm/1002")' "$T/ops.jsonl")"
ops_total=$(wc -l <"$T/ops.jsonl")
ops_distinct=$(jq -r .id "$T/ops.jsonl" | sort -u | wc -l)

# Slack has no ids: each message at least once; a repeat is the same queued
# body sent again (byte for byte), never a second rendering.
jq -r 'select(.name == "growth") | .body' "$T/delivered.jsonl" >"$T/growth.txt"
growth_text() { jq -r 'select(.name == "growth") | .body | fromjson | .text' "$T/delivered.jsonl"; }
for text in 'winner fired on Checkout CTA copy' 'harm fired on Pricing page hero' 'harm: pause taken on Pricing page hero'; do
        n=$(growth_text | grep -c -- "$text" || true)
        [ "$n" -ge 1 ] || fail "Slack message missing: $text"
        distinct=$(jq -r 'select(.name == "growth") | .body' "$T/delivered.jsonl" |
                   while IFS= read -r b; do jq -r .text <<<"$b" | grep -q -- "$text" && printf '%s\n' "$b"; done | sort -u | wc -l)
        [ "$distinct" -eq 1 ] || fail "Slack '$text' was rendered $distinct times (re-sent as a new message)"
done
growth_total=$(wc -l <"$T/growth.txt")
growth_distinct=$(sort -u "$T/growth.txt" | wc -l)
pass "all $n_expected expected webhook alerts delivered, each under one id; the 3 Slack messages delivered"

# The API writes: PATCH status 0 for 1002 only.
sim "$SIM_URL/__requests" >"$T/requests.json"
writes=$(jq -c '.requests[] | select((.method == "PATCH" or .method == "POST") and (.path | startswith("/v2/")))' "$T/requests.json")
n_writes=$(grep -c . <<<"$writes" || true)
[ "$n_writes" -ge 1 ] || fail "the pause was never requested"
others=$(jq -c 'select(.method != "PATCH" or .path != "/v2/project/demo/experiment/1002/status" or
        (.body | fromjson | .status) != 0) | [.method, .path, .body]' <<<"$writes")
[ -z "$others" ] || fail "unexpected actions: $others"
[ "$(sim_status 1002)" -eq 0 ] || fail "1002 is not paused"
[ "$(db_query "SELECT group_concat(rule || '/' || experiment_id || '/' || action || '/' || state) FROM actions")" = \
  harm/1002/pause/done ] || fail "the ledger: $(db_query 'SELECT * FROM actions')"
pass "the only API writes: $n_writes PATCH status 0 for 1002 (resent after kills); 1002 paused, the ledger says done"

duplicates=$(( ops_total - ops_distinct + growth_total - growth_distinct ))
echo "crash-loop figures: rounds=$ROUNDS seed=$SEED kills_while_starting=$kills_early" \
     "kills_with_deliveries_pending=$kills_pending kills_with_pause_unfinished=$kills_action" \
     "receiver_failures_planned=$failures_planned delivery_attempts=$attempts" \
     "deliveries=$(( ops_total + growth_total )) distinct=$(( ops_distinct + growth_distinct ))" \
     "duplicates=$duplicates actions=$n_writes expected_alerts=$n_expected" \
     "seconds=$(( $(date +%s) - t_start ))"
