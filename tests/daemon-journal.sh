#!/usr/bin/env bash
# Records reach the systemd journal with their structured fields: a private
# systemd-journald runs in a private mount namespace (tmpfs on /run, its
# /run/log a directory of this test), and `mida-monitor run` is started with
# stderr connected to it (systemd-cat) and $JOURNAL_STREAM naming that
# stream, as systemd does for a service. Then `journalctl MESSAGE_ID=…
# MIDA_EXPERIMENT_ID=…` must find a poll-failed record (HTTP 500) and an
# analysis record with their fields, sent natively (_TRANSPORT=journal),
# not as stderr lines; every MESSAGE_ID is in the catalog, and
# `journalctl -x` explains it from the catalog.
# Needs root (unshare, mounts), systemd-journald, journalctl, systemd-cat;
# skipped (exit 77) otherwise. CI runs as root.
. "$(dirname "$0")/lib/harness.sh"

skip() { echo "SKIP: $*"; exit 77; }
JOURNALD=/lib/systemd/systemd-journald
CATALOG=$top_srcdir/systemd/mida-monitor.catalog
MSGID_POLL_FAILED=$(sed -n 's/.*MIDA_MSGID_POLL_FAILED *"\([0-9a-f]*\)".*/\1/p' "$top_srcdir/src/util/log.h")
MSGID_ANALYSIS=$(sed -n 's/.*MIDA_MSGID_ANALYSIS *"\([0-9a-f]*\)".*/\1/p' "$top_srcdir/src/util/log.h")
MSGID_RELOADED=$(sed -n 's/.*MIDA_MSGID_CONFIG_RELOADED *"\([0-9a-f]*\)".*/\1/p' "$top_srcdir/src/util/log.h")
[ -n "$MSGID_POLL_FAILED" ] && [ -n "$MSGID_ANALYSIS" ] && [ -n "$MSGID_RELOADED" ] || fail "MESSAGE_IDs not found in src/util/log.h"

