# Crash loop and soak (issue 9): the real daemon against mida-sim, killed
# with -9 at random moments and restarted; and many back-to-back cycles
# watched for growing memory and file descriptors, also under valgrind
# (skipped on a sanitizer build). Short in `make check`, full length in
# `make check-long` (MIDA_LONG=1).
CRASH_TESTS = tests/crash-loop.sh tests/soak.sh tests/soak-valgrind.sh
TESTS += $(CRASH_TESTS)
EXTRA_DIST += $(CRASH_TESTS)
# The first definition of LONG_TESTS (automake wants '=' before '+='):
# tests/reliability.mk, which defines check-long, appends its own after.
LONG_TESTS = tests/crash-loop.sh tests/soak.sh tests/soak-valgrind.sh tests/crash-points.sh
# Every fsync of a first cycle as a kill point: long only (about 3 min; it
# skips without MIDA_LONG, but must be in TESTS to have a rule).
TESTS += tests/crash-points.sh
EXTRA_DIST += tests/crash-points.sh
