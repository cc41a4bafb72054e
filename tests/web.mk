# Tests of the status page's site (src/web/web_site.c and its pages):
# escaping, the pages, the routes and the cache on a real state.db.
check_PROGRAMS += tests/test_web_site
tests_test_web_site_SOURCES = tests/test_web_site.c tests/store_fixture.c tests/store_fixture.h
tests_test_web_site_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_web_site_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_web_site
