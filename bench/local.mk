# Benchmarks: each prints JSON lines. `make bench` runs them all.
MIDA_BENCHES =
MIDA_SHELL_BENCHES =
include bench/analyze.mk
include bench/sim.mk
include bench/daemon.mk
include bench/peers.mk
include bench/store.mk
include bench/web.mk
EXTRA_PROGRAMS = $(MIDA_BENCHES)
bench: $(MIDA_BENCHES) src/mida-monitor sim/mida-sim
	@for b in $(MIDA_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
	@for s in $(MIDA_SHELL_BENCHES); do echo "== $$s"; \
		top_builddir=. $(srcdir)/$$s $(DAEMON_BENCH_SIZES) || exit 1; done
.PHONY: bench
