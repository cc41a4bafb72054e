/* Traffic model: simulated time is cut into hours. Hour h of experiment e
 * draws its visitors (Poisson around visitors_per_hour, split by the
 * variants' weights in effect at the start of the hour) and conversions
 * (binomial at the rate in effect at the start of the hour) from a PRNG keyed by (seed, e, h). The part of the hour
 * covered by the experiment's running intervals up to t gets that share of
 * the hour's counts, rounded down, so counts grow monotonically while the
 * experiment runs and stop while it is paused. */
#include <math.h>
#include <string.h>

#include "rng.h"
#include "traffic.h"

#define HOUR 3600.0

struct hour_draw {
        uint64_t visitors[SIM_MAX_VARIANTS];
        uint64_t conversions[SIM_MAX_VARIANTS];
};

static void draw_hour(const struct experiment *e, uint64_t seed, int64_t hour,
                      struct hour_draw *d)
{
        struct rng r = rng_keyed(seed, (uint64_t)e->id, (uint64_t)hour, 0x7261666669635fULL);
        uint64_t remaining = rng_poisson(&r, e->visitors_per_hour);
        double weights[SIM_MAX_VARIANTS], weight_left = 0.0;
        for (size_t v = 0; v < e->n_variants; v++) {
                weights[v] = variant_weight_at(&e->variants[v], hour * HOUR);
                weight_left += weights[v];
        }
        for (size_t v = 0; v < e->n_variants; v++) {
                double w = weights[v];
                uint64_t n = v + 1 == e->n_variants || weight_left <= 0.0
                        ? remaining : rng_binomial(&r, remaining, w / weight_left);
                remaining -= n;
                weight_left -= w;
                d->visitors[v] = n;
                d->conversions[v] = rng_binomial(&r, n, variant_rate_at(&e->variants[v], hour * HOUR));
        }
}

/* Fraction of hour h that lies inside a running interval and before t. */
static double hour_coverage(const struct experiment *e, int64_t hour, double t)
{
        double lo = hour * HOUR, hi = fmin(lo + HOUR, t), covered = 0.0;
        for (size_t i = 0; i < e->n_running; i++) {
                double a = fmax(lo, e->running[i].from), b = fmin(hi, e->running[i].to);
                if (b > a)
                        covered += b - a;
        }
        return fmin(1.0, covered / HOUR);
}

static void add_hour(const struct experiment *e, uint64_t seed, int64_t hour, double t,
                     uint64_t *visitors, uint64_t *conversions)
{
        double share = hour_coverage(e, hour, t);
        if (share <= 0.0)
                return;
        struct hour_draw d;
        draw_hour(e, seed, hour, &d);
        for (size_t v = 0; v < e->n_variants; v++) {
                visitors[v] += (uint64_t)floor(share * (double)d.visitors[v]);
                conversions[v] += (uint64_t)floor(share * (double)d.conversions[v]);
        }
}

static int64_t first_hour(const struct experiment *e)
{
        return e->n_running ? (int64_t)floor(e->running[0].from / HOUR) : 0;
}

/* Adds hours [from, to) plus the partial hour `to` if t lies inside it. */
static void accumulate(const struct experiment *e, uint64_t seed, int64_t from, double t,
                       uint64_t *visitors, uint64_t *conversions)
{
        if (e->n_running == 0)
                return;
        int64_t last = (int64_t)floor(t / HOUR);
        for (int64_t h = from; h <= last; h++)
                add_hour(e, seed, h, t, visitors, conversions);
}

void traffic_counts_at(const struct experiment *e, uint64_t seed, double t,
                       struct traffic_counts *out)
{
        memset(out, 0, sizeof(*out));
        accumulate(e, seed, first_hour(e), t, out->visitors, out->conversions);
}

void traffic_counts_now(struct experiment *e, uint64_t seed, double now,
                        struct traffic_counts *out)
{
        struct traffic_cache *c = &e->cache;
        int64_t current = (int64_t)floor(now / HOUR);
        if (!c->valid || c->next_hour > current) {
                memset(c, 0, sizeof(*c));
                c->valid = true;
                c->next_hour = first_hour(e);
        }
        if (e->n_running && c->next_hour < first_hour(e))
                c->next_hour = first_hour(e);  /* first start after a draft */
        /* Hours that ended before now can no longer change: status, rate and
         * weight changes only ever apply from the current simulated time on. */
        for (; e->n_running && c->next_hour < current; c->next_hour++)
                add_hour(e, seed, c->next_hour, now, c->visitors, c->conversions);
        memcpy(out->visitors, c->visitors, sizeof(out->visitors));
        memcpy(out->conversions, c->conversions, sizeof(out->conversions));
        if (e->n_running)
                add_hour(e, seed, current, now, out->visitors, out->conversions);
}
