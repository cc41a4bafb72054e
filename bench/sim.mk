# bench/sim: requests/s of mida-sim's result endpoint with 1, 8 and 64
# keep-alive connections. Measure in a build without sanitizers.
MIDA_BENCHES += bench/sim
bench_sim_SOURCES = bench/sim.c
bench_sim_LDADD = $(CURL_LIBS)
bench_sim_DEPENDENCIES = sim/mida-sim
