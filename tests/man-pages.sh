#!/usr/bin/env bash
# The man pages render without warnings (groff -ww, and mandoc -Tlint when
# installed) and stay in step with the code: every command of src/cli/main.c
# is in mida-monitor(8), every MESSAGE_ID of src/util/log.h too, and every
# rule variable of src/expr/expr.c is in mida-monitor.conf(5).
set -u
: "${top_srcdir:?run through make check}"
M8=$top_srcdir/man/mida-monitor.8
M5=$top_srcdir/man/mida-monitor.conf.5
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
command -v groff >/dev/null || { echo "SKIP: groff missing (apt-get install groff-base)"; exit 77; }

for page in "$M8" "$M5"; do
        out=$(groff -ww -man -z "$page" 2>&1) || fail "groff failed on $page: $out"
        [ -z "$out" ] || fail "groff warnings for $page: $out"
        if command -v mandoc >/dev/null; then
                out=$(mandoc -Tlint -W warning "$page" 2>&1) || fail "mandoc -Tlint: $out"
        fi
done
pass "both pages render without warnings (groff -ww$(command -v mandoc >/dev/null && echo ', mandoc -Tlint'))"

commands=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",[[:space:]]*cmd_.*/\1/p' "$top_srcdir/src/cli/main.c")
[ -n "$commands" ] || fail "no commands found in main.c"
for c in $commands; do
        grep -q "^\.B[IR]\? $(echo "$c" | sed 's/-/\\\\-/g')\b" "$M8" || fail "command '$c' missing from mida-monitor(8)"
done
ids=$(sed -n 's/^#define MIDA_MSGID_[A-Z_]* *"\([0-9a-f]\{32\}\)"/\1/p' "$top_srcdir/src/util/log.h")
[ -n "$ids" ] || fail "no MESSAGE_IDs found in log.h"
for id in $ids; do grep -q "^\.B $id$" "$M8" || fail "MESSAGE_ID $id missing from mida-monitor(8)"; done
pass "mida-monitor(8) lists all $(echo $commands | wc -w) commands and $(echo $ids | wc -w) MESSAGE_IDs"

vars=$(sed -n 's/.*\[EXPR_VAR_[A-Z_]*\] = [A-Z_]*( *"\([a-z_]*\)").*/\1/p; s/.*\[EXPR_VAR_[A-Z_]*\] = { "\([a-z_]*\)".*/\1/p' \
        "$top_srcdir/src/expr/expr.c")
[ -n "$vars" ] || fail "no rule variables found in expr.c"
for v in $vars; do grep -q "^\.BR\? $v\b" "$M5" || fail "rule variable '$v' missing from mida-monitor.conf(5)"; done
pass "mida-monitor.conf(5) documents all $(echo $vars | wc -w) rule variables"
