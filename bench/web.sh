#!/usr/bin/env bash
# bench/web: the status page's cost to the daemon. The real `mida-monitor
# run` with its web listener, against mida-sim with N live experiments of 3
# variants (1,000 by default). Prints JSON lines:
#   web_cycle   a poll cycle's wall time and the daemon's CPU, unloaded and
#               with 200 page loads at once as it starts (/, /api/v1/status,
#               /metrics, /experiment/ID in turn), the pages served and
#               refused, the slowest load; peak RSS after the loaded cycles
# The cycles alternate (unloaded, loaded, ...) ROUNDS times (default 5), so
# that both see the same machine. Issue 21's target (reported, not
# asserted): the loaded cycle within the noise of the unloaded one, RSS
# bounded. Measure in a build without sanitizers.
# Usage: bench/web.sh (sizes from the environment: WEB_BENCH_EXPERIMENTS,
# WEB_BENCH_CLIENTS, WEB_BENCH_ROUNDS; `make bench` passes its daemon
# sizes as arguments, which this bench ignores)
set -u
BENCH_NAME=web
. "$(dirname "$0")/lib/sim.sh"
N=${WEB_BENCH_EXPERIMENTS:-1000} CLIENTS=${WEB_BENCH_CLIENTS:-200} ROUNDS=${WEB_BENCH_ROUNDS:-5}

state_field() { sqlite3 -readonly "$T/state/state.db" "SELECT value FROM meta WHERE key = 'daemon.$1'" 2>/dev/null; }
stamp_changed() { local v; v=$(state_field last_cycle_at); [ -n "$v" ] && [ "$v" != "$1" ] && [ "$v" != 0 ]; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# one_cycle: runs a cycle (SIGUSR1) and prints "SECONDS CPU_TICKS".
one_cycle() {
        local stamp c0 c1; stamp=$(state_field last_cycle_at); c0=$(cpu_ticks "$DAEMON_PID")
        sleep 1.1   # a new second, so that the cycle's stamp differs
        kill -USR1 "$DAEMON_PID"
        wait_for 120 stamp_changed "$stamp" || die "no cycle finished within 120 s"
        c1=$(cpu_ticks "$DAEMON_PID")
        echo "$(state_field last_cycle_seconds) $((c1 - c0))"
}

# load_pages: CLIENTS page loads at once, accepting gzip as browsers do
# (threads of one python3 process, so that the load generator does not
# take the machine from the daemon);
# each load's status and seconds is a line of $T/served.
load_pages() {
        python3 - "$WEB" "$CLIENTS" >>"$T/served" <<'PY'
import sys, threading, time, urllib.error, urllib.request
base, n = sys.argv[1], int(sys.argv[2])
paths = ["/", "/api/v1/status", "/metrics", "/experiment/1", "/experiment/2"]
lines, lock = [], threading.Lock()
def load(i):
    t0, status = time.monotonic(), 0
    try:
        req = urllib.request.Request(base + paths[i % len(paths)], headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read(); status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception:
        status = 0
    with lock:
        lines.append(f"{status} {time.monotonic() - t0:.3f}")
threads = [threading.Thread(target=load, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(lines))
PY
}

# one_cycle_loaded: as one_cycle, with the page loads started as the cycle is.
one_cycle_loaded() {
        local stamp c0 c1 loader
        stamp=$(state_field last_cycle_at); c0=$(cpu_ticks "$DAEMON_PID")
        sleep 1.1
        kill -USR1 "$DAEMON_PID"
        load_pages & loader=$!
        wait_for 120 stamp_changed "$stamp" || die "no cycle finished within 120 s"
        c1=$(cpu_ticks "$DAEMON_PID")
        wait "$loader"
        echo "$(state_field last_cycle_seconds) $((c1 - c0))"
}

[ -x "$MIDA" ] && [ -x "$SIM" ] || die "build src/mida-monitor and sim/mida-sim first (top_builddir=$top_builddir)"
write_scenario "$N"
start_sim
PORT=$(free_port); WEB=http://127.0.0.1:$PORT
cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "http://127.0.0.1:$SIM_PORT/v2"; project_key = "many"; api_key = "many-key";
        timeout = "30s"; max_connections = 8; max_requests_per_second = 0; };
monitor: { interval = "1h"; state_directory = "$T/state"; };
web: { listen = "127.0.0.1:$PORT"; };
CONF
env -u NOTIFY_SOCKET -u WATCHDOG_USEC "$MIDA" -c "$T/mida-monitor.conf" run 2>"$T/daemon.log" &
DAEMON_PID=$!; PIDS="$PIDS $!"
wait_for 120 stamp_changed none || die "the first cycle did not finish"
curl -sf -o /dev/null "$WEB/" || die "the page does not answer: $(tail -n 3 "$T/daemon.log")"

unloaded=() loaded=() ucpu=() lcpu=()
rm -f "$T/served"
for ((r = 0; r < ROUNDS; r++)); do
        set -- $(one_cycle); unloaded+=("$1"); ucpu+=("$2")
        set -- $(one_cycle_loaded); loaded+=("$1"); lcpu+=("$2")
done
served=$(grep -c '^200 ' "$T/served"); failed=$(grep -vc '^200 ' "$T/served")
slowest=$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$T/served")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
printf '%s\n' "${unloaded[@]}" >"$T/u"; printf '%s\n' "${loaded[@]}" >"$T/l"
jq -n -c --argjson n "$N" --argjson clients "$CLIENTS" --argjson served "$served" --argjson failed "$failed" --argjson slowest "$slowest" \
        --argjson hz "$(getconf CLK_TCK)" --argjson hwm "$hwm" \
        --argjson u "$(jq -s . "$T/u")" --argjson l "$(jq -s . "$T/l")" \
        --argjson uc "$(printf '%s\n' "${ucpu[@]}" | jq -s .)" --argjson lc "$(printf '%s\n' "${lcpu[@]}" | jq -s .)" '
        def median: sort | .[length / 2 | floor];
        {bench: "web_cycle", experiments: $n, clients: $clients,
         unloaded_cycle_seconds: $u, loaded_cycle_seconds: $l,
         unloaded_median: ($u | median), loaded_median: ($l | median),
         unloaded_cpu_seconds_median: ($uc | median / $hz), loaded_cpu_seconds_median: ($lc | median / $hz),
         pages_served: $served, pages_failed: $failed, slowest_load_seconds: $slowest, peak_rss_mib: ($hwm / 1024 * 10 | round / 10)}'
