# bench/analyze: variant analyses/s without and with prob_beat_control at
# 10^6 visitors per arm, and `mida-monitor analyze` of a 1000-snapshot file.
# Measure in a build without sanitizers.
MIDA_BENCHES += bench/analyze
bench_analyze_SOURCES = bench/analyze.c
bench_analyze_LDADD = $(MIDA_LIBS)
bench_analyze_DEPENDENCIES = src/mida-monitor src/libmida.a
