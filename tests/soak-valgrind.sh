#!/usr/bin/env bash
# The soak of tests/soak.sh, shorter (40 cycles, 300 with MIDA_LONG=1),
# with the daemon under valgrind memcheck: 0 errors and no definite leak at
# its exit. Skipped (77) on a sanitizer build, as tests/daemon-valgrind.sh,
# and a failure there when MIDA_REQUIRE_VALGRIND is set.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/valgrind.sh"
if [ -n "${MIDA_LONG:-}" ]; then cycles=${SOAK_CYCLES:-300}; else cycles=${SOAK_CYCLES:-40}; fi

SOAK_CYCLES=$cycles SOAK_VALGRIND_LOG=$T/vg.log "$top_srcdir/tests/soak.sh" || fail "the soak under valgrind failed"
[ -s "$T/vg.log" ] && cat "$T/vg.log"
! grep -Eq 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid |uninitialised|Mismatched' "$T/vg.log" ||
        fail "valgrind reported errors or definite leaks (above)"
pass "$cycles soak cycles under valgrind memcheck: 0 errors, no definite leak"
