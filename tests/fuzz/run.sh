#!/bin/sh
# Runs each libFuzzer harness for a fixed time and prints one JSON line per
# harness: executions, exec/s, corpus size, coverage, crashes. Used by
# `make fuzz` (tests/fuzz/local.mk).
#
#   run.sh OUTDIR SEED_CORPUS_DIR SECONDS HARNESS...
#
# OUTDIR holds the fuzz-<harness> programs; the corpus each run grows and
# any crashing input go to OUTDIR/work/<harness>/ (the seeds are only read).
# A crash prints the harness's report and the input (path and base64), and
# the script exits 1 after running every harness.
set -u
out=$1 seeds=$2 seconds=$3
shift 3
failed=
# The harnesses that write files (config, state) run much faster on tmpfs;
# a private directory also collects what a crashed harness leaves behind.
base=${TMPDIR:-}
if [ -z "$base" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
        base=/dev/shm
fi
TMPDIR=$(mktemp -d "${base:-/tmp}/mida-fuzz-run.XXXXXX") || exit 1
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
for h in "$@"; do
        work=$out/work/$h
        mkdir -p "$work/corpus" "$work/crashes"
        rm -f "$work/crashes/"*
        log=$work/fuzz.log
        # The seeds are read-only (a distcheck tree): new inputs go to the
        # first directory. -timeout: an input slower than 10 s is a hang.
        # libconfig 1.5 (Debian bookworm) leaks a few bytes on most syntax
        # errors, inside the library and without frame pointers to tell its
        # leaks from ours: the config harness checks memory errors and
        # undefined behaviour but not leaks (the unit tests and valgrind do).
        leaks=1
        [ "$h" = config ] && leaks=0
        ASAN_OPTIONS="detect_leaks=$leaks${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        "$out/fuzz-$h" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
                -rss_limit_mb=2048 -detect_leaks=$leaks -artifact_prefix="$work/crashes/" \
                "$work/corpus" "$seeds/$h" >"$log" 2>&1
        status=$?
        stat() { sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
        execs=$(stat number_of_executed_units)
        rate=$(stat average_exec_per_sec)
        corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
        cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
        crashes=$(find "$work/crashes" -type f | wc -l)
        [ "$status" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes=1
        printf '{"harness":"%s","seconds":%s,"executions":%s,"exec_per_sec":%s,"corpus":%s,"coverage":%s,"crashes":%s}\n' \
                "$h" "$seconds" "${execs:-0}" "${rate:-0}" "${corpus:-0}" "${cov:-0}" "$crashes"
        if [ "$crashes" -gt 0 ]; then
                failed="$failed $h"
                echo "== fuzz-$h failed (exit $status); its report:" >&2
                grep -v '^#[0-9]' "$log" | tail -n 60 >&2
                for f in "$work/crashes/"*; do
                        [ -f "$f" ] || continue
                        echo "== crashing input: $f (base64; reproduce with: $out/fuzz-$h FILE)" >&2
                        base64 "$f" >&2
                done
        fi
done
if [ -n "$failed" ]; then
        echo "make fuzz: crashes in:$failed" >&2
        exit 1
fi
