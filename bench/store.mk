# bench/store: state.db's bytes per experiment per day at 96 polls a day,
# and the cost of recording one experiment's poll. Measure in a build
# without sanitizers.
MIDA_BENCHES += bench/store
bench_store_SOURCES = bench/store.c
bench_store_LDADD = $(MIDA_LIBS)
bench_store_DEPENDENCIES = src/libmida.a
