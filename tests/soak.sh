#!/usr/bin/env bash
# Soak: CYCLES poll cycles back to back (300 in `make check`, 10,000 with
# MIDA_LONG=1 / `make check-long`; SOAK_CYCLES=N overrides) over mida-sim's
# generated scenario of 100 experiments, its clock at 1 simulated hour per
# second so that results, alerts and webhooks keep changing. Cycles are
# driven by SIGUSR1 as soon as the previous one ends (its STATUS= line on the
# notify socket); now and then the receiver fails (retries) and results come
# back malformed (error paths). Every SAMPLE cycles the daemon's VmRSS and
# open descriptors are sampled.
#
# Pass/fail ("noise" made explicit), after a warm-up of WARMUP cycles
# (connections opened, every experiment seen, buffers grown):
#   - descriptors: the non-socket ones never change after the warm-up (the
#     same numbers and readlink targets at every sample; a change is
#     reported descriptor by descriptor), and
#     sockets (keep-alive connections come and go) stay within a fixed bound;
#   - RSS (a build without sanitizers only): the median of the last three
#     samples is at most the first post-warm-up sample + max(2 MiB, 10%).
# Under ASan/UBSan RSS is not a leak signal: freed memory sits in ASan's
# quarantine (up to 256 MiB) and shadow memory grows with it, so in the
# sanitized build RSS is only reported, while descriptors are still checked
# and LeakSanitizer checks the exit. The RSS check runs on a plain build
# (scripts/test's build-plain, or `make check` there), like valgrind.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

if [ -n "${MIDA_LONG:-}" ]; then CYCLES=${SOAK_CYCLES:-10000}; else CYCLES=${SOAK_CYCLES:-300}; fi
SAMPLE=$(( CYCLES / 50 )); [ "$SAMPLE" -ge 5 ] || SAMPLE=5
WARMUP=$(( CYCLES / 10 )); [ "$WARMUP" -ge 50 ] || WARMUP=50
[ "$WARMUP" -le $(( CYCLES / 2 )) ] || WARMUP=$(( CYCLES / 2 ))
# tests/soak-valgrind.sh runs this under memcheck (SOAK_VALGRIND_LOG is its
# log): then RSS and descriptors are valgrind's, reported only.
VG_LOG=${SOAK_VALGRIND_LOG:-}
VG=""
[ -z "$VG_LOG" ] || VG="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=$VG_LOG"
if ldd "$MIDA" 2>/dev/null | grep -Eq 'lib(a|ub|t|l)san' || nm "$MIDA" 2>/dev/null | grep -q '__asan_init'; then
        SANITIZED=1
else
        SANITIZED=""
fi

start_sim many --experiments 100 --speed 3600
# soak_config [RULE]: the config, with one more rule when given.
soak_config() {
        cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "$SIM_URL/v2"; project_key = "many"; api_key = "many-key";
        timeout = "5s"; max_connections = 4; max_requests_per_second = 0; };
monitor: { interval = "30s"; spread = 0; state_directory = "$T/state";
           metrics_file = "$T/state/mida-monitor.prom"; };
notifiers = ( { name = "ops"; type = "webhook"; url = "$SIM_URL/hooks/ops"; secret = "$SECRET"; } );
rules = (
  { name = "winner"; when = "significant && lift > 0.02"; notify = [ "ops" ]; },
  { name = "loser"; when = "significant && lift_high < -0.02"; severity = "critical"; notify = [ "ops" ]; },
  { name = "srm"; when = "srm_p < 0.001"; notify = [ "ops" ]; },
  { name = "big"; when = "visitors > 20000"; notify = [ "ops" ]; }${1:+,
  $1} );
CONF
}
soak_config

# The daemon runs at its default log level (no per-experiment lines over
# thousands of cycles); a cycle's end is its STATUS= notification.
statuses() { grep -c '^STATUS=' "$T/notify.log" 2>/dev/null || true; }
statuses_more_than() { [ "$(statuses)" -gt "$1" ]; }
start_daemon_info() {
        "$top_builddir/tests/notify-listener" "$T/notify.sock" "$T/notify.log" &
        PIDS="$PIDS $!"
        wait_for 5 test -S "$T/notify.sock" || fail "notify listener did not start"
        env -u WATCHDOG_PID NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=10000000 \
                $VG "$MIDA" -c "$T/mida-monitor.conf" run >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!; PIDS="$PIDS $!"
        wait_for 120 statuses_more_than 0 || fail "the first cycle did not finish"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
# fd_snapshot FILE: the daemon's open descriptors, "NUMBER TARGET" a line
# (readlink of /proc/PID/fd/NUMBER; a timerfd's clock from its fdinfo), by
# number; one closed meanwhile is left out.
fd_snapshot() {
        local f t c
        for f in /proc/"$DAEMON_PID"/fd/*; do
                t=$(readlink "$f" 2>/dev/null) || continue
                if [ "$t" = "anon_inode:[timerfd]" ]; then
                        c=$(awk '$1 == "clockid:" { print $2 }' "/proc/$DAEMON_PID/fdinfo/${f##*/}" 2>/dev/null)
                        case $c in 0) c=CLOCK_REALTIME ;; 1) c=CLOCK_MONOTONIC ;; 7) c=CLOCK_BOOTTIME ;; esac
                        t="$t(${c:-clock?})"
                fi
                echo "${f##*/} $t"
        done | sort -n >"$1"
}
# Sockets come and go with keep-alive connections; everything else (state
# directory lock, state.db with its -wal and -shm, event loop, timers,
# signals, log) must stay as it is.
non_sockets() { grep -v '^[0-9]* socket:' "$1" || true; }

