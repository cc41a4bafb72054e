#!/bin/sh
# mida-sim command line: --help documents every flag and endpoint, bad
# arguments and bad scenarios fail with a message and the right exit code.
set -u
sim="${top_builddir:-.}/sim/mida-sim"
src="${top_srcdir:-..}"
fail=0
check() { if eval "$2"; then :; else echo "not ok - $1"; fail=1; fi; }

help=$("$sim" --help); rc=$?
check "--help exits 0" '[ "$rc" -eq 0 ]'
for word in --scenario --experiments --seed --speed --now --port --port-file \
            /__clock /__rate /__weight /__experiment /__faults /__requests /__hooks /__hooks/fail /__state /__reset \
            /hooks/slack/NAME invalid_blocks retry_after wrong-types oversized truncated html close; do
        check "--help mentions $word" 'printf "%s" "$help" | grep -q -- "$word"'
done

"$sim" --bogus >/dev/null 2>&1; rc=$?
check "unknown flag exits 2 (got $rc)" '[ "$rc" -eq 2 ]'
"$sim" >/dev/null 2>&1; rc=$?
check "missing --scenario exits 2 (got $rc)" '[ "$rc" -eq 2 ]'
"$sim" --scenario x --speed fast >/dev/null 2>&1; rc=$?
check "bad --speed exits 2 (got $rc)" '[ "$rc" -eq 2 ]'

err=$("$sim" --scenario "$src/tests/data/sim/bad.conf" --port 0 2>&1); rc=$?
check "bad scenario exits 1 (got $rc)" '[ "$rc" -eq 1 ]'
check "bad scenario error names FILE:LINE ($err)" 'printf "%s" "$err" | grep -q "bad.conf:4: an experiment needs 2 to"'
err=$("$sim" --scenario /nonexistent/file.conf --port 0 2>&1); rc=$?
check "missing scenario exits 1 (got $rc)" '[ "$rc" -eq 1 ]'
# The acceptance check: the demo at --speed 3600 over plain curl(1).
if command -v curl >/dev/null 2>&1; then
        port_file=$(mktemp)
        rm -f "$port_file"
        "$sim" --scenario "$src/sim/scenarios/demo" --speed 3600 --port 0 --port-file "$port_file" >/dev/null &
        pid=$!
        i=0
        while [ ! -s "$port_file" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
        port=$(cat "$port_file" 2>/dev/null)
        url="http://127.0.0.1:$port/v2/project/demo/experiment/1001/result"
        first=$(curl -s -H "x-api-key: demo-key" "$url")
        sleep 1.2
        second=$(curl -s -H "x-api-key: demo-key" "$url")
        kill "$pid"; wait "$pid"; rc=$?
        rm -f "$port_file"
        check "demo result shape over curl ($first)" \
              'printf "%s" "$first" | grep -q "\"success\":true,\"test_id\":1001,.*\"variants\":\[{\"variant_id\":\"0\",.*\"is_control\":true"'
        check "results evolve at --speed 3600" '[ "$first" != "$second" ]'
        check "SIGTERM exits 0 (got $rc)" '[ "$rc" -eq 0 ]'
fi
exit $fail
