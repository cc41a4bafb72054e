# bench/peers: `mida-monitor once` beside a naive Python poller on one
# mida-sim, with the ratios of issue 22 (a script; needs python3).
MIDA_SHELL_BENCHES += bench/peers.sh
EXTRA_DIST += bench/peers.sh bench/naive_poller.py bench/measure.py bench/lib/sim.sh
