# Tests of the daemon's own modules (backoff) and integration tests that
# run the real daemon binary against mida-sim.
check_PROGRAMS += tests/test_backoff
tests_test_backoff_SOURCES = tests/test_backoff.c
tests_test_backoff_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_backoff_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_backoff

# Integration: the real daemon against the real simulator.
check_PROGRAMS += tests/notify-listener
tests_notify_listener_SOURCES = tests/notify_listener.c
DAEMON_INTEGRATION_TESTS = tests/daemon-once.sh tests/daemon-run.sh tests/daemon-spread.sh tests/reload-mid-cycle.sh \
	tests/alerts-lifecycle.sh tests/alerts-delivery.sh tests/alerts-actions.sh tests/alerts-receivers.sh \
	tests/silences.sh tests/inhibition.sh tests/lifecycle.sh tests/digests.sh tests/web-browser.sh tests/web-server.sh
# `history` against the polls the daemon recorded in state.db.
DAEMON_INTEGRATION_TESTS += tests/history.sh
# Memcheck on the daemon (skipped, exit 77, in a sanitizer build).
DAEMON_INTEGRATION_TESTS += tests/daemon-valgrind.sh
# Records in a private systemd-journald (needs root; skipped otherwise).
DAEMON_INTEGRATION_TESTS += tests/daemon-journal.sh
TESTS += $(DAEMON_INTEGRATION_TESTS)
EXTRA_DIST += $(DAEMON_INTEGRATION_TESTS) tests/lib/harness.sh tests/lib/alerts.sh tests/lib/valgrind.sh \
	tests/smtp_sink.py tests/lib/dom_without_js.py
# Lifecycle changes between two experiment lists (pure).
check_PROGRAMS += tests/test_lifecycle
TESTS += tests/test_lifecycle
tests_test_lifecycle_SOURCES = tests/test_lifecycle.c
tests_test_lifecycle_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_lifecycle_LDADD = $(MIDA_TEST_LIBS)
# tests/web-browser.sh keeps its screenshots here for whoever looks.
clean-local: clean-web-screenshots
clean-web-screenshots:
	rm -rf tests/web-screenshots
.PHONY: clean-web-screenshots
