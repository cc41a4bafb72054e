#!/usr/bin/env bash
# A reload takes effect at once, also mid-cycle. During a spread cycle
# (30 s × 0.5 over the demo's 4 experiments: a result request every
# 3.75 s), SIGHUP with a config that points at a second mida-sim: the daemon
# sends RELOADING=1 and READY=1 within a second, every request not yet
# started goes to the new API, none to the old, and the cycle ends with
# every experiment polled. A broken config sent later in the same cycle
# changes nothing: the cycle goes on with the good one. A reload during
# discovery starts discovery again on the new API. Takes ~55 s.
. "$(dirname "$0")/lib/harness.sh"

start_sim demo --seed 5
A_URL=$SIM_URL
start_sim demo --seed 5
B_URL=$SIM_URL

# result_requests URL SEQ: result requests the simulator at URL received since SEQ.
result_requests() {
        curl -sS --max-time 10 "$1/__requests?since=$2" | jq '[.requests[] | select(.path | endswith("/result"))] | length'
}
next_seq() { curl -sS --max-time 10 "$1/__requests" | jq .next; }
result_requests_more_than() { [ "$(result_requests "$1" "$2")" -gt "$3" ]; }
notify_count() { grep -c "^$1" "$T/notify.log" || true; }
notify_more_than() { [ "$(notify_count "$1")" -gt "$2" ]; }

# A 10 s request timeout: the list answer held back below must not time out.
SIM_URL=$A_URL write_config 'spread = 0.5;'
sed 's/timeout = "2s"/timeout = "10s"/' "$T/mida-monitor.conf" >"$T/a.conf"
SIM_URL=$B_URL write_config 'spread = 0.5;'
sed 's/timeout = "2s"/timeout = "10s"/' "$T/mida-monitor.conf" >"$T/b.conf"
grep -q 'timeout = "10s"' "$T/a.conf" || fail "the test config has no timeout to raise"
cp "$T/a.conf" "$T/mida-monitor.conf"
start_daemon
wait_for 20 cycles_more_than 0 || fail "first cycle did not finish"
a0=$(next_seq "$A_URL"); b0=$(next_seq "$B_URL")
# The scheduled cycle has begun once its first result request reaches A.
wait_for 40 result_requests_more_than "$A_URL" "$a0" 0 || fail "the scheduled cycle did not start within 40 s"
cycles_before=$(cycles_done)

reloading=$(notify_count RELOADING=1); ready=$(notify_count READY=1)
cp "$T/b.conf" "$T/mida-monitor.conf"
kill -HUP "$DAEMON_PID"
wait_for 1 notify_more_than RELOADING=1 "$reloading" || fail "no RELOADING=1 within 1 s of SIGHUP mid-cycle"
wait_for 1 notify_more_than READY=1 "$ready" || fail "no READY=1 within 1 s of SIGHUP mid-cycle"
[ "$(cycles_done)" -eq "$cycles_before" ] || fail "the cycle ended before the reload could be tested mid-cycle"
grep -q 'configuration reloaded; the cycle in progress goes on with it' "$T/daemon.log" ||
        fail "the reload did not apply mid-cycle: $(grep -i reload "$T/daemon.log")"
a_at_reload=$(result_requests "$A_URL" "$a0")
pass "SIGHUP mid-cycle: RELOADING=1 and READY=1 within 1 s, applied while the cycle runs"

# A broken config later in the same cycle is rejected; the cycle goes on.
echo 'monitor: { intervall = "1m"; };' >>"$T/mida-monitor.conf"
reloading=$(notify_count RELOADING=1)
kill -HUP "$DAEMON_PID"
wait_for 1 notify_more_than RELOADING=1 "$reloading" || fail "no RELOADING=1 for the broken config"
wait_for 5 grep -q 'keeping the running one' "$T/daemon.log" || fail "the broken config was not rejected"
[ "$(cycles_done)" -eq "$cycles_before" ] || fail "the cycle ended before the broken reload"

wait_for 30 cycles_more_than "$cycles_before" || fail "the cycle did not finish after the reloads"
a_end=$(result_requests "$A_URL" "$a0"); b_end=$(result_requests "$B_URL" "$b0")
[ "$a_end" -eq "$a_at_reload" ] || fail "the old API got $((a_end - a_at_reload)) result requests after the reload"
[ "$((a_end + b_end))" -ge 4 ] && [ "$b_end" -ge 1 ] ||
        fail "expected the 4 experiments polled across both APIs: $a_end on the old, $b_end on the new"
[ "$(db_meta daemon.last_cycle_polled)" = 4 ] && [ "$(db_meta daemon.last_cycle_failed)" = 0 ] ||
        fail "the cycle: $(db_meta daemon.last_cycle_polled) polled, $(db_meta daemon.last_cycle_failed) failed"
pass "the cycle went on: $a_end result request(s) on the old API before the reload, $b_end on the new after; a broken config in between changed nothing; 4 polled, 0 failed"

# A reload during discovery starts discovery again on the new API: B holds
# back its list answer for 3 s, and SIGHUP switches to A meanwhile. The
# cycle then lists and polls A only; B's late page is not used.
list_requests() {
        curl -sS --max-time 10 "$1/__requests?since=$2" | jq '[.requests[] | select(.path | endswith("/experiments"))] | length'
}
list_requests_more_than() { [ "$(list_requests "$1" "$2")" -gt "$3" ]; }
curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
        -d '{"kind":"delay","delay_ms":3000,"endpoint":"experiments","count":1}' "$B_URL/__faults" >/dev/null
a1=$(next_seq "$A_URL"); b1=$(next_seq "$B_URL"); cycles_before=$(cycles_done)
cp "$T/a.conf" "$T/mida-monitor.conf"
kill -USR1 "$DAEMON_PID"
wait_for 5 list_requests_more_than "$B_URL" "$b1" 0 || fail "the cycle's discovery did not reach B"
kill -HUP "$DAEMON_PID"
wait_for 20 cycles_more_than "$cycles_before" || fail "the cycle did not finish after a reload during discovery"
[ "$(list_requests "$A_URL" "$a1")" -ge 1 ] || fail "discovery did not start again on the new API"
[ "$(result_requests "$A_URL" "$a1")" -ge 4 ] && [ "$(result_requests "$B_URL" "$b1")" -eq 0 ] ||
        fail "results after a reload during discovery: $(result_requests "$A_URL" "$a1") on the new API, $(result_requests "$B_URL" "$b1") on the old"
[ "$(db_meta daemon.last_cycle_polled)" = 4 ] && [ "$(db_meta daemon.last_cycle_failed)" = 0 ] ||
        fail "that cycle: $(db_meta daemon.last_cycle_polled) polled, $(db_meta daemon.last_cycle_failed) failed"
pass "a reload during discovery: discovery started again on the new API, which alone was polled (4 polled, 0 failed)"
stop_daemon
