# Tests of the metrics file and health conditions; tests/prom-check is the
# strict text-format checker, also used by the integration tests.
check_PROGRAMS += tests/test_metrics tests/prom-check
tests_test_metrics_SOURCES = tests/test_metrics.c tests/prom_check.c tests/prom_check.h
tests_test_metrics_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_metrics_LDADD = $(MIDA_TEST_LIBS)
tests_prom_check_SOURCES = tests/prom_check_main.c tests/prom_check.c tests/prom_check.h
TESTS += tests/test_metrics
check_PROGRAMS += tests/test_health
tests_test_health_SOURCES = tests/test_health.c tests/store_fixture.c tests/store_fixture.h
tests_test_health_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_health_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_health
# Integration: health alerts and the metrics file with the real daemon and mida-sim.
TESTS += tests/health-metrics.sh
EXTRA_DIST += tests/health-metrics.sh
