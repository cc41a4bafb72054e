# Shell harness for integration tests: starts the real mida-sim and the real
# mida-monitor daemon on loopback, in a private temporary directory that is
# removed (with every process started here) when the test exits.
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"

MIDA=$top_builddir/src/mida-monitor
SIM=$top_builddir/sim/mida-sim
SCRATCH_PREFIX=mida-test
. "$top_srcdir/scripts/lib/scratch.sh"

fail() { echo "FAIL: $*" >&2; [ -f "$T/daemon.log" ] && tail -n 40 "$T/daemon.log" >&2; exit 1; }
pass() { echo "ok - $*"; }

# start_sim SCENARIO [ARGS]: sets SIM_PORT and SIM_URL.
start_sim() {
        local scenario=$1; shift
        rm -f "$T/sim.port"
        "$SIM" --scenario "$top_srcdir/sim/scenarios/$scenario" --port 0 --port-file "$T/sim.port" -q "$@" \
                >"$T/sim.log" 2>&1 &
        PIDS="$PIDS $!"
        wait_for 10 test -s "$T/sim.port" || fail "mida-sim did not start: $(cat "$T/sim.log")"
        SIM_PORT=$(cat "$T/sim.port")
        SIM_URL=http://127.0.0.1:$SIM_PORT
}

sim() { curl -sS --max-time 10 "$@"; }
sim_post() { curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' -d "$2" "$SIM_URL$1"; }

# write_config [EXTRA_MONITOR_SETTINGS] [EXTRA_TOP_LEVEL]: a config for the demo project.
write_config() {
        cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "$SIM_URL/v2"; project_key = "demo"; api_key = "demo-key";
        timeout = "2s"; max_requests_per_second = 0; };
monitor: { interval = "30s"; state_directory = "$T/state"; ${1:-} };
${2:-}
CONF
}

# ready_count: READY=1 messages so far; 0 without a notify.log (grep -c
# prints nothing for a missing file, and start_daemon's baseline would then
# compare every later count against "" and wait out its 20 s).
ready_count() { [ -e "$T/notify.log" ] || { echo 0; return; }; grep -c '^READY=1' "$T/notify.log" || true; }
ready_more_than() { [ "$(ready_count)" -gt "$1" ]; }

# start_daemon [ARGS]: runs `mida-monitor run` with a notify socket.
start_daemon() {
        if [ -z "${NOTIFY_PID:-}" ]; then
                "$top_builddir/tests/notify-listener" "$T/notify.sock" "$T/notify.log" &
                NOTIFY_PID=$!; PIDS="$PIDS $!"
                wait_for 5 test -S "$T/notify.sock" || fail "notify listener did not start"
        fi
        local ready; ready=$(ready_count)
        env -u WATCHDOG_PID NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=${WATCHDOG_USEC:-2000000} \
                ${DAEMON_WRAPPER:-} "$MIDA" -c "$T/mida-monitor.conf" --log-level debug run "$@" \
                >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!; PIDS="$PIDS $!"
        wait_for 20 ready_more_than "$ready" || fail "daemon never sent READY=1"
}

# The daemon's state: one SQLite database, $T/state/state.db (WAL mode),
# read here while the daemon runs and never written (-readonly). Writes are
# group-committed: a value appears up to ~100 ms after the event that caused
# it (poll with wait_for); "poll cycle finished" is logged after the
# cycle's own commit. Needs the sqlite3 CLI (scripts/lib/deps.sh).
# db_query SQL: the rows, columns separated by '|', NULL as an empty field;
# fails (a note on stderr, nothing on stdout) while there is no state.db:
# it never creates one.
db_query() {
        [ -e "$T/state/state.db" ] || { echo "db_query: no $T/state/state.db" >&2; return 1; }
        sqlite3 -init /dev/null -batch -readonly -cmd '.timeout 5000' "$T/state/state.db" "$1"
}
# db_true EXPRESSION: succeeds when the SQL expression (a subquery may be
# in it) is true, fails when it is false or cannot be evaluated.
db_true() { [ "$(db_query "SELECT ($1)")" = 1 ]; }
# db_meta KEY: a value of the meta table (salt, generation, daemon.last_cycle_at, ...).
db_meta() { db_query "SELECT value FROM meta WHERE key = '$1'"; }
command -v sqlite3 >/dev/null || fail "the sqlite3 CLI is missing (apt-get install sqlite3; scripts/lib/deps.sh lists it)"

# cycles_done: how many poll cycles the daemon has finished (from its log).
cycles_done() { grep -c 'poll cycle finished' "$T/daemon.log" 2>/dev/null || true; }
cycles_more_than() { [ "$(cycles_done)" -gt "$1" ]; }

# poll_now: SIGUSR1, then wait for that cycle to finish.
poll_now() {
        local before; before=$(cycles_done)
        kill -USR1 "$DAEMON_PID"
        wait_for "${1:-20}" cycles_more_than "$before" || fail "poll cycle did not finish"
}

stop_daemon() {
        kill -TERM "$DAEMON_PID"
        local i=0
        while kill -0 "$DAEMON_PID" 2>/dev/null; do
                i=$((i + 1)); [ $i -gt 100 ] && fail "daemon did not stop within 10 s"; sleep 0.1
        done
        wait "$DAEMON_PID"
}

