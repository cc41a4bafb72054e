#!/bin/sh
# `mida-monitor analyze` end to end on the documented example response.
# Expected figures were computed independently with mpmath (30 digits) from
# the §4 formulas: control 120/1500, variant 148/1480 →
#   lift 0.25; sequential (N* 5000, α .05): interval [-0.1987082400602, 0.6987082400602], p 0.7203347467173;
#   fixed at α .10: interval [0.0089245160760, 0.4910754839240], p 0.0880554858918.
set -u
bin="$top_builddir/src/mida-monitor"
data="$top_srcdir/tests/data/results"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; cat "$out" "$err"; exit 1; }
has() { grep -q -- "$1" "$out" || fail "$2: no $1"; }

"$bin" analyze --json "$data/example.json" >"$out" 2>"$err" || fail "example: exit $?"
has '"test_id":1234' example
has '"method":"sequential"' example
has '"lift":0.25,' example
has '"lift_low":-0.19870824006' example
has '"lift_high":0.69870824006' example
has '"p_value":0.72033474671' example
has '"conversion_rate":0.1,' example
has '"significant":false' example
[ -s "$err" ] && fail "example: wrote to stderr"

"$bin" analyze --json -c "$data/fixed-method.conf" "$data/example.json" >"$out" 2>"$err" || fail "-c: exit $?"
has '"method":"fixed"' "-c"
has '"lift_low":0.0089245160' "-c"
has '"p_value":0.08805548589' "-c"

"$bin" analyze --json - <"$data/wrapped-data.json" >"$out" 2>"$err" || fail "stdin: exit $?"
has '"lift_high":0.69870824006' stdin
"$bin" analyze --json <"$data/example.json" >"$out" 2>"$err" || fail "no argument: exit $?"
has '"lift":0.25,' "no argument"

"$bin" analyze "$data/snapshots.json" >"$out" 2>"$err" || fail "snapshots: exit $?"
has "Red CTA Button" snapshots
has "sequential" snapshots
"$bin" analyze "$data/degenerate-counts.json" >"$out" 2>"$err" || fail "degenerate: exit $?"
has "—" degenerate
grep -qi "nan\|inf " "$out" && fail "degenerate: NaN or inf in the table"

for f in broken-truncated.json broken-html.html broken-wrong-type-visitors.json broken-empty.json \
         broken-success-false.json no-such-file.json; do
        "$bin" analyze "$data/$f" >"$out" 2>"$err"
        [ $? -eq 1 ] || fail "$f: exit code not 1"
        [ "$(wc -l <"$err")" -eq 1 ] || fail "$f: not a one-line error"
        [ -s "$out" ] && fail "$f: printed output"
done
echo "PASS: analyze"
