# mida-sim integration tests: C programs that drive the simulator over HTTP
# with libcurl (no criterion needed), a unit test of the traffic model, and a
# shell test of the command line. They link only curl and json-c, not
# libmida.a, like the simulator itself.
SIM_TEST_LIBS = $(CURL_LIBS) $(JSONC_LIBS) -lm
SIM_TEST_HARNESS = tests/sim_harness.c tests/sim_harness.h
SIM_MODEL_SOURCES = sim/rng.c sim/rng.h sim/traffic.c sim/traffic.h sim/model.c sim/model.h \
	sim/slack_limits.c sim/slack_limits.h
check_PROGRAMS += tests/test_sim_api tests/test_sim_faults tests/test_sim_hooks \
	tests/test_sim_traffic tests/test_sim_model
tests_test_sim_api_SOURCES = tests/test_sim_api.c $(SIM_TEST_HARNESS)
tests_test_sim_api_LDADD = $(SIM_TEST_LIBS)
tests_test_sim_faults_SOURCES = tests/test_sim_faults.c $(SIM_TEST_HARNESS)
tests_test_sim_faults_LDADD = $(SIM_TEST_LIBS)
tests_test_sim_hooks_SOURCES = tests/test_sim_hooks.c $(SIM_TEST_HARNESS)
tests_test_sim_hooks_LDADD = $(SIM_TEST_LIBS)
tests_test_sim_traffic_SOURCES = tests/test_sim_traffic.c $(SIM_TEST_HARNESS)
tests_test_sim_traffic_LDADD = $(SIM_TEST_LIBS)
tests_test_sim_model_SOURCES = tests/test_sim_model.c $(SIM_TEST_HARNESS) $(SIM_MODEL_SOURCES)
tests_test_sim_model_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sim
tests_test_sim_model_LDADD = $(SIM_TEST_LIBS)
TESTS += tests/test_sim_api tests/test_sim_faults tests/test_sim_hooks \
	tests/test_sim_traffic tests/test_sim_model tests/sim-cli.sh
EXTRA_DIST += tests/sim-cli.sh
