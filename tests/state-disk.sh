#!/usr/bin/env bash
# The state directory on a small tmpfs, in a private mount namespace: filled
# up, then made read-only. Each time the daemon logs a clear error, keeps
# running and polling, delivers what was already queued (and what fires
# meanwhile: the outbox keeps it in memory), and saves its state again once
# the directory is writable. Needs root and `unshare -m`; skips (77) without.
if [ -z "${MIDA_STATE_DISK_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to mount a tmpfs (running as uid $(id -u))"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare(1) not installed"; exit 77; }
        unshare -m --propagation private true 2>/dev/null ||
                { echo "SKIP: cannot create a private mount namespace (unshare -m not permitted here)"; exit 77; }
        MIDA_STATE_DISK_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

mkdir -p "$T/state"
if ! mount -t tmpfs -o size=1m,mode=0700 mida-state "$T/state" 2>"$T/mount.err"; then
        echo "SKIP: cannot mount a tmpfs: $(cat "$T/mount.err")"; exit 77
fi
trap 'umount -l "$T/state" 2>/dev/null; cleanup' EXIT

BACK=212400   # the demo, 59 h younger: nothing fires yet
hook_count() { sim "$SIM_URL/__hooks?name=$1" | jq '[.deliveries[] | select(.status < 300)] | length'; }
# Webhook deliveries carry their outbox id (Slack messages do not).
delivered_ids() { sim "$SIM_URL/__hooks?name=ops" | jq -r '.deliveries[] | select(.status < 300) | .headers["webhook-id"]' | sort -u; }
queued_ops() { ls "$T/state/outbox" | sed -n 's/^ops\.\(evt_[0-9a-f]*\)\.json$/\1/p' | sort; }
ops_at_least() { [ "$(hook_count ops)" -ge "$1" ]; }
growth_at_least() { [ "$(hook_count growth)" -ge "$1" ]; }
errors_matching() { grep -c "^mida-monitor: error: .*$1" "$T/daemon.log" || true; }
saved_at() { jq .daemon.last_cycle_at "$T/state/state.json"; }
fill() {
        dd if=/dev/zero of="$T/state/.filler" bs=4k 2>/dev/null
        # tmpfs keeps a few blocks for inodes: fill those with small files.
        for i in $(seq 1 64); do echo x >"$T/state/.filler.$i" 2>/dev/null || break; done
        ! (echo probe >"$T/state/.probe") 2>/dev/null || fail "the tmpfs is not full"
}
outbox_at_least() { [ "$(outbox_files)" -ge "$1" ]; }
reloaded_at_least() { [ "$(grep -c 'configuration reloaded' "$T/daemon.log")" -ge "$1" ]; }
sanitizer_report() { grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log"; }

start_sim demo.conf
sim_post /__clock "{\"advance\": -$BACK}" >/dev/null
alert_config
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
[ -s "$T/state/state.json" ] || fail "no state.json on the tmpfs"
pass "daemon running with its state directory on a 1 MiB tmpfs ($(df -k "$T/state" | awk 'NR==2 {print $3}') KiB used)"

# 1. Deliveries queued on disk while the receivers fail, then the disk fills.
# Two 503s with Retry-After 4 per receiver: the retries fall on the full disk.
for h in ops growth; do
        sim_post /__hooks/fail "{\"name\": \"$h\", \"count\": 2, \"status\": 503, \"retry_after\": 4}" >/dev/null
done
sim_post /__clock "{\"advance\": $BACK}" >/dev/null
poll_now
wait_for 20 outbox_at_least 5 || fail "expected 5 deliveries queued, found $(outbox_files)"
queued=$(queued_ops)
[ "$(patch_count 1002)" -eq 1 ] || fail "the pause was not sent before the disk filled"
fill
pass "5 deliveries (3 alerts, the pause report; Slack batches a cycle in one message) queued on disk while the receivers answer 503; disk filled"

before=$(saved_at)
sleep 1.1
poll_now
kill -0 "$DAEMON_PID" || fail "daemon died on a full disk"
[ "$(saved_at)" = "$before" ] || fail "state.json changed on a full disk?"
[ "$(errors_matching 'cannot save state: No space left on device')" -ge 1 ] ||
        fail "no clear error about the full disk: $(grep error: "$T/daemon.log" | tail -5)"
# A rule added now fires while nothing can be written: kept in memory.
alert_config "" ', { name = "young"; when = "visitors < 40000"; experiments = [ "1004" ]; notify = [ "ops" ]; }'
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now
grep -q 'young fired' "$T/daemon.log" || fail "young did not fire on a full disk"
[ "$(errors_matching 'cannot write outbox file .*No space left on device')" -ge 1 ] ||
        fail "the unwritable outbox entry is not reported"
pass "full disk: 'No space left on device' logged, daemon polls on, a new alert fires"

# The receivers come back (after their two 503s): everything is delivered,
# from memory where the file could not be rewritten.
wait_for 60 ops_at_least 4 || fail "ops deliveries missing on a full disk: $(hooks ops | jq -c '[.event, .rule]')"
wait_for 60 growth_at_least 2 || fail "Slack deliveries missing on a full disk: $(hooks growth | jq -r .text)"
for id in $queued; do delivered_ids | grep -qx "$id" || fail "queued delivery $id lost"; done
[ "$(ops_count '.rule == "young" and .event == "fired"')" -eq 1 ] || fail "the alert fired on the full disk was lost"
kill -0 "$DAEMON_PID" || fail "daemon died"
pass "all $(wc -w <<<"$queued") queued webhook deliveries (ids checked), the Slack ones and the alert fired meanwhile delivered, disk still full"

# Space returns: state is saved again, the outbox directory is clean.
rm -f "$T/state/.filler" "$T/state/.filler."*
before=$(saved_at)
sleep 1.1
poll_now
[ "$(saved_at)" -gt "$before" ] || fail "state not saved after space returned"
jq -e . "$T/state/alerts.json" >/dev/null || fail "alerts.json invalid"
jq -e '.entries[] | select(.rule == "harm" and .state == "done")' "$T/state/actions.json" >/dev/null ||
        fail "the pause is not in the ledger"
wait_for 10 outbox_empty || fail "outbox not clean after recovery: $(ls "$T/state/outbox")"
full_errors=$(grep -c '^mida-monitor: error:.*No space left' "$T/daemon.log")
pass "space back: state saved again, outbox empty ($full_errors error records while full)"

# 2. Read-only: the same, with EROFS.
sim_post /__hooks/fail '{"name": "ops", "count": 2, "status": 503, "retry_after": 4}' >/dev/null
alert_config "" ', { name = "young"; when = "visitors < 40000"; experiments = [ "1004" ]; notify = [ "ops" ]; },
  { name = "busy"; when = "visitors > 1000"; experiments = [ "1004" ]; notify = [ "ops" ]; }'
kill -HUP "$DAEMON_PID"
wait_for 10 reloaded_at_least 2 || fail "reload"
poll_now
wait_for 20 outbox_at_least 1 || fail "busy not queued"
queued=$(queued_ops)
# A read-only bind mount over the directory: remounting the tmpfs itself
# read-only is refused (EBUSY) while the daemon holds state.db open for
# writing. New files and renames now fail with EROFS; the database goes on
# through the descriptors it opened before.
{ mount --bind "$T/state" "$T/state" && mount -o remount,bind,ro "$T/state"; } ||
        fail "cannot make the state directory read-only"
(echo probe >"$T/state/.probe") 2>/dev/null && fail "the tmpfs is still writable"
sim_post /__clock '{"advance": 172800}' >/dev/null   # young resolves: a new event while read-only
before=$(saved_at)
sleep 1.1
poll_now
kill -0 "$DAEMON_PID" || fail "daemon died on a read-only state directory"
[ "$(errors_matching 'cannot save state: Read-only file system')" -ge 1 ] ||
        fail "no clear error about the read-only directory: $(grep error: "$T/daemon.log" | tail -5)"
wait_for 60 ops_count_at_least '.rule == "busy" and .event == "fired"' 1 || fail "busy (queued before ro) lost"
wait_for 60 ops_count_at_least '.rule == "young" and .event == "resolved"' 1 || fail "young resolved (while ro) lost"
for id in $queued; do delivered_ids | grep -qx "$id" || fail "queued delivery $id lost"; done
pass "read-only: 'Read-only file system' logged, queued and new deliveries delivered"

umount "$T/state" || fail "cannot make the state directory writable again"
sleep 1.1
poll_now
[ "$(saved_at)" -gt "$before" ] || fail "state not saved after the directory became writable"
ro_errors=$(grep -c '^mida-monitor: error:.*Read-only file system' "$T/daemon.log")
pass "writable again: state saved ($ro_errors error records while read-only)"

# A delivery that succeeded while the directory was read-only could not
# have its file removed; the daemon does not retry the unlink, so the file
# stays until a restart sends it again under the same id (at-least-once:
# a duplicate, never a loss).
leftover=$(queued_ops)
for id in $leftover; do
        delivered_ids | grep -qx "$id" || fail "outbox file $id left behind was never delivered"
done
stop_daemon || fail "exit code $? after SIGTERM"
if [ -n "$leftover" ]; then
        echo "# KNOWN ISSUE: $(wc -w <<<"$leftover") delivered entry file(s) not removed while read-only stay" \
             "in outbox/ until a restart re-sends them (same id)"
        start_daemon
        wait_for 30 outbox_empty || fail "leftover outbox files not sent after a restart: $(ls "$T/state/outbox")"
        for id in $leftover; do
                n=$(sim "$SIM_URL/__hooks?name=ops" | jq "[.deliveries[] | select(.status < 300 and
                        .headers[\"webhook-id\"] == \"$id\")] | length")
                [ "$n" -eq 2 ] || fail "leftover $id delivered $n times after the restart, expected 2 (same id)"
        done
        stop_daemon || fail "exit code $? after SIGTERM"
        pass "the leftover was re-sent once after a restart, under its id; outbox empty"
fi
sanitizer_report && fail "sanitizer report in the daemon log"
for f in state.json alerts.json actions.json; do jq -e . "$T/state/$f" >/dev/null || fail "$f invalid"; done
[ "$(patch_count 1002)" -eq 1 ] || fail "paused more than once"
pass "clean stop; state files valid; one PATCH"
echo "# errors logged: full disk $full_errors, read-only $ro_errors"
