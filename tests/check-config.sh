#!/bin/sh
# check-config end to end: the shipped example passes, a file with three
# mistakes gives three FILE:LINE: errors and exit 1, a missing file exit 1.
set -u
bin="$top_builddir/src/mida-monitor"
data="$top_srcdir/tests/data/config"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; cat "$out" "$err"; exit 1; }

unset CREDENTIALS_DIRECTORY
"$bin" check-config -c "$top_srcdir/etc/mida-monitor.conf" >"$out" 2>"$err" || fail "example config rejected"
grep -qx "$top_srcdir/etc/mida-monitor.conf: OK (experiments: live, 2 notifiers, 3 rules)" "$out" ||
        fail "example config: no summary line"

"$bin" check-config -c "$data/three-mistakes.conf" >"$out" 2>"$err"
[ $? -eq 1 ] || fail "three mistakes: exit code not 1"
[ "$(grep -c "^$data/three-mistakes.conf:[0-9]*: " "$err")" -eq 3 ] || fail "three mistakes: not three errors"
[ -s "$out" ] && fail "three mistakes: printed a summary"

"$bin" check-config -c "$data/no-such-file.conf" >"$out" 2>"$err"
[ $? -eq 1 ] || fail "missing file: exit code not 1"
[ "$(wc -l <"$err")" -eq 1 ] || fail "missing file: not exactly one message"
echo "PASS: check-config"
