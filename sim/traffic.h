/* Deterministic traffic: cumulative visitors and conversions per variant as
 * a pure function of (seed, experiment parameters, simulated time). */
#pragma once
#include <stdint.h>

#include "model.h"

struct traffic_counts {
        uint64_t visitors[SIM_MAX_VARIANTS];
        uint64_t conversions[SIM_MAX_VARIANTS];
};

/* Counts at simulated time t, computed from scratch (any t). */
void traffic_counts_at(const struct experiment *e, uint64_t seed, double t,
                       struct traffic_counts *out);
/* Counts at t = the current simulated time, advancing e->cache so a request
 * costs only the hours since the previous one. */
void traffic_counts_now(struct experiment *e, uint64_t seed, double now,
                        struct traffic_counts *out);
