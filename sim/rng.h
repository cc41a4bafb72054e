/* Counter-based randomness: every draw is a pure function of a 64-bit key,
 * so the simulator's traffic depends only on (seed, experiment, hour). */
#pragma once
#include <stdint.h>

struct rng {
        uint64_t state;
};

uint64_t splitmix64(uint64_t x);
/* A generator keyed by up to three counters mixed with the seed. */
struct rng rng_keyed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);
double rng_uniform(struct rng *r);      /* in (0, 1) */
double rng_normal(struct rng *r);
uint64_t rng_binomial(struct rng *r, uint64_t n, double p);
uint64_t rng_poisson(struct rng *r, double mean);
