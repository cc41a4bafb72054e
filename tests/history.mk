# Tests of `mida-monitor history` (src/report/history_series.c, sparkline.c,
# history_output.c): the series carried forward from the polls rows, the
# analyses over it, the sparkline and the printers. tests/history.sh, the
# command against the real daemon and mida-sim, is in tests/daemon.mk.
check_PROGRAMS += tests/test_history
tests_test_history_SOURCES = tests/test_history.c
tests_test_history_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_history_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_history
