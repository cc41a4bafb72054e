#!/usr/bin/env bash
# `run` against mida-sim: systemd notify protocol, cycles, state, reload,
# faults with recovery, restart, corrupt state, SIGTERM.
. "$(dirname "$0")/lib/harness.sh"

start_sim demo --seed 3 --speed 3600
write_config
start_daemon
wait_for 20 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 10 grep -q 'STATUS=Watching 4 experiments' "$T/notify.log" || fail "no STATUS= line: $(cat "$T/notify.log")"
wait_for 10 grep -q 'WATCHDOG=1' "$T/notify.log" || fail "no WATCHDOG=1 with WATCHDOG_USEC set"
pass "READY=1, STATUS=, WATCHDOG=1 sent"

jq -e '.experiments | map(select(.active)) | length == 4' "$T/state/state.json" >/dev/null || fail "state.json lacks 4 experiments"
v1=$(jq '.experiments[] | select(.id == 1001) | .analysis.visitors' "$T/state/state.json")
sleep 1; poll_now
v2=$(jq '.experiments[] | select(.id == 1001) | .analysis.visitors' "$T/state/state.json")
[ "$v2" -gt "$v1" ] || fail "visitors did not grow between cycles ($v1 -> $v2)"
pass "SIGUSR1 polls now; results evolve ($v1 -> $v2 visitors), state saved atomically"

"$MIDA" -c "$T/mida-monitor.conf" status >"$T/status.txt" || fail "status failed"
grep -q "4 watched" "$T/status.txt" || fail "status: $(cat "$T/status.txt")"
"$MIDA" -c "$T/mida-monitor.conf" status --json | jq -e '.daemon.last_cycle_at > 0' >/dev/null || fail "status --json"
pass "status and status --json read the state"

# Faults: 500s on one experiment; the others keep being polled, one log record.
sim_post /__faults '{"kind":"status","status":500,"endpoint":"result","test_id":1002}' >/dev/null
poll_now 40; poll_now 40
n=$(grep -c 'experiment 1002 .*Mida API server error' "$T/daemon.log")
[ "$n" -eq 1 ] || fail "expected one error record for 1002 over two failing cycles, got $n"
jq -e '.experiments[] | select(.id == 1001) | .last_error == null' "$T/state/state.json" >/dev/null ||
        fail "a failing experiment disturbed another"
curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
poll_now 40
grep -q 'experiment 1002 .*polling works again' "$T/daemon.log" || fail "no recovery message"
pass "500 on one experiment: one error record, others unaffected, recovery logged"

for kind in malformed truncated close wrong-types html; do
        sim_post /__faults "{\"kind\":\"$kind\",\"endpoint\":\"result\",\"test_id\":1004,\"count\":50}" >/dev/null
        poll_now 60
        kill -0 "$DAEMON_PID" || fail "daemon died on $kind"
        jq -e '.experiments[] | select(.id == 1004) | .last_error != null' "$T/state/state.json" >/dev/null ||
                fail "$kind not reported as an error"
        curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
        poll_now 60
        jq -e '.experiments[] | select(.id == 1004) | .last_error == null' "$T/state/state.json" >/dev/null ||
                fail "no recovery after $kind"
done
pass "malformed, truncated, dropped connection, wrong types, HTML: survived and recovered"

sim_post /__faults '{"kind":"status","status":429,"retry_after":1,"endpoint":"result","test_id":1001,"count":2}' >/dev/null
poll_now 60
jq -e '.experiments[] | select(.id == 1001) | .last_error == null' "$T/state/state.json" >/dev/null ||
        fail "429 with Retry-After not retried within the cycle"
pass "429 + Retry-After: retried within the cycle and succeeded"

# SIGHUP with a broken config keeps the old one.
cp "$T/mida-monitor.conf" "$T/good.conf"
echo 'monitor: { intervall = "1m"; };' >>"$T/mida-monitor.conf"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'keeping the running one' "$T/daemon.log" || fail "broken config not rejected"
# The notify listener writes what it receives in its own time: wait for it.
wait_for 10 grep -q 'RELOADING=1' "$T/notify.log" || fail "no RELOADING=1"
kill -0 "$DAEMON_PID" || fail "daemon died on a broken reload"
poll_now
cp "$T/good.conf" "$T/mida-monitor.conf"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "good config not reloaded"
pass "SIGHUP: broken config rejected (old one keeps running), good one applied"

# SIGTERM: exit 0 promptly with state flushed, even right after a cycle
# with a failed poll (systemd would otherwise call a plain stop a failure).
sim_post /__faults '{"kind":"status","status":500,"endpoint":"result","test_id":1001,"count":3}' >/dev/null
poll_now 40
grep -q 'experiment 1001 .*Mida API server error' "$T/daemon.log" || fail "the fault did not fail a poll"
stop_daemon; rc=$?
[ "$rc" -eq 0 ] || fail "exit code $rc after SIGTERM"
wait_for 10 grep -q 'STOPPING=1' "$T/notify.log" || fail "no STOPPING=1"
pass "SIGTERM: STOPPING=1, exit 0"

# Restart: the running minimum p carries over; a temporary file a killed
# writer left behind is removed.
p_before=$(jq '.experiments[] | select(.id == 1004) | .sequential' "$T/state/state.json")
echo '{"half": ' >"$T/state/.state.json.tmp-00000000deadbeef"
start_daemon
poll_now
p_after=$(jq '.experiments[] | select(.id == 1004) | .sequential' "$T/state/state.json")
[ "$p_before" != "null" ] && [ "$p_after" != "null" ] || fail "sequential state missing"
[ ! -e "$T/state/.state.json.tmp-00000000deadbeef" ] || fail "stale temporary file kept"
pass "restart keeps the sequential state and removes a stale temporary file"

# One daemon per state directory: a second one refuses to start.
"$MIDA" -c "$T/mida-monitor.conf" run >"$T/second.log" 2>&1 && fail "a second daemon started on the same state"
grep -q 'another mida-monitor is running with this state directory' "$T/second.log" ||
        fail "second daemon: $(cat "$T/second.log")"
kill -0 "$DAEMON_PID" || fail "the first daemon died"
pass "a second daemon on the same state directory refuses to start, the first runs on"
stop_daemon

# Corrupt state is moved aside and the daemon starts fresh.
echo '{"version": 1, "experiments": [' >"$T/state/state.json"
start_daemon
wait_for 10 grep -q 'state file is corrupt' "$T/daemon.log" || fail "corrupt state not reported"
ls "$T/state" | grep -q 'state.json.corrupt' || fail "corrupt file not kept aside: $(ls "$T/state")"
poll_now
jq -e '.experiments | length >= 4' "$T/state/state.json" >/dev/null || fail "fresh state not written"
stop_daemon
pass "corrupt state moved aside; daemon started fresh"