start_daemon_info
# One STATUS= line per finished cycle, read as it comes.
exec {cycle_fd}< <(tail --pid="$DAEMON_PID" -n +1 -F "$T/notify.log" 2>/dev/null | grep --line-buffered "^STATUS=")
PIDS="$PIDS $!"
for i in $(seq 1 "$(statuses)"); do read -r -t 30 -u "$cycle_fd" _ || fail "notify log unreadable"; done

t0=$(date +%s.%N)
: >"$T/samples"
rss0="" n=0 episodes=0
while [ "$n" -lt "$CYCLES" ]; do
        kill -USR1 "$DAEMON_PID" || fail "the daemon is gone after $n cycles"
        read -r -t 60 -u "$cycle_fd" _ || fail "cycle $((n + 1)) did not finish within 60 s"
        n=$((n + 1))
        # Every 250 cycles, starting within the warm-up:
        case $(( n % 250 )) in
        # The receiver fails the next 3 deliveries, and a rule added by a
        # reload fires at once on one experiment: a delivery fails and
        # waits for its retry in every episode (the outbox's retry timer;
        # the delivery a row of state.db's outbox table meanwhile).
        10) sim_post /__hooks/fail '{"name": "ops", "count": 3, "status": 503, "retry_after": 1}' >/dev/null
            soak_config '{ name = "episode"; when = "visitors > 0"; experiments = [ "1" ]; notify = [ "ops" ]; }'
            kill -HUP "$DAEMON_PID"; episodes=$((episodes + 1)) ;;
        # A few malformed results: the parser's error paths.
        20) sim_post /__faults '{"kind": "malformed", "endpoint": "result", "count": 5}' >/dev/null ;;
        # The simulator's own request and delivery logs stay small.
        # The episode's rule goes again (its alert is forgotten), so that the
        # next episode fires it anew.
        40) sim -X DELETE "$SIM_URL/__requests" >/dev/null; sim -X DELETE "$SIM_URL/__hooks" >/dev/null
            soak_config; kill -HUP "$DAEMON_PID" ;;
        esac
        if [ $(( n % SAMPLE )) -eq 0 ]; then
                r=$(rss_kib); fd_snapshot "$T/fds.$n"
                f=$(wc -l <"$T/fds.$n"); o=$(non_sockets "$T/fds.$n" | wc -l); k=$(( f - o ))
                echo "$n $r $f $o $k" >>"$T/samples"
                [ "$n" -le "$WARMUP" ] || { [ -n "$rss0" ] || { rss0=$r; fds_warm=$n; }; }
        fi
done
t1=$(date +%s.%N)
kill -0 "$DAEMON_PID" || fail "the daemon died"
fd_snapshot "$T/fds-end"
kill -TERM "$DAEMON_PID"
wait_for 120 eval '! kill -0 '"$DAEMON_PID" || fail "the daemon did not stop within 120 s of SIGTERM"
wait "$DAEMON_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "the daemon exited with status $rc"
# Errors other than critical alerts (the loser rule) and the injected faults.
grep -E ': (error|critical|alert|emergency): ' "$T/daemon.log" | grep -v ' fired on \| resolved on ' |
        grep -v 'malformed\|not valid JSON\|cannot parse\|HTTP 503' | head -n 5 >"$T/errors"

