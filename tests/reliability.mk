# Reliability tests (issue 9): the fault matrix, a full or read-only state
# directory, and secret hygiene, all against the real daemon and mida-sim.
RELIABILITY_TESTS = tests/faults.sh tests/state-disk.sh tests/secrets.sh
TESTS += $(RELIABILITY_TESTS)
EXTRA_DIST += $(RELIABILITY_TESTS)

# Long runs: `make check-long` runs LONG_TESTS with MIDA_LONG=1. The other
# fragments (tests/crash.mk) define and append to LONG_TESTS. The fault
# matrix runs all 53 rows there, 20 in `make check`.
LONG_TESTS += tests/faults.sh
# (No .PHONY here: this fragment sits inside `if HAVE_CRITERION`, where
# automake warns about it; no file is ever called check-long.)
check-long:
	$(MAKE) $(AM_MAKEFLAGS) check MIDA_LONG=1 TESTS="$(LONG_TESTS)"
