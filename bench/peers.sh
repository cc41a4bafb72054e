#!/usr/bin/env bash
# bench/peers: mida-monitor `once --json` beside the naive poller a team
# writes first (bench/naive_poller.py: Python, standard library, a new
# connection per request, a z-test per variant, nothing kept), on one
# mida-sim with N live experiments of 3 variants (1,000 and 10,000, or the
# arguments). For each N, one JSON line: wall, CPU (user + system) and peak
# RSS of the baseline, of `once` on 1 connection and on 8, and the ratios
# issue 22 sets targets for (reported, not asserted):
#   cpu        once (8 connections) / baseline            target <= 0.2
#   peak_rss   once (8 connections) / baseline            target <= 1
#   wall_1     once (1 connection) / baseline             target <= 1
#   wall_8_vs_sim  once (8 connections) / the simulator's own time for
#              the same requests on 8 connections (bench/sim, when built)
#                                                         target <= 1.5
# An untimed `once` first lets mida-sim simulate every experiment's history
# (it does so on the first request of each). Needs python3.
# Usage: bench/peers.sh [N...]   (run by `make bench`)
set -u
BENCH_NAME=peers
. "$(dirname "$0")/lib/sim.sh"
HERE=$(dirname "$0")

command -v python3 >/dev/null || die "python3 is missing (scripts/lib/deps.sh installs it)"
[ -x "$MIDA" ] && [ -x "$SIM" ] || die "build src/mida-monitor and sim/mida-sim first (top_builddir=$top_builddir)"

# once_config CONNECTIONS: a config with no daemon state beside it.
once_config() {
        cat >"$T/once-$1.conf" <<CONF
mida: { base_url = "http://127.0.0.1:$SIM_PORT/v2"; project_key = "many"; api_key = "many-key";
        timeout = "30s"; max_connections = $1; max_requests_per_second = 0; };
monitor: { interval = "1h"; state_directory = "$T/no-state"; };
CONF
}

measure() { python3 "$HERE/measure.py" "$@" || die "$1 failed"; }
once_run() { measure "$MIDA" -c "$T/once-$1.conf" --log-level error once --json; }

# The simulator's results per second on 8 connections, or empty.
sim_rate() {
        [ -x "$top_builddir/bench/sim" ] || return 0
        "$top_builddir/bench/sim" 1 | jq -r 'select(.connections == 8) | .requests_per_second'
}

bench_peers() {
        local n=$1 rate=$2 baseline one eight
        once_config 1; once_config 8
        once_run 8 >/dev/null   # warm-up: mida-sim builds every history
        baseline=$(measure python3 "$HERE/naive_poller.py" "http://127.0.0.1:$SIM_PORT/v2" many many-key)
        one=$(once_run 1)
        eight=$(once_run 8)
        jq -cn --argjson n "$n" --argjson b "$baseline" --argjson o1 "$one" --argjson o8 "$eight" \
           --arg rate "$rate" '
                def r: . * 100 | round / 100;
                ($rate | if . == "" then null else tonumber end) as $rate |
                { bench: "peers", experiments: $n, baseline: $b, once_1: $o1, once_8: $o8,
                  ratios: { cpu: ($o8.cpu_seconds / $b.cpu_seconds | r),
                            peak_rss: ($o8.peak_rss_mib / $b.peak_rss_mib | r),
                            wall_1: ($o1.wall_seconds / $b.wall_seconds | r),
                            wall_8_vs_sim: (if $rate then ($o8.wall_seconds / (($n + 1) / $rate) | r) else null end) } }'
}

if ldd "$MIDA" | grep -q libasan; then
        echo "bench/peers: note: $MIDA is built with sanitizers; its figures are not representative" >&2
fi
rate=$(sim_rate)
sizes=("$@"); [ $# -gt 0 ] || sizes=(1000 10000)
for n in "${sizes[@]}"; do
        write_scenario "$n"
        start_sim
        bench_peers "$n" "$rate"
        stop_sim
done
