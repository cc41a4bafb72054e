#!/usr/bin/env bash
# Kills the daemon at the N-th fdatasync(2) of a run from an empty state
# directory (strace's fault injection), for N = 1 … CRASH_POINTS (24), then
# restarts it clean and requires: each expected webhook event delivered,
# each under a single id, the outbox table drained, whatever moment the kill
# hit. Every durable write (experiments, alerts, ledger, outbox) is a commit
# of state.db, and SQLite (WAL, synchronous = FULL) ends each commit with
# an fdatasync of the WAL (it syncs nothing with fsync), so this walks
# through every crash window of a first cycle: schema created, alert
# queued, intent saved, pause sent, result recorded, report queued.
# Long test: `make check-long`.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

[ -n "${MIDA_LONG:-}${CRASH_POINTS:-}" ] || { echo "SKIP: long test; run it with make check-long"; exit 77; }
command -v strace >/dev/null || { echo "SKIP: strace missing (apt-get install strace)"; exit 77; }
expected='action harm 1002
fired harm 1002
fired srm 1003'
points=${CRASH_POINTS:-24}
gone() { ! kill -0 "$1" 2>/dev/null; }
killed=0

start_sim demo.conf
for n in $(seq 1 "$points"); do
        sim_post /__reset '{}' >/dev/null
        rm -rf "$T/state"
        alert_config
        strace -f -qq -o /dev/null -e trace=fdatasync -e "inject=fdatasync:signal=KILL:when=$n" \
                "$MIDA" -c "$T/mida-monitor.conf" run >>"$T/daemon.log" 2>&1 &
        traced=$!
        if wait_for 20 gone "$traced"; then
                killed=$((killed + 1)); how="killed at fdatasync $n"
        else
                how="ran to the end (fewer than $n fdatasyncs)"
                # SIGTERM to the daemon itself: strace does not pass it on
                # (the daemon would run on until its n-th fdatasync).
                kill -TERM $(cat "/proc/$traced/task/$traced/children" 2>/dev/null) 2>/dev/null ||
                        kill -TERM "$traced"
        fi
        wait "$traced" 2>/dev/null
        start_daemon
        wait_for 60 ops_count_at_least 'true' 3 || fail "kill at fdatasync $n: deliveries missing: $(hooks ops | jq -c '[.event, .rule]')"
        wait_for 60 outbox_empty || fail "kill at fdatasync $n: outbox not drained"
        poll_now
        wait_for 30 outbox_empty || fail "kill at fdatasync $n: outbox not drained"
        stop_daemon
        got=$(hooks ops | jq -r '"\(.event) \(.rule) \(.experiment.id)"' | sort -u)
        [ "$got" = "$expected" ] || fail "kill at fdatasync $n: delivered $(tr '\n' ',' <<<"$got")"
        twice=$(hooks ops | jq -r '"\(.event) \(.rule) \(.experiment.id) \(.id)"' | sort -u |
                awk '{print $1, $2, $3}' | uniq -d)
        [ -z "$twice" ] || fail "kill at fdatasync $n: delivered under two ids: $twice"
        echo "fdatasync $n: $how; after a clean restart $(hooks ops | wc -l) deliveries, $(patch_count 1002) PATCH"
done
[ "$killed" -gt 0 ] || fail "no run was killed: strace fault injection did not work"
pass "killed at each of $killed fdatasync points (of $points tried): every event delivered, each under one id"
