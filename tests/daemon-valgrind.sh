#!/usr/bin/env bash
# Valgrind memcheck on the real daemon against mida-sim: `run` with a rule
# that fires (webhook + pause action), a few cycles on SIGUSR1, one with API
# faults, a rejected and an accepted SIGHUP reload, the status page's routes
# (plain and gzip), SIGTERM; then `once`, `once --json`, `status --json`
# and `digest --print`/`--send`. Each must end with 0 errors and no
# definite leaks (--errors-for-leak-kinds=definite, --error-exitcode=1).
# A sanitizer build cannot run under valgrind: skipped there (exit 77);
# scripts/test runs this test in a second build without sanitizers and sets
# MIDA_REQUIRE_VALGRIND=1, which turns any skip into a failure.
. "$(dirname "$0")/lib/harness.sh"
. "$top_srcdir/tests/lib/valgrind.sh"

VG="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
# vg_ok LOG: no error and no definite leak reported in the valgrind log.
vg_ok() { ! grep -Eq 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid |uninitialised|Mismatched' "$1"; }
vg_fail() { echo "--- $1" >&2; cat "$1" >&2; fail "$2"; }
t0=$(date +%s)

start_sim demo --seed 3 --speed 3600
WEB=http://127.0.0.1:$(free_port)
write_config "" "notifiers = ( { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; } );
rules = ( { name = \"harm\"; when = \"significant && lift_high < -0.05\"; action = \"pause\"; notify = [ \"ops\" ]; } );
web: { listen = \"${WEB#http://}\"; };
digests = ( { name = \"daily\"; schedule = \"daily 00:00\"; timezone = \"UTC\"; notify = [ \"ops\" ]; } );"

# ---- run ----------------------------------------------------------------
# Under valgrind the daemon is the valgrind process itself: signals reach it.
DAEMON_WRAPPER="$VG --log-file=$T/vg-run.log" WATCHDOG_USEC=10000000 start_daemon
wait_for 120 cycles_more_than 0 || fail "first cycle did not finish under valgrind"
poll_now 120
hook_delivered() { [ "$(sim "$SIM_URL/__hooks?name=ops" | jq '.deliveries | length')" -gt 0 ]; }
wait_for 60 hook_delivered || fail "the rule's webhook was not delivered: $(sim "$SIM_URL/__hooks")"
pass "run under valgrind: READY=1, cycles, rule fired (webhook delivered)"

sim_post /__faults '{"kind":"status","status":500,"endpoint":"result","test_id":1001}' >/dev/null
sim_post /__faults '{"kind":"malformed","endpoint":"result","test_id":1004,"count":50}' >/dev/null
poll_now 120
curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
poll_now 120
pass "a cycle with a 500 and a malformed result, then recovery"

cp "$T/mida-monitor.conf" "$T/good.conf"
echo 'monitor: { intervall = "1m"; };' >>"$T/mida-monitor.conf"
kill -HUP "$DAEMON_PID"
wait_for 60 grep -q 'keeping the running one' "$T/daemon.log" || fail "broken config not rejected"
cp "$T/good.conf" "$T/mida-monitor.conf"
kill -HUP "$DAEMON_PID"
wait_for 60 grep -q 'configuration reloaded' "$T/daemon.log" || fail "good config not reloaded"
poll_now 120
pass "SIGHUP: broken config rejected, good one reloaded"

for path in / /experiment/1001 /experiment/9 /api/v1/status /api/v1/experiment/1001 /metrics /static/app.js /nowhere; do
        curl -s -o /dev/null --max-time 60 "$WEB$path" && curl -s -o /dev/null --compressed --max-time 60 "$WEB$path" ||
                fail "GET $path under valgrind"
done
curl -s -o /dev/null --max-time 60 -X POST "$WEB/" || fail "POST / under valgrind"
poll_now 120
curl -sf -o /dev/null --compressed --max-time 60 "$WEB/" || fail "GET / after a cycle under valgrind"
pass "the status page's routes, plain and gzip, 404s and a 405, across a cycle"

kill -TERM "$DAEMON_PID"
wait_for 60 eval '! kill -0 '"$DAEMON_PID" || fail "daemon did not exit within 60 s of SIGTERM under valgrind"
wait "$DAEMON_PID"; rc=$?
[ "$rc" -eq 0 ] && vg_ok "$T/vg-run.log" || vg_fail "$T/vg-run.log" "run: exit $rc, valgrind errors or definite leaks"
pass "run: SIGTERM, exit 0, valgrind: 0 errors, 0 definite leaks"

# ---- once and status ----------------------------------------------------
$VG --log-file="$T/vg-once.log" "$MIDA" -c "$T/mida-monitor.conf" once >"$T/once.txt" 2>"$T/once.err" ||
        vg_fail "$T/vg-once.log" "once exited $?: $(cat "$T/once.err")"
vg_ok "$T/vg-once.log" || vg_fail "$T/vg-once.log" "once: valgrind errors"
$VG --log-file="$T/vg-once-json.log" "$MIDA" -c "$T/mida-monitor.conf" once --json >"$T/once.json" 2>"$T/once.err" ||
        vg_fail "$T/vg-once-json.log" "once --json exited $?: $(cat "$T/once.err")"
# The rule paused 1002: three experiments stay live.
jq -e 'length == 3' "$T/once.json" >/dev/null || fail "once --json: $(head -c 300 "$T/once.json")"
vg_ok "$T/vg-once-json.log" || vg_fail "$T/vg-once-json.log" "once --json: valgrind errors"
$VG --log-file="$T/vg-status.log" "$MIDA" -c "$T/mida-monitor.conf" status --json >"$T/status.json" ||
        vg_fail "$T/vg-status.log" "status --json exited $?"
vg_ok "$T/vg-status.log" || vg_fail "$T/vg-status.log" "status --json: valgrind errors"
pass "once, once --json, status --json: exit 0, valgrind: 0 errors, 0 definite leaks"

$VG --log-file="$T/vg-digest.log" "$MIDA" -c "$T/mida-monitor.conf" digest daily --print >"$T/digest.txt" ||
        vg_fail "$T/vg-digest.log" "digest --print exited $?"
grep -q '^Digest daily' "$T/digest.txt" || fail "digest --print: $(head -n 3 "$T/digest.txt")"
$VG --log-file="$T/vg-digest-send.log" "$MIDA" -c "$T/mida-monitor.conf" digest daily --send >"$T/send.txt" ||
        vg_fail "$T/vg-digest-send.log" "digest --send exited $?: $(cat "$T/send.txt")"
vg_ok "$T/vg-digest.log" && vg_ok "$T/vg-digest-send.log" || vg_fail "$T/vg-digest-send.log" "digest: valgrind errors"
pass "digest --print and --send: exit 0, valgrind: 0 errors, 0 definite leaks"
echo "# daemon-valgrind: $(cycles_done) cycles under memcheck, $(( $(date +%s) - t0 )) s in all"
