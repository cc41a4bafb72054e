# Tests of the config module and `check-config`.
check_PROGRAMS += tests/test_config tests/test_config_secrets tests/test_config_parts tests/test_config_health
tests_test_config_SOURCES = tests/test_config.c
tests_test_config_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_config_LDADD = $(MIDA_TEST_LIBS)
tests_test_config_secrets_SOURCES = tests/test_config_secrets.c
tests_test_config_secrets_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_config_secrets_LDADD = $(MIDA_TEST_LIBS)
tests_test_config_parts_SOURCES = tests/test_config_parts.c
tests_test_config_parts_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_config_parts_LDADD = $(MIDA_TEST_LIBS)
tests_test_config_health_SOURCES = tests/test_config_health.c
tests_test_config_health_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_config_health_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_config tests/test_config_secrets tests/test_config_parts tests/test_config_health \
	tests/check-config.sh
# the web group, its auth file, and the listener's password check
check_PROGRAMS += tests/test_config_web
TESTS += tests/test_config_web
tests_test_config_web_SOURCES = tests/test_config_web.c tests/config_fixture.c tests/config_fixture.h
tests_test_config_web_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_config_web_LDADD = $(MIDA_TEST_LIBS)
EXTRA_DIST += tests/check-config.sh
# the digests' schedules: "daily HH:MM", "mon,thu HH:MM" in an IANA zone, across DST
check_PROGRAMS += tests/test_weekly_schedule
TESTS += tests/test_weekly_schedule
tests_test_weekly_schedule_SOURCES = tests/test_weekly_schedule.c
tests_test_weekly_schedule_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_weekly_schedule_LDADD = $(MIDA_TEST_LIBS)
