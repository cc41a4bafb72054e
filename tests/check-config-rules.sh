#!/bin/sh
# check-config on rule expressions: each mistake as FILE:LINE:COL: message,
# exit 1; a file of valid rules passes.
set -u
bin="$top_builddir/src/mida-monitor"
conf="$top_srcdir/tests/data/rules/expression-errors.conf"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; cat "$out" "$err"; exit 1; }

unset CREDENTIALS_DIRECTORY
"$bin" check-config -c "$conf" >"$out" 2>"$err"
[ $? -eq 1 ] || fail "expression errors: exit code not 1"
[ -s "$out" ] && fail "expression errors: printed a summary"
grep -qxF "$conf:4:49: unknown variable 'lfit' (did you mean 'lift'?) in 'when' of rule 'typo'" "$err" ||
        fail "no unknown-variable error with its suggestion at 4:49"
grep -qxF "$conf:6:31: expected ')' in 'when' of rule 'syntax'" "$err" || fail "no syntax error at 6:31"
grep -qxF "$conf:7:40: type error: '+' needs numbers, got boolean in 'when' of rule 'types'" "$err" ||
        fail "no type error at 7:40"
[ "$(wc -l <"$err")" -eq 4 ] || fail "not exactly four errors"

"$bin" check-config -c "$top_srcdir/tests/data/rules/valid.conf" >"$out" 2>"$err" || fail "valid rules rejected"
[ -s "$err" ] && fail "valid rules: messages printed"
echo "PASS: check-config-rules"
