# Tests of the HTTP client (against a real libmicrohttpd server on
# 127.0.0.1, started inside the test) and of the durable file I/O.
check_PROGRAMS += tests/test_http tests/test_http_error tests/test_atomic_file
tests_test_http_SOURCES = tests/test_http.c tests/http_test_server.c tests/http_test_server.h
tests_test_http_CFLAGS = $(MIDA_TEST_CFLAGS) $(MHD_CFLAGS)
tests_test_http_LDADD = $(MIDA_TEST_LIBS) $(MHD_LIBS) -lpthread
tests_test_http_error_SOURCES = tests/test_http_error.c
tests_test_http_error_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_http_error_LDADD = $(MIDA_TEST_LIBS)
tests_test_atomic_file_SOURCES = tests/test_atomic_file.c
tests_test_atomic_file_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_atomic_file_LDADD = $(MIDA_TEST_LIBS)
TESTS += tests/test_http tests/test_http_error tests/test_atomic_file