col() { awk -v c="$1" -v w="$WARMUP" -v f="${2:-}" '$1 > w || f == "all" { print $c }' "$T/samples"; }
rss_first=$(awk 'NR == 1 { print $2 }' "$T/samples")
rss_end=$(tail -n 3 "$T/samples" | awk '{ print $2 }' | sort -n | sed -n 2p)
rss_peak=$(col 2 all | sort -n | tail -n 1)
limit=$(( rss0 + (rss0 / 10 > 2048 ? rss0 / 10 : 2048) ))
fd_first=$(awk 'NR == 1 { print $3 }' "$T/samples"); fd_end=$(tail -n 1 "$T/samples" | awk '{ print $3 }')
other_set=$(col 4 | sort -u | tr '\n' ' '); sock_max=$(col 5 all | sort -n | tail -n 1)
rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
failed=$(grep -c 'failed (HTTP 503)' "$T/daemon.log")
echo "soak samples (cycle rss_kib fds non-socket sockets):"
awk '{ printf "  %s", $0 } NR % 4 == 0 { print "" } END { print "" }' "$T/samples"
echo "soak figures: cycles=$n experiments=100 seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')" \
     "cycles_per_second=$rate rss_kib_first=$rss_first rss_kib_after_warmup=$rss0 rss_kib_end=$rss_end" \
     "rss_kib_peak=$rss_peak rss_limit_kib=$limit fds_first=$fd_first fds_end=$fd_end" \
     "non_socket_fds_after_warmup=[ $other_set] sockets_max=$sock_max" \
     "episodes=$episodes failed_deliveries=$failed" "sanitized=${SANITIZED:-no}"
# Every episode failed a delivery, which then waited for its retry.
[ "$failed" -ge "$episodes" ] ||
        fail "$failed failed deliveries in $episodes receiver-failure episodes: the retry path was not exercised"

# Descriptors: the non-socket ones (state directory lock, state.db and its
# WAL, event loop, timers, signals, log) never change after the warm-up
# (a database reopened, or a file per delivery, would show); sockets are bounded by the
# connection limits (4 API connections, 4 deliveries in flight) with room
# for connections being replaced: a leak of one per cycle or per delivery
# would pass any fixed bound within a few hundred cycles.
SOCKET_BOUND=16
if [ -n "$VG_LOG" ]; then
        pass "$n cycles under valgrind at $rate cycles/s (RSS and descriptors are valgrind's: not checked)"
        exit 0
fi
# The non-socket descriptors, number and target, of every later sample and
# at the end are those of the first sample after the warm-up; on a change,
# which appeared and which disappeared, and from which sample on.
non_sockets "$T/fds.$fds_warm" >"$T/fds-warm.other"
non_sockets "$T/fds-end" >"$T/fds-end.other"
changed=""
for s in $(awk -v w="$fds_warm" '$1 > w { print $1 }' "$T/samples"); do
        non_sockets "$T/fds.$s" | cmp -s - "$T/fds-warm.other" || changed="$changed $s"
done
cmp -s "$T/fds-end.other" "$T/fds-warm.other" || changed="$changed end"
if [ -n "$changed" ]; then
        # fd_list: "N [ FD TARGET, ... ]" (at most 10 listed), then N by target.
        fd_list() {
                sort -n | awk '{ n++; t = $0; sub(/^[0-9]+ /, "", t); by[t]++
                                 if (n <= 10) l = l (n > 1 ? ", " : "") $0 }
                               END { if (!n) { printf "none"; exit }
                                     printf "%d [ %s%s ]", n, l, (n > 10 ? sprintf(", ... %d more", n - 10) : "")
                                     printf " (by target:"; for (t in by) printf " %dx %s", by[t], t; printf ")" }'
        }
        appeared=$(comm -13 <(sort "$T/fds-warm.other") <(sort "$T/fds-end.other") | fd_list)
        gone=$(comm -23 <(sort "$T/fds-warm.other") <(sort "$T/fds-end.other") | fd_list)
        echo "soak descriptors after the warm-up (cycle $fds_warm):"; sed 's/^/  /' "$T/fds.$fds_warm"
        echo "soak descriptors at the end (cycle $n, the first 40 of $(wc -l <"$T/fds-end")):"
        head -n 40 "$T/fds-end" | sed 's/^/  /'
        fail "non-socket descriptors changed after the warm-up (cycle $fds_warm), at samples [$changed ]:" \
             "appeared by the end: $appeared; disappeared by the end: $gone"
fi
[ "$sock_max" -le "$SOCKET_BOUND" ] || fail "$sock_max sockets open (bound $SOCKET_BOUND)"
pass "descriptors: $fd_first at the start, $fd_end at the end; $other_set non-socket throughout, at most $sock_max sockets"
if [ -n "$SANITIZED" ]; then
        pass "RSS (reported only: sanitizer build) $rss_first KiB at the start, $rss0 after the warm-up, $rss_end at the end"
else
        [ "$rss_end" -le "$limit" ] ||
                fail "RSS grew beyond noise: $rss0 KiB after the warm-up, $rss_end KiB at the end (limit $limit KiB)"
        pass "RSS $rss0 KiB after the warm-up, $rss_end KiB at the end (limit $limit KiB: +max(2 MiB, 10%))"
fi
[ ! -s "$T/errors" ] || fail "unexpected errors in the log: $(cat "$T/errors")"
pass "$n cycles at $rate cycles/s, no unexpected error"
