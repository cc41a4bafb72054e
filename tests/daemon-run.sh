#!/usr/bin/env bash
# `run` against mida-sim: systemd notify protocol, cycles, state (read from
# state.db while the daemon runs: experiments, their analysis and errors),
# reload, faults with recovery, SIGTERM, a restart that keeps the
# sequential state, and a corrupt state.db moved aside for a fresh start.
. "$(dirname "$0")/lib/harness.sh"

start_sim demo --seed 3 --speed 3600
write_config
start_daemon
wait_for 20 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 10 grep -q 'STATUS=Watching 4 experiments' "$T/notify.log" || fail "no STATUS= line: $(cat "$T/notify.log")"
wait_for 10 grep -q 'WATCHDOG=1' "$T/notify.log" || fail "no WATCHDOG=1 with WATCHDOG_USEC set"
pass "READY=1, STATUS=, WATCHDOG=1 sent"

db_true "(SELECT count(*) FROM experiments WHERE active) = 4" ||
        fail "state.db lacks 4 active experiments: $(db_query 'SELECT id, name, active FROM experiments')"
# The visitors column is the analysis's total; the analysis itself is no
# longer stored as text but recomputed when read (status --json, below).
visitors_1001() { db_query "SELECT visitors FROM experiments WHERE id = 1001"; }
v1=$(visitors_1001)
sleep 1; poll_now
v2=$(visitors_1001)
[ "$v2" -gt "$v1" ] || fail "visitors did not grow between cycles ($v1 -> $v2)"
pass "SIGUSR1 polls now; results evolve ($v1 -> $v2 visitors), each cycle committed to state.db"

"$MIDA" -c "$T/mida-monitor.conf" status >"$T/status.txt" || fail "status failed"
grep -q "4 watched" "$T/status.txt" || fail "status: $(cat "$T/status.txt")"
"$MIDA" -c "$T/mida-monitor.conf" status --json | jq -e '.daemon.last_cycle_at > 0' >/dev/null || fail "status --json"
a=$("$MIDA" -c "$T/mida-monitor.conf" status --json | jq -r '.experiments[] | select(.id == 1001) | .analysis.visitors')
[ "$a" = "$(visitors_1001)" ] || fail "status --json: 1001's recomputed analysis has $a visitors, not $(visitors_1001)"
db_true "(SELECT count(*) FROM experiments WHERE analysis IS NOT NULL) = 0" || fail "analysis text still written"
pass "status and status --json read the state; the analysis recomputed from the rows"

# Faults: 500s on one experiment; the others keep being polled, one log record.
sim_post /__faults '{"kind":"status","status":500,"endpoint":"result","test_id":1002}' >/dev/null
poll_now 40; poll_now 40
n=$(grep -c 'experiment 1002 .*Mida API server error' "$T/daemon.log")
[ "$n" -eq 1 ] || fail "expected one error record for 1002 over two failing cycles, got $n"
db_true "(SELECT last_error IS NULL FROM experiments WHERE id = 1001)" ||
        fail "a failing experiment disturbed another"
db_true "(SELECT last_error IS NOT NULL FROM experiments WHERE id = 1002)" || fail "1002's error not in state.db"
curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
poll_now 40
grep -q 'experiment 1002 .*polling works again' "$T/daemon.log" || fail "no recovery message"
pass "500 on one experiment: one error record, others unaffected, recovery logged"

for kind in malformed truncated close wrong-types html; do
        sim_post /__faults "{\"kind\":\"$kind\",\"endpoint\":\"result\",\"test_id\":1004,\"count\":50}" >/dev/null
        poll_now 60
        kill -0 "$DAEMON_PID" || fail "daemon died on $kind"
        db_true "(SELECT last_error IS NOT NULL FROM experiments WHERE id = 1004)" ||
                fail "$kind not reported as an error"
        curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
        poll_now 60
        db_true "(SELECT last_error IS NULL FROM experiments WHERE id = 1004)" ||
                fail "no recovery after $kind: $(db_query 'SELECT last_error FROM experiments WHERE id = 1004')"