[ "$(id -u)" -eq 0 ] || skip "needs root to unshare a mount namespace for a private journald (CI runs as root)"
for tool in unshare nsenter journalctl systemd-cat; do command -v $tool >/dev/null || skip "$tool missing (apt-get install systemd util-linux)"; done
[ -x "$JOURNALD" ] || skip "$JOURNALD missing (apt-get install systemd)"
case "$T" in /run/*) skip "the test directory $T is under /run, which the namespace replaces";; esac

# ---- a private journald -------------------------------------------------
# The namespace is held by a sleep; everything else enters it with nsenter.
# journald needs a machine ID: an empty /etc/machine-id gets one there.
mkdir -p "$T/log"
cat /proc/sys/kernel/random/uuid | tr -d '-' >"$T/machine-id"
ns_script='set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/log /run/systemd
mount --bind "$1" /run/log
if [ -f /etc/machine-id ] && [ ! -s /etc/machine-id ]; then mount --bind "$2" /etc/machine-id; fi
exec sleep 3600'
unshare --mount --propagation private sh -c "$ns_script" sh "$T/log" "$T/machine-id" >"$T/unshare.log" 2>&1 &
NS_PID=$!; PIDS="$PIDS $NS_PID"
ns_ready() { [ "$(readlink "/proc/$NS_PID/exe")" = "$(readlink -f "$(command -v sleep)")" ]; }
wait_for 10 ns_ready || skip "cannot unshare a mount namespace: $(cat "$T/unshare.log")"
in_ns() { nsenter -t "$NS_PID" -m -- "$@"; }
[ -s /etc/machine-id ] || in_ns test -s /etc/machine-id || skip "no /etc/machine-id for journald"

# Background commands call nsenter directly (not in_ns): $! is then the
# process itself (nsenter and systemd-cat exec), not a subshell.
nsenter -t "$NS_PID" -m -- env -u NOTIFY_SOCKET -u WATCHDOG_USEC "$JOURNALD" >"$T/journald.log" 2>&1 &
JOURNALD_PID=$!; PIDS="$PIDS $JOURNALD_PID"
journald_up() { in_ns test -S /run/systemd/journal/socket && in_ns test -S /run/systemd/journal/stdout; }
wait_for 10 journald_up || fail "private journald did not start: $(cat "$T/journald.log")"
pass "private systemd-journald in a private mount namespace ($T/log)"

# ---- the daemon, its stderr a journal stream -----------------------------
start_sim demo --seed 3 --speed 3600
write_config
# A cycle has finished when state.db's daemon.last_cycle_at moves (it is in
# seconds: the test sleeps 1 s before it starts the next cycle).
state_stamp() {
        db_query "SELECT value FROM meta WHERE key = 'daemon.last_cycle_at' AND CAST(value AS INTEGER) > 0" 2>/dev/null |
                grep . || echo none
}
stamp_changed() { local now; now=$(state_stamp); [ "$now" != none ] && [ "$now" != "$1" ]; }
nsenter -t "$NS_PID" -m -- systemd-cat -t mida-monitor sh -c 'export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); exec "$@"' sh \
        env -u NOTIFY_SOCKET -u WATCHDOG_USEC "$MIDA" -c "$T/mida-monitor.conf" run &
DAEMON_PID=$!; PIDS="$PIDS $DAEMON_PID"
wait_for 30 stamp_changed none || fail "first cycle did not finish (see journalctl -D $T/log/journal)"
sim_post /__faults '{"kind":"status","status":500,"endpoint":"result","test_id":1002}' >/dev/null
stamp=$(state_stamp); sleep 1
kill -USR1 "$DAEMON_PID"
# The 500 is retried with backoff within the cycle before it counts.
wait_for 90 stamp_changed "$stamp" || fail "second cycle did not finish"
# A recovery cycle before stopping (the exit code of `run` must not depend
# on the last cycle's failures; see tests/daemon-run.sh).
curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
stamp=$(state_stamp); sleep 1
kill -USR1 "$DAEMON_PID"
wait_for 30 stamp_changed "$stamp" || fail "third cycle did not finish"
kill -HUP "$DAEMON_PID"; sleep 1
kill -TERM "$DAEMON_PID"
wait_for 10 eval '! kill -0 '"$DAEMON_PID" || fail "daemon did not stop"
wait "$DAEMON_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "daemon exited $rc"
# Stopping journald writes everything out.
kill -TERM "$JOURNALD_PID"; wait "$JOURNALD_PID" 2>/dev/null
pass "mida-monitor run with JOURNAL_STREAM: three cycles (500 on 1002 in the second), SIGHUP, SIGTERM"

# ---- what the journal holds ---------------------------------------------
J=$T/log/journal
jctl() { journalctl -D "$J" --no-pager -o json "$@"; }
jctl _PID="$DAEMON_PID" >"$T/daemon.json" || fail "journalctl cannot read $J"
[ -s "$T/daemon.json" ] || fail "no records from the daemon (pid $DAEMON_PID): $(journalctl -D "$J" --no-pager | tail -n 20)"

jctl MESSAGE_ID="$MSGID_POLL_FAILED" MIDA_EXPERIMENT_ID=1002 >"$T/poll.json"
jq -se 'length >= 1 and all(.[]; .MIDA_HTTP_STATUS == "500" and .PRIORITY == "3" and
        .MIDA_EXPERIMENT_NAME == "Pricing page hero" and ._TRANSPORT == "journal")' "$T/poll.json" >/dev/null ||
        fail "poll-failed record of 1002: $(cat "$T/poll.json")"
pass "journalctl MESSAGE_ID=$MSGID_POLL_FAILED MIDA_EXPERIMENT_ID=1002: $(jq -sr '.[0].MESSAGE' "$T/poll.json") (MIDA_HTTP_STATUS=500)"

# At the default log level an analysis is logged when it changed: 1001's
# variant 1 turns significant in the first cycle.
jctl MESSAGE_ID="$MSGID_ANALYSIS" MIDA_EXPERIMENT_ID=1001 MIDA_VARIANT_ID=1 >"$T/analysis.json"
jq -se 'length >= 1 and all(.[]; ._TRANSPORT == "journal" and .MIDA_EXPERIMENT_NAME == "Checkout CTA copy" and
        (.MIDA_LIFT | tonumber) > 0.1 and (.MIDA_P_VALUE | tonumber) < 0.05 and (.MIDA_VISITORS | tonumber) > 0)' \
        "$T/analysis.json" >/dev/null || fail "analysis record of 1001: $(cat "$T/analysis.json")"
pass "journalctl MESSAGE_ID=$MSGID_ANALYSIS MIDA_EXPERIMENT_ID=1001: $(jq -sr '.[0] | "\(.MESSAGE) (MIDA_LIFT=\(.MIDA_LIFT) MIDA_P_VALUE=\(.MIDA_P_VALUE) MIDA_VISITORS=\(.MIDA_VISITORS))"' "$T/analysis.json")"

jctl MESSAGE_ID="$MSGID_RELOADED" >"$T/reload.json"
[ -s "$T/reload.json" ] || fail "no config-reloaded record"
jq -se 'map(select(._TRANSPORT != "journal")) | length == 0' "$T/daemon.json" >/dev/null ||
        fail "records went through the stderr stream, not natively: $(jq -sc 'map(select(._TRANSPORT != "journal")) | .[0:3]' "$T/daemon.json")"
ids=$(jq -sr 'map(.MESSAGE_ID // empty) | unique | .[]' "$T/daemon.json")
for id in $ids; do grep -q "^-- $id\$" "$CATALOG" || fail "MESSAGE_ID $id is not in $CATALOG"; done
pass "$(jq -s length "$T/daemon.json") records, all native; their $(echo "$ids" | wc -w) MESSAGE_IDs all in the catalog"

# journalctl -x explains a record from the catalog, installed in the namespace.
if in_ns sh -c "mount -t tmpfs tmpfs /usr/lib/systemd/catalog && mount -t tmpfs tmpfs /var/lib/systemd &&
                cp '$CATALOG' /usr/lib/systemd/catalog/ && journalctl --update-catalog" >"$T/catalog.log" 2>&1; then
        in_ns journalctl -D "$J" --no-pager -x MESSAGE_ID="$MSGID_POLL_FAILED" >"$T/explained.txt" 2>&1
        grep -q 'Subject: Polling the Mida API failed' "$T/explained.txt" ||
                fail "journalctl -x does not explain the record: $(cat "$T/explained.txt")"
        pass "journalctl -x explains the poll-failed record from systemd/mida-monitor.catalog"
else
        echo "# note: catalog not installable in the namespace: $(cat "$T/catalog.log")"
fi
echo "# journal records by MESSAGE_ID: $(jq -sr 'group_by(.MESSAGE_ID) | map("\(.[0].MESSAGE_ID // "none")=\(length)") | join(" ")' "$T/daemon.json")"
