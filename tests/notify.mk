# tests for notify: payload formatting (Slack, webhook) and webhook signing
check_PROGRAMS += tests/test_notify_payload tests/test_webhook_sign
TESTS += tests/test_notify_payload tests/test_webhook_sign
tests_test_notify_payload_SOURCES = tests/test_notify_payload.c
tests_test_notify_payload_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_notify_payload_LDADD = $(MIDA_TEST_LIBS)
tests_test_webhook_sign_SOURCES = tests/test_webhook_sign.c
tests_test_webhook_sign_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_webhook_sign_LDADD = $(MIDA_TEST_LIBS)
# ... and of the other notifier types: config, Alertmanager, PagerDuty, Teams, e-mail
check_PROGRAMS += tests/test_notifier_types
TESTS += tests/test_notifier_types
tests_test_notifier_types_SOURCES = tests/test_notifier_types.c
tests_test_notifier_types_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_notifier_types_LDADD = $(MIDA_TEST_LIBS)
# ... and the digests: text, webhook JSON, Slack within its limits, per notifier
check_PROGRAMS += tests/test_digest_render
TESTS += tests/test_digest_render
tests_test_digest_render_SOURCES = tests/test_digest_render.c
tests_test_digest_render_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_digest_render_LDADD = $(MIDA_TEST_LIBS)
