# Tests of the SQLite store (src/store/): the database, its typed rows, the
# watch list and history; tests/store_fixture.c is what they share.
check_PROGRAMS += tests/test_store_db
tests_test_store_db_SOURCES = tests/test_store_db.c tests/store_fixture.c tests/store_fixture.h
tests_test_store_db_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_store_db_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_store_db

check_PROGRAMS += tests/test_store_outbox
tests_test_store_outbox_SOURCES = tests/test_store_outbox.c tests/store_fixture.c tests/store_fixture.h
tests_test_store_outbox_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_store_outbox_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_store_outbox

check_PROGRAMS += tests/test_store_rows
tests_test_store_rows_SOURCES = tests/test_store_rows.c tests/store_fixture.c tests/store_fixture.h
tests_test_store_rows_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_store_rows_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_store_rows

check_PROGRAMS += tests/test_store_experiments
tests_test_store_experiments_SOURCES = tests/test_store_experiments.c tests/store_fixture.c tests/store_fixture.h
tests_test_store_experiments_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_store_experiments_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_store_experiments

# The poll recorder (src/daemon/recorder.c): group commit on a real sd_event
# loop, rollback of a failed window, bounded hourly pruning.
check_PROGRAMS += tests/test_recorder
tests_test_recorder_SOURCES = tests/test_recorder.c tests/store_fixture.c tests/store_fixture.h
tests_test_recorder_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_recorder_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_recorder

# The upgrade from 0.1.0 (src/daemon/upgrade.c), on tests/data/state-0.1.0.
check_PROGRAMS += tests/test_upgrade
tests_test_upgrade_SOURCES = tests/test_upgrade.c tests/store_fixture.c tests/store_fixture.h
tests_test_upgrade_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_upgrade_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_upgrade

# The readers of 0.1.0's files it runs (src/daemon/upgrade_read*.c):
# state.json across the walker's chunks; the others, outbox/ included.
check_PROGRAMS += tests/test_state tests/test_upgrade_read
tests_test_state_SOURCES = tests/test_state.c
tests_test_state_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_state_LDADD = $(MIDA_TEST_LIBS)
tests_test_upgrade_read_SOURCES = tests/test_upgrade_read.c tests/store_fixture.c tests/store_fixture.h
tests_test_upgrade_read_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_upgrade_read_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_state tests/test_upgrade_read

# The same upgrade end to end: the real daemon on a copy of that directory.
TESTS += tests/upgrade.sh
EXTRA_DIST += tests/upgrade.sh
# digests: their config, when one is due, and their rows
check_PROGRAMS += tests/test_digests
TESTS += tests/test_digests
tests_test_digests_SOURCES = tests/test_digests.c tests/store_fixture.c tests/store_fixture.h tests/config_fixture.c tests/config_fixture.h
tests_test_digests_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_digests_LDADD = $(MIDA_TEST_LIBS)
