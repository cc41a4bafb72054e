# Tests of the rules engine: expressions in the config, rule variables,
# the alert lifecycle, the action ledger and its runner.
check_PROGRAMS += tests/test_rules tests/test_rule_env tests/test_actions tests/test_config_rules
RULES_FIXTURE = tests/rules_fixture.c tests/rules_fixture.h
tests_test_rules_SOURCES = tests/test_rules.c $(RULES_FIXTURE)
tests_test_rules_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_rules_LDADD = $(MIDA_TEST_LIBS)
tests_test_rule_env_SOURCES = tests/test_rule_env.c $(RULES_FIXTURE)
tests_test_rule_env_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_rule_env_LDADD = $(MIDA_TEST_LIBS)
tests_test_actions_SOURCES = tests/test_actions.c $(RULES_FIXTURE) tests/store_fixture.c tests/store_fixture.h \
	tests/http_test_server.c tests/http_test_server.h
tests_test_actions_CFLAGS = $(MIDA_TEST_CFLAGS) $(MHD_CFLAGS)
tests_test_actions_LDADD = $(MIDA_TEST_LIBS) $(MHD_LIBS) -lpthread
tests_test_config_rules_SOURCES = tests/test_config_rules.c
tests_test_config_rules_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_config_rules_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_rules tests/test_rule_env tests/test_actions tests/test_config_rules tests/check-config-rules.sh
EXTRA_DIST += tests/check-config-rules.sh
# What holds an alert back: silences, inhibition, the --until times.
check_PROGRAMS += tests/test_holds
TESTS += tests/test_holds
tests_test_holds_SOURCES = tests/test_holds.c tests/config_fixture.c tests/config_fixture.h
tests_test_holds_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_holds_LDADD = $(MIDA_TEST_LIBS)
