# mida-sim: the local Mida API simulator (built, not installed).
noinst_PROGRAMS += sim/mida-sim
sim_mida_sim_SOURCES = \
	sim/main.c sim/help.c sim/help.h \
	sim/sim.h sim/state.c \
	sim/model.c sim/model.h \
	sim/scenario.c sim/scenario_many.c sim/scenario.h \
	sim/clock.c sim/clock.h sim/isotime.c sim/isotime.h \
	sim/rng.c sim/rng.h sim/traffic.c sim/traffic.h \
	sim/fields.c sim/fields.h sim/reply.c sim/reply.h \
	sim/request.c sim/request.h sim/reqlog.c sim/reqlog.h \
	sim/api.c sim/api.h sim/api_route.c sim/api_handlers.h \
	sim/api_result.c sim/api_actions.c \
	sim/faults.c sim/faults.h \
	sim/hooks.c sim/hooks.h sim/slack_limits.c sim/slack_limits.h \
	sim/receiver_shapes.c sim/receiver_shapes.h \
	sim/control.c sim/control.h \
	sim/router.c sim/router.h sim/delay.c sim/delay.h \
	sim/server.c sim/server.h
sim_mida_sim_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) -pthread
# Only the libraries it uses, not libmida.a: the simulator must keep building
# while the daemon's code is in flux.
sim_mida_sim_LDADD = $(MHD_LIBS) $(JSONC_LIBS) $(LIBCONFIG_LIBS) -lpthread -lm
EXTRA_DIST += sim/scenarios/demo.conf sim/scenarios/gate.conf sim/scenarios/many.conf
