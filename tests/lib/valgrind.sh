# For tests that run the daemon under valgrind (sourced after harness.sh):
# skip (77) where valgrind cannot run, or fail there when scripts/test's
# build without sanitizers sets MIDA_REQUIRE_VALGRIND, so CI never skips
# them silently.
skip() {
        if [ -n "${MIDA_REQUIRE_VALGRIND:-}" ]; then fail "cannot run (MIDA_REQUIRE_VALGRIND is set): $*"; fi
        echo "SKIP: $*"; exit 77
}
command -v valgrind >/dev/null || skip "valgrind missing (apt-get install valgrind)"
if ldd "$MIDA" 2>/dev/null | grep -Eq 'lib(a|ub|t|l)san' || nm "$MIDA" 2>/dev/null | grep -q '__asan_init'; then
        skip "$MIDA is built with sanitizers; valgrind needs a build without (configure without --enable-sanitizers)"
fi