done
pass "malformed, truncated, dropped connection, wrong types, HTML: survived and recovered"

sim_post /__faults '{"kind":"status","status":429,"retry_after":1,"endpoint":"result","test_id":1001,"count":2}' >/dev/null
poll_now 60
db_true "(SELECT last_error IS NULL FROM experiments WHERE id = 1001)" ||
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

# Restart: the experiments and their sequential state carry over: the same
# first_seen, and per variant counts that only grow and a running minimum p
# that only falls (a state started afresh would take the current p).
sequential_1004() {
        db_query "SELECT variant_id, visitors, conversions, ifnull(min_p, '-') FROM sequential
                  WHERE experiment_id = 1004 ORDER BY position"
}
seq_before=$(sequential_1004)
seen_before=$(db_query "SELECT first_seen FROM experiments WHERE id = 1004")
[ -n "$seq_before" ] && [ -n "$seen_before" ] || fail "no sequential state for 1004 in state.db"
grep -q '|[0-9][0-9.e+-]*$' <<<"$seq_before" || fail "no running minimum p for 1004 before the restart: $seq_before"
start_daemon
poll_now
seq_after=$(sequential_1004)
[ "$(db_query "SELECT first_seen FROM experiments WHERE id = 1004")" = "$seen_before" ] ||
        fail "1004's first_seen changed across the restart"
[ "$(cut -d'|' -f1 <<<"$seq_after")" = "$(cut -d'|' -f1 <<<"$seq_before")" ] ||
        fail "sequential variants of 1004 changed: $seq_before -> $seq_after"
paste -d'|' <(echo "$seq_before") <(echo "$seq_after") | awk -F'|' '
        $6 < $2 || $7 < $3 { bad = 1 }                    # counts went back
        $4 != "-" && ($8 == "-" || $8 + 0 > $4 + 0) { bad = 1 }   # the minimum p rose or was lost
        END { exit bad }' || fail "sequential state of 1004 not carried over: $seq_before -> $seq_after"
pass "restart keeps the experiments (first_seen) and the sequential state (counts, running minimum p)"

# One daemon per state directory: a second one refuses to start.
"$MIDA" -c "$T/mida-monitor.conf" run >"$T/second.log" 2>&1 && fail "a second daemon started on the same state"
grep -q 'another mida-monitor is running with this state directory' "$T/second.log" ||
        fail "second daemon: $(cat "$T/second.log")"
kill -0 "$DAEMON_PID" || fail "the first daemon died"
pass "a second daemon on the same state directory refuses to start, the first runs on"
stop_daemon

# A corrupt state.db (its first 4 KiB overwritten with garbage) is moved
# aside as state.db.corrupt-<time>, with a warning, and the daemon starts
# fresh. The WAL the daemon keeps (-wal) gets garbage too: its valid frames
# would otherwise supply the damaged pages (SQLite reads a page from the WAL
# first), and the database would open as if nothing had happened.
head -c 4096 /dev/urandom >"$T/garbage"
dd if="$T/garbage" of="$T/state/state.db" conv=notrunc status=none || fail "cannot corrupt state.db"
[ ! -e "$T/state/state.db-wal" ] || head -c 4096 /dev/urandom | dd of="$T/state/state.db-wal" conv=notrunc status=none
start_daemon
wait_for 10 grep -q 'state.db: not a readable database; moved aside as .*state.db.corrupt-' "$T/daemon.log" ||
        fail "corrupt state.db not reported"
aside=$(find "$T/state" -maxdepth 1 -name 'state.db.corrupt-*' ! -name '*-wal' ! -name '*-shm')
[ "$(wc -w <<<"$aside")" -eq 1 ] || fail "corrupt file not kept aside: $(ls "$T/state")"
cmp -s -n 4096 "$T/garbage" "$aside" || fail "$aside is not the corrupt state.db"
poll_now
db_true "(SELECT count(*) FROM experiments WHERE active) = 4" || fail "fresh state not written"
stop_daemon
pass "corrupt state.db moved aside ($(basename "$aside")); daemon started fresh"
