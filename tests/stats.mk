# Tests of the statistics engine (src/stats/), the response parsers
# (src/mida/mida*.c) and `mida-monitor analyze`.
MIDA_STATS_TESTS = tests/test_stats tests/test_analysis tests/test_mida_parse tests/test_aa_simulation \
	tests/test_double_format tests/test_block_pool tests/test_srm_simulation tests/test_decision
check_PROGRAMS += $(MIDA_STATS_TESTS)
TESTS += $(MIDA_STATS_TESTS) tests/analyze.sh
EXTRA_DIST += tests/analyze.sh
tests_test_stats_SOURCES = tests/test_stats.c
tests_test_stats_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_stats_LDADD = $(MIDA_TEST_LIBS)
tests_test_analysis_SOURCES = tests/test_analysis.c
tests_test_analysis_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_analysis_LDADD = $(MIDA_TEST_LIBS)
tests_test_mida_parse_SOURCES = tests/test_mida_parse.c
tests_test_mida_parse_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_mida_parse_LDADD = $(MIDA_TEST_LIBS)
tests_test_aa_simulation_SOURCES = tests/test_aa_simulation.c tests/sim_rng.h
tests_test_aa_simulation_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_aa_simulation_LDADD = $(MIDA_TEST_LIBS)
tests_test_double_format_SOURCES = tests/test_double_format.c
tests_test_double_format_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_double_format_LDADD = $(MIDA_TEST_LIBS)
tests_test_block_pool_SOURCES = tests/test_block_pool.c
tests_test_block_pool_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_block_pool_LDADD = $(MIDA_TEST_LIBS)
tests_test_srm_simulation_SOURCES = tests/test_srm_simulation.c tests/sim_rng.h
tests_test_srm_simulation_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_srm_simulation_LDADD = $(MIDA_TEST_LIBS)
tests_test_decision_SOURCES = tests/test_decision.c tests/sim_rng.h
tests_test_decision_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_decision_LDADD = $(MIDA_TEST_LIBS)
