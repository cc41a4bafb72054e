/* The generated scenario: N experiments with varied, fixed parameters, for
 * pagination tests and benchmarks. Parameters depend only on the index. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "scenario.h"

#define HOUR 3600.0

static int generate_one(size_t i, double clock_start, struct experiment *e)
{
        struct rng r = rng_keyed(0x6d616e79ULL, i, 0, 0);
        char name[64];
        snprintf(name, sizeof(name), "Generated experiment %zu", i + 1);
        e->id = (long)i + 1;
        e->name = strdup(name);
        e->url = strdup("https://example.com/generated");
        /* 60% live, 25% inactive, 15% draft, interleaved */
        unsigned k = (unsigned)(i % 20);
        e->status = k < 12 ? 1 : k < 17 ? 0 : 9;
        e->created_at = clock_start - (24.0 + 24.0 * 29.0 * rng_uniform(&r)) * HOUR;
        e->updated_at = e->created_at;
        e->end_date = NAN;
        e->traffic_allocation = 100.0;
        e->visitors_per_hour = 50.0 + 950.0 * rng_uniform(&r);
        e->n_variants = 2 + (i % 3 == 0);
        double base = 0.02 + 0.13 * rng_uniform(&r);
        for (size_t v = 0; v < e->n_variants; v++) {
                snprintf(name, sizeof(name), v ? "Variant %zu" : "Control", v);
                e->variants[v].name = strdup(name);
                e->variants[v].weight = 1.0;
                e->variants[v].rate = v ? base * (0.8 + 0.4 * rng_uniform(&r)) : base;
                if (!e->variants[v].name)
                        return -ENOMEM;
        }
        if (!e->name || !e->url)
                return -ENOMEM;
        if (e->status == 9)
                return 0;
        int rc = experiment_start_running(e, e->created_at);
        if (rc == 0 && e->status == 0)
                experiment_stop_running(e, clock_start - 12.0 * HOUR);
        return rc;
}

int scenario_generate(size_t n, double clock_start, struct project *p)
{
        p->experiments = calloc(n + 1, sizeof(*p->experiments));
        p->n_experiments = 0;
        if (!p->experiments)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                p->n_experiments++;
                int r = generate_one(i, clock_start, &p->experiments[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}
