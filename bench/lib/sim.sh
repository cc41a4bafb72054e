# Shared by the shell benches: a private directory removed on exit with
# every process started here, and mida-sim over N live experiments of 3
# variants. The caller sets BENCH_NAME before sourcing this file.
top_builddir=${top_builddir:-.}
MIDA=$top_builddir/src/mida-monitor
SIM=$top_builddir/sim/mida-sim
SCRATCH_PREFIX=mida-bench
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/scratch.sh"
die() { echo "bench/$BENCH_NAME: $*" >&2; [ -f "$T/daemon.log" ] && tail -n 5 "$T/daemon.log" >&2; exit 1; }

# The generated `many` scenario gives only every third experiment a third
# arm and keeps 40% not live; this one makes all N live with 3 variants.
write_scenario() {
        awk -v n="$1" 'BEGIN {
                print "project_key = \"many\"; api_key = \"many-key\"; company_id = 1001;"
                print "experiments = ("
                for (i = 1; i <= n; i++) {
                        base = 0.02 + 0.13 * ((i * 7919) % 1000) / 1000
                        printf "{ id = %d; name = \"Bench experiment %d\"; url = \"https://example.com/b\"; " \
                               "status = \"live\"; started_hours_ago = %d; visitors_per_hour = %d; " \
                               "variants = ( { name = \"Control\"; rate = %.4f; }, { name = \"B\"; rate = %.4f; }, " \
                               "{ name = \"C\"; rate = %.4f; } ); }%s\n", i, i, 24 + (i * 37) % 696,
                               50 + (i * 131) % 950, base, base * 1.05, base * 0.97, i < n ? "," : ""
                }
                print ");"
        }' >"$T/scenario.conf"
}

start_sim() {
        rm -f "$T/sim.port"
        "$SIM" --scenario "$T/scenario.conf" --port 0 --port-file "$T/sim.port" -q &
        SIM_PID=$!; PIDS="$PIDS $!"
        wait_for 60 test -s "$T/sim.port" || die "mida-sim did not start"
        SIM_PORT=$(cat "$T/sim.port")
}

# stop_sim: the simulator started last.
stop_sim() { kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; }
