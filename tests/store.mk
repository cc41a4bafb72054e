# Tests of the SQLite store (src/store/db.c, schema.c).
check_PROGRAMS += tests/test_store_db
tests_test_store_db_SOURCES = tests/test_store_db.c
tests_test_store_db_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_store_db_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_store_db
