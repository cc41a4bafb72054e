/* Counter-based PRNG and the discrete draws traffic needs. Exact inversion
 * for small expectations, a rounded normal approximation for large ones. */
#include <math.h>

#include "rng.h"

/* Above this variance the normal approximation is indistinguishable from the
 * exact law for the simulator's purposes and keeps each draw O(1). */
#define NORMAL_APPROX_VARIANCE 40.0

uint64_t splitmix64(uint64_t x)
{
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
}

struct rng rng_keyed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
        uint64_t k = splitmix64(seed);
        k = splitmix64(k ^ a);
        k = splitmix64(k ^ b);
        k = splitmix64(k ^ c);
        return (struct rng){ k };
}

double rng_uniform(struct rng *r)
{
        r->state = splitmix64(r->state);
        return ((double)(r->state >> 11) + 0.5) * 0x1.0p-53;
}

double rng_normal(struct rng *r)
{
        double u1 = rng_uniform(r), u2 = rng_uniform(r);
        return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint64_t clamp_round(double x, uint64_t max)
{
        if (x <= 0.0)
                return 0;
        double r = floor(x + 0.5);
        return r >= (double)max ? max : (uint64_t)r;
}

/* Walks the CDF; expected cost O(n·p), used only when n·p is small. */
static uint64_t binomial_inversion(struct rng *r, uint64_t n, double p)
{
        double u = rng_uniform(r);
        double q = 1.0 - p;
        double pmf = pow(q, (double)n);
        double cdf = pmf;
        uint64_t k = 0;
        while (u > cdf && k < n) {
                pmf *= (double)(n - k) / (double)(k + 1) * p / q;
                k++;
                cdf += pmf;
                if (pmf < 1e-300 && k > n * p)
                        break;
        }
        return k;
}

uint64_t rng_binomial(struct rng *r, uint64_t n, double p)
{
        if (n == 0 || p <= 0.0)
                return 0;
        if (p >= 1.0)
                return n;
        if (p > 0.5)
                return n - rng_binomial(r, n, 1.0 - p);
        double mean = (double)n * p, var = mean * (1.0 - p);
        if (var > NORMAL_APPROX_VARIANCE)
                return clamp_round(mean + sqrt(var) * rng_normal(r), n);
        return binomial_inversion(r, n, p);
}

uint64_t rng_poisson(struct rng *r, double mean)
{
        if (mean <= 0.0)
                return 0;
        if (mean > NORMAL_APPROX_VARIANCE)
                return clamp_round(mean + sqrt(mean) * rng_normal(r), UINT64_MAX);
        double u = rng_uniform(r), pmf = exp(-mean), cdf = pmf;
        uint64_t k = 0;
        while (u > cdf && pmf > 0.0) {
                k++;
                pmf *= mean / (double)k;
                cdf += pmf;
        }
        return k;
}
