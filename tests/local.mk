# Tests: one criterion program per module, plus integration scripts.
# Each area's tests live in their own fragment below.
MIDA_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) -DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
MIDA_TEST_LIBS = $(MIDA_LIBS) $(CRITERION_LIBS)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir;

if HAVE_CRITERION
include tests/config.mk
include tests/stats.mk
include tests/http.mk
include tests/expr.mk
include tests/notify.mk
include tests/daemon.mk
include tests/store.mk
include tests/history.mk
include tests/outbox.mk
include tests/rules.mk
include tests/metrics.mk
include tests/crash.mk
include tests/reliability.mk
include tests/web.mk
else
check-local:
	@echo "make check needs criterion: apt-get install libcriterion-dev" >&2; exit 1
endif
include tests/sim.mk
include tests/unit.mk
# The layout of the sources: src/ rooms include only rooms below them, and
# sim/ has no circle of includes. Reads the tree; needs no build.
TESTS += tests/layout.sh
EXTRA_DIST += tests/layout.sh
# Test data and helper headers travel in the tarball for `make distcheck`.
EXTRA_DIST += tests/data
include tests/fuzz/local.mk
