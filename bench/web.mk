# bench/web: the status page under load during a poll cycle (a script; it
# runs the built daemon with its web listener and the simulator).
MIDA_SHELL_BENCHES += bench/web.sh
EXTRA_DIST += bench/web.sh
