# bench/daemon: the real `mida-monitor run` against mida-sim with 1,000 and
# 10,000 experiments (a script; it runs the built daemon and simulator).
# Measure in a build without sanitizers.
MIDA_SHELL_BENCHES += bench/daemon.sh
EXTRA_DIST += bench/daemon.sh
