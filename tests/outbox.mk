# Tests of notification delivery: names, status rules, event ids and
# payloads (pure), and the outbox itself on state.db against mida-sim's
# webhook receiver through a real sd-event loop; test-notify end to end.
OUTBOX_FIXTURE = tests/outbox_fixture.c tests/outbox_fixture.h tests/sim_harness.c tests/sim_harness.h \
	tests/store_fixture.c tests/store_fixture.h
check_PROGRAMS += tests/test_delivery tests/test_outbox tests/test_outbox_restart
tests_test_delivery_SOURCES = tests/test_delivery.c
tests_test_delivery_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_delivery_LDADD = $(MIDA_TEST_LIBS)
tests_test_outbox_SOURCES = tests/test_outbox.c $(OUTBOX_FIXTURE)
tests_test_outbox_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_outbox_LDADD = $(MIDA_TEST_LIBS)
tests_test_outbox_restart_SOURCES = tests/test_outbox_restart.c $(OUTBOX_FIXTURE)
tests_test_outbox_restart_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_outbox_restart_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_delivery tests/test_outbox tests/test_outbox_restart tests/test-notify.sh
EXTRA_DIST += tests/test-notify.sh
