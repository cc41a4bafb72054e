/* The deterministic random numbers of the simulation tests (A/A, SRM,
 * time to decision): splitmix64, small, fast, and good enough for
 * Bernoulli draws; the same seed gives the same experiments on every run. */
#pragma once

struct rng {
        unsigned long long state;
};

static inline unsigned long long rng_next(struct rng *r)
{
        unsigned long long z = (r->state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

/* Successes in n Bernoulli(p) draws. */
static inline long long rng_binomial(struct rng *r, int n, double p)
{
        unsigned long long threshold = (unsigned long long) (p * 18446744073709551616.0);
        long long k = 0;

        for (int i = 0; i < n; i++)
                k += rng_next(r) < threshold;
        return k;
}
