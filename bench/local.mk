# Benchmarks: each prints JSON lines. `make bench` runs them all.
MIDA_BENCHES =
include bench/analyze.mk
include bench/sim.mk
EXTRA_PROGRAMS = $(MIDA_BENCHES)
bench: $(MIDA_BENCHES)
	@for b in $(MIDA_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench
