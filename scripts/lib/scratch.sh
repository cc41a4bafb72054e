# Shared by the shell tests (tests/lib/harness.sh) and benches
# (bench/lib/sim.sh): a private directory $T, removed on exit together with
# every process whose pid is in $PIDS (KEEP_TMP=1 keeps the directory), and
# wait_for. Set SCRATCH_PREFIX (mida-test, mida-bench) before sourcing.
T=$(mktemp -d "${TMPDIR:-/tmp}/${SCRATCH_PREFIX:-mida}.XXXXXX")
PIDS=""

cleanup() {
        for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
        local limit=$(( $1 * 10 )) i=0; shift
        until "$@" 2>/dev/null; do
                i=$((i + 1)); [ $i -ge $limit ] && return 1; sleep 0.1
        done
}

. "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"
