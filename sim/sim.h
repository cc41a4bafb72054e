/* The simulator object: everything mutable lives here, behind one mutex
 * (MHD serves requests from a small thread pool). */
#pragma once
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "faults.h"
#include "hooks.h"
#include "model.h"
#include "reqlog.h"

struct sim_options {
        const char *scenario;      /* file, or "many" */
        long experiments;          /* for generated scenarios; < 0: the file's */
        uint64_t seed;
        double speed;
        double now;                /* simulated start; NAN: scenario or wall clock */
        unsigned port;
        const char *port_file;
        unsigned threads;
        int verbose;
};

struct sim {
        pthread_mutex_t lock;
        struct sim_options opts;
        struct project project;
        struct sim_clock clock;
        struct fault_list faults;
        struct hook_store hooks;
        struct reqlog *log;
};

#define SIM_ERR_MAX 512

/* Loads the scenario and starts the clock. Error text in err. */
int sim_init(struct sim *sim, const struct sim_options *opts, char *err, size_t errlen);
/* Back to the state right after start-up (clock included). Lock held. */
int sim_reset(struct sim *sim, char *err, size_t errlen);
void sim_done(struct sim *sim);
double sim_now(const struct sim *sim);
