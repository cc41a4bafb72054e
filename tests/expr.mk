# tests for expr: the rule expression language (src/expr/)
check_PROGRAMS += tests/test_expr
TESTS += tests/test_expr
tests_test_expr_SOURCES = tests/test_expr.c
tests_test_expr_CFLAGS = $(MIDA_TEST_CFLAGS)
tests_test_expr_LDADD = $(MIDA_TEST_LIBS)
