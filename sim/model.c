/* Small operations on the simulated project model. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static int compare_id(const void *key, const void *elem)
{
        long id = *(const long *)key;
        long other = ((const struct experiment *)elem)->id;
        return (id > other) - (id < other);
}

struct experiment *project_find(struct project *p, long id)
{
        return bsearch(&id, p->experiments, p->n_experiments,
                       sizeof(*p->experiments), compare_id);
}

int project_count_live(const struct project *p)
{
        int n = 0;
        for (size_t i = 0; i < p->n_experiments; i++)
                n += p->experiments[i].status == EXP_LIVE;
        return n;
}

static void experiment_free(struct experiment *e)
{
        free(e->name);
        free(e->url);
        free(e->goal_name);
        free(e->goal_type);
        free(e->goal_value);
        for (size_t v = 0; v < e->n_variants; v++) {
                free(e->variants[v].name);
                free(e->variants[v].changes);
                free(e->variants[v].weight_changes);
        }
        free(e->running);
}

void project_free(struct project *p)
{
        for (size_t i = 0; i < p->n_experiments; i++)
                experiment_free(&p->experiments[i]);
        free(p->experiments);
        free(p->project_key);
        free(p->api_key);
        *p = (struct project){ 0 };
}

void project_remove(struct project *p, struct experiment *e)
{
        size_t i = (size_t)(e - p->experiments);
        experiment_free(e);
        memmove(e, e + 1, (p->n_experiments - i - 1) * sizeof(*e));
        p->n_experiments--;
}

int experiment_start_running(struct experiment *e, double now)
{
        if (e->n_running > 0 && isinf(e->running[e->n_running - 1].to))
                return 0;
        struct interval *r = realloc(e->running, (e->n_running + 1) * sizeof(*r));
        if (!r)
                return -ENOMEM;
        e->running = r;
        e->running[e->n_running++] = (struct interval){ now, INFINITY };
        return 0;
}

void experiment_stop_running(struct experiment *e, double now)
{
        if (e->n_running > 0 && isinf(e->running[e->n_running - 1].to))
                e->running[e->n_running - 1].to = now;
}

double variant_rate_at(const struct variant *v, double t)
{
        double rate = v->rate;
        for (size_t i = 0; i < v->n_changes && v->changes[i].at <= t; i++)
                rate = v->changes[i].rate;
        return rate;
}

int variant_add_rate_change(struct variant *v, double at, double rate)
{
        struct rate_change *c = realloc(v->changes, (v->n_changes + 1) * sizeof(*c));
        if (!c)
                return -ENOMEM;
        v->changes = c;
        size_t i = v->n_changes++;
        /* keep sorted: insertion from the end */
        while (i > 0 && c[i - 1].at > at) {
                c[i] = c[i - 1];
                i--;
        }
        c[i] = (struct rate_change){ at, rate };
        return 0;
}

double variant_weight_at(const struct variant *v, double t)
{
        double weight = v->weight;
        for (size_t i = 0; i < v->n_weight_changes && v->weight_changes[i].at <= t; i++)
                weight = v->weight_changes[i].weight;
        return weight;
}

int variant_add_weight_change(struct variant *v, double at, double weight)
{
        struct weight_change *c = realloc(v->weight_changes, (v->n_weight_changes + 1) * sizeof(*c));
        if (!c)
                return -ENOMEM;
        v->weight_changes = c;
        size_t i = v->n_weight_changes++;
        /* keep sorted: insertion from the end */
        while (i > 0 && c[i - 1].at > at) {
                c[i] = c[i - 1];
                i--;
        }
        c[i] = (struct weight_change){ at, weight };
        return 0;
}
