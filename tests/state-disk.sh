#!/usr/bin/env bash
# The state directory on a small tmpfs, in a private mount namespace: filled
# up, then made read-only under the running daemon. Each time SQLite's
# writes to state.db fail: the daemon logs each transaction it rolls back,
# keeps running and polling, delivers what was already queued, and what
# fires meanwhile although it cannot be stored (logged as not crash-safe);
# once the directory is writable it saves its state again (the cycle's
# summary, and the alerts that fired or resolved meanwhile). A delivery
# done while nothing could be written keeps its row until a commit can
# remove it, so a restart sends nothing twice.
# "Read-only" is a read-only bind mount over the directory (no new file)
# plus EROFS injected by strace into the writes and syncs of state.db and
# its WAL, as the kernel answers on a file system remounted read-only
# under open files (a bind mount alone leaves the database writable through
# the descriptors the daemon opened before). Needs root, `unshare -m` and
# strace; skips (77) without.
if [ -z "${MIDA_STATE_DISK_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to mount a tmpfs (running as uid $(id -u))"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare(1) not installed"; exit 77; }
        command -v strace >/dev/null || { echo "SKIP: strace not installed (apt-get install strace)"; exit 77; }
        unshare -m --propagation private true 2>/dev/null ||
                { echo "SKIP: cannot create a private mount namespace (unshare -m not permitted here)"; exit 77; }
        MIDA_STATE_DISK_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

# 8 MiB: room for state.db and its WAL, which grows to about 4 MiB before
# SQLite checkpoints it (a checkpointed WAL is rewritten in place and would
# not notice a full disk); `fill` takes whatever is left.
mkdir -p "$T/state"
if ! mount -t tmpfs -o size=${STATE_DISK_SIZE:-8m},mode=0700 mida-state "$T/state" 2>"$T/mount.err"; then
        echo "SKIP: cannot mount a tmpfs: $(cat "$T/mount.err")"; exit 77
fi
trap 'umount -l "$T/state" 2>/dev/null; umount -l "$T/state" 2>/dev/null; cleanup' EXIT

BACK=212400   # the demo, 59 h younger: nothing fires yet
hook_count() { sim "$SIM_URL/__hooks?name=$1" | jq '[.deliveries[] | select(.status < 300)] | length'; }
# Webhook deliveries carry their outbox id (Slack messages do not).
delivered_ids() { sim "$SIM_URL/__hooks?name=ops" | jq -r '.deliveries[] | select(.status < 300) | .headers["webhook-id"]' | sort -u; }
delivered_times() {
        sim "$SIM_URL/__hooks?name=ops" | jq "[.deliveries[] | select(.status < 300 and .headers[\"webhook-id\"] == \"$1\")] | length"
}
ops_at_least() { [ "$(hook_count ops)" -ge "$1" ]; }
growth_at_least() { [ "$(hook_count growth)" -ge "$1" ]; }
errors_matching() { grep -c "^mida-monitor: error: .*$1" "$T/daemon.log" || true; }
# Transactions of state.db the daemon rolled back (src/store/group_commit.c).
rolled_back() { errors_matching 'state\.db: a transaction failed and was rolled back: '; }
# Deliveries sent although their row could not be stored (src/notify/outbox.c).
not_stored() { errors_matching "state\.db: delivery [^ ]* to notifier $1 is not stored .*not crash-safe"; }
saved_at() { db_meta daemon.last_cycle_at; }
alert_row() { db_query "SELECT state FROM alerts WHERE rule = '$1' AND experiment_id = $2"; }
queued_for_rule() { db_true "EXISTS (SELECT 1 FROM outbox WHERE notifier = 'ops' AND json_extract(body, '\$.rule') = '$1')"; }
fill() {
        dd if=/dev/zero of="$T/state/.filler" bs=4k 2>/dev/null
        # tmpfs keeps a few blocks for inodes: fill those with small files.
        for i in $(seq 1 64); do echo x >"$T/state/.filler.$i" 2>/dev/null || break; done
        ! (echo probe >"$T/state/.probe") 2>/dev/null || fail "the tmpfs is not full"
}
reloaded_at_least() { [ "$(grep -c 'configuration reloaded' "$T/daemon.log")" -ge "$1" ]; }
sanitizer_report() { grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log"; }
traced() { [ "$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$DAEMON_PID/status")" != 0 ]; }

start_sim demo.conf
sim_post /__clock "{\"advance\": -$BACK}" >/dev/null
alert_config
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
[ -s "$T/state/state.db" ] && [ -n "$(saved_at)" ] || fail "no state.db on the tmpfs"
pass "daemon running with its state directory on a ${STATE_DISK_SIZE:-8m} tmpfs ($(df -k "$T/state" | awk 'NR==2 {print $3}') KiB used)"

# 1. Deliveries queued in state.db while the receivers fail, then the disk fills.
# Two 503s with Retry-After 4 per receiver: the retries fall on the full disk.
for h in ops growth; do
        sim_post /__hooks/fail "{\"name\": \"$h\", \"count\": 2, \"status\": 503, \"retry_after\": 4}" >/dev/null
done
sim_post /__clock "{\"advance\": $BACK}" >/dev/null
poll_now
wait_for 20 outbox_at_least 5 || fail "expected 5 deliveries queued, found $(outbox_count): $(outbox_list)"
queued=$(outbox_ids ops)
[ "$(patch_count 1002)" -eq 1 ] || fail "the pause was not sent before the disk filled"
fill
pass "5 deliveries (3 alerts, the pause report; Slack batches a cycle in one message) queued in state.db while the receivers answer 503; disk filled"

before=$(saved_at)
sleep 1.1
poll_now
kill -0 "$DAEMON_PID" || fail "daemon died on a full disk"
[ "$(saved_at)" = "$before" ] || fail "state.db changed on a full disk? daemon.last_cycle_at $before -> $(saved_at)"
[ "$(errors_matching 'state\.db: a transaction failed and was rolled back: .*No space left on device')" -ge 1 ] ||
        fail "no clear error about the full disk: $(grep error: "$T/daemon.log" | tail -5)"
# A rule added now fires while nothing can be written: sent all the same.
alert_config "" ', { name = "young"; when = "visitors < 40000"; experiments = [ "1004" ]; notify = [ "ops" ]; }'
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now
grep -q 'young fired' "$T/daemon.log" || fail "young did not fire on a full disk"
wait_for 5 eval '[ "$(not_stored ops)" -ge 1 ]' || fail "the delivery that could not be stored is not reported"
pass "full disk: rolled-back transactions logged (No space left on device), daemon polls on, a new alert fires (sent unstored, logged as not crash-safe)"

# The receivers come back (after their two 503s): everything is delivered,
# the alert that could not be stored from memory.
wait_for 60 ops_at_least 4 || fail "ops deliveries missing on a full disk: $(hooks ops | jq -c '[.event, .rule]')"
wait_for 60 growth_at_least 2 || fail "Slack deliveries missing on a full disk: $(hooks growth | jq -r .text)"
for id in $queued; do delivered_ids | grep -qx "$id" || fail "queued delivery $id lost"; done
[ "$(ops_count '.rule == "young" and .event == "fired"')" -eq 1 ] || fail "the alert fired on the full disk was lost"
kill -0 "$DAEMON_PID" || fail "daemon died"
pass "all $(wc -w <<<"$queued") queued webhook deliveries (ids checked), the Slack ones and the alert fired meanwhile delivered, disk still full"

# Space returns: state is saved again, with what happened while it was full.
rm -f "$T/state/.filler" "$T/state/.filler."*
before=$(saved_at)
sleep 1.1
poll_now
[ "$(saved_at)" -gt "$before" ] || fail "state not saved after space returned"
wait_for 5 eval '[ "$(alert_row young 1004)" = firing ]' ||
        fail "the alert that fired on the full disk is not in state.db (alerts: $(db_query 'SELECT rule, experiment_id, state FROM alerts' | tr '\n' ' '))"
db_true "EXISTS (SELECT 1 FROM actions WHERE rule = 'harm' AND experiment_id = 1002 AND state = 'done')" ||
        fail "the pause is not in the ledger"
# Rows of deliveries done while the disk was full could not be removed
# then; their removal is retried with each commit, so now they are gone.
wait_for 10 outbox_empty || fail "rows of deliveries done on the full disk not removed: $(outbox_list)"
full_errors=$(grep -c '^mida-monitor: error:.*No space left' "$T/daemon.log")
pass "space back: state saved again, the alert fired meanwhile recorded, delivered rows removed ($full_errors error records while full)"

# 2. Read-only: the same, with EROFS.
sim_post /__hooks/fail '{"name": "ops", "count": 2, "status": 503, "retry_after": 4}' >/dev/null
alert_config "" ', { name = "young"; when = "visitors < 40000"; experiments = [ "1004" ]; notify = [ "ops" ]; },
  { name = "busy"; when = "visitors > 1000"; experiments = [ "1004" ]; notify = [ "ops" ]; }'
kill -HUP "$DAEMON_PID"
wait_for 10 reloaded_at_least 2 || fail "reload"
poll_now
wait_for 20 queued_for_rule busy || fail "busy not queued: $(outbox_list)"
queued=$(outbox_ids ops)
# New files fail with EROFS (the bind mount); the database's own writes
# through the descriptors it holds fail with EROFS too (strace).
{ mount --bind "$T/state" "$T/state" && mount -o remount,bind,ro "$T/state"; } ||
        fail "cannot make the state directory read-only"
(echo probe >"$T/state/.probe") 2>/dev/null && fail "the tmpfs is still writable"
S=$T/state/state.db
strace -f -qq -o "$T/strace.log" -p "$DAEMON_PID" -P "$S" -P "$S-wal" -P "$S-shm" \
        -e trace=write,pwrite64,pwritev,ftruncate,fallocate,fsync,fdatasync \
        -e inject=write,pwrite64,pwritev,ftruncate,fallocate,fsync,fdatasync:error=EROFS &
STRACE_PID=$!; PIDS="$PIDS $!"
wait_for 10 traced || fail "strace did not attach to the daemon"
sim_post /__clock '{"advance": 172800}' >/dev/null   # young resolves: a new event while read-only
before=$(saved_at) rb=$(rolled_back)
sleep 1.1
poll_now
kill -0 "$DAEMON_PID" || fail "daemon died on a read-only state directory"
[ "$(saved_at)" = "$before" ] || fail "state.db written on a read-only file system? daemon.last_cycle_at $before -> $(saved_at)"
[ "$(rolled_back)" -gt "$rb" ] ||
        fail "no error about the read-only file system: $(grep error: "$T/daemon.log" | tail -5)"
grep -q 'EROFS' "$T/strace.log" || fail "strace injected no EROFS"
wait_for 60 ops_count_at_least '.rule == "busy" and .event == "fired"' 1 || fail "busy (queued before ro) lost"
wait_for 60 ops_count_at_least '.rule == "young" and .event == "resolved"' 1 || fail "young resolved (while ro) lost"
for id in $queued; do delivered_ids | grep -qx "$id" || fail "queued delivery $id lost"; done
ro_errors=$(( $(rolled_back) - rb ))
pass "read-only: $ro_errors rolled-back transactions logged ($(grep -o 'rolled back: [^(]*([^)]*)' "$T/daemon.log" | tail -n 1)), queued and new deliveries delivered"

kill "$STRACE_PID"; wait "$STRACE_PID" 2>/dev/null
wait_for 10 eval '! traced' || fail "strace did not detach"
umount "$T/state" || fail "cannot make the state directory writable again"
(echo probe >"$T/state/.probe") 2>/dev/null || fail "the tmpfs is still read-only"
before=$(saved_at)
sleep 1.1
poll_now
[ "$(saved_at)" -gt "$before" ] || fail "state not saved after the directory became writable"
wait_for 5 eval '[ -z "$(alert_row young 1004)" ] && [ "$(alert_row busy 1004)" = firing ]' ||
        fail "the alerts of the read-only time are not in state.db: $(db_query 'SELECT rule, experiment_id, state FROM alerts' | tr '\n' ' ')"
pass "writable again: state saved, with the alert that fired and the one that resolved meanwhile"

# A delivery done while nothing could be written kept its row until a
# commit could remove it: none is left for a restart to send again.
wait_for 10 outbox_empty || fail "rows of deliveries done while read-only not removed: $(outbox_list)"
stop_daemon || fail "exit code $? after SIGTERM"
start_daemon
poll_now
stop_daemon || fail "exit code $? after SIGTERM"
for id in $(delivered_ids); do
        n=$(delivered_times "$id")
        [ "$n" -eq 1 ] || fail "delivery $id delivered $n times"
done
pass "a restart sends nothing again: each of $(delivered_ids | wc -l) webhook ids delivered once"
sanitizer_report && fail "sanitizer report in the daemon log"
[ "$(db_query 'PRAGMA integrity_check')" = ok ] || fail "state.db fails the integrity check"
[ "$(patch_count 1002)" -eq 1 ] || fail "paused more than once"
pass "clean stop; state.db sound; one PATCH"
echo "# errors logged: full disk $full_errors, read-only $ro_errors rolled-back transactions"
