/* Scenario loading: libconfig settings -> struct project. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "scenario.h"

#define HOUR 3600.0

struct loader {
        double clock_start;
        char *err;
        size_t errlen;
};

void scenario_where(const config_setting_t *s, char *buf, size_t len)
{
        const char *file = config_setting_source_file(s);
        snprintf(buf, len, "%s:%u: ", file ? file : "scenario", config_setting_source_line(s));
}

static int fail(struct loader *l, const config_setting_t *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(struct loader *l, const config_setting_t *s, const char *fmt, ...)
{
        char where[256];
        scenario_where(s, where, sizeof(where));
        size_t n = (size_t)snprintf(l->err, l->errlen, "%s", where);
        va_list ap;
        va_start(ap, fmt);
        if (n < l->errlen)
                vsnprintf(l->err + n, l->errlen - n, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static char *dup_string(const config_setting_t *s, const char *name, const char *fallback)
{
        const char *v = NULL;
        if (!config_setting_lookup_string(s, name, &v))
                v = fallback;
        return v ? strdup(v) : NULL;
}

static double lookup_number(const config_setting_t *s, const char *name, double fallback)
{
        const config_setting_t *m = config_setting_get_member(s, name);
        if (!m)
                return fallback;
        int type = config_setting_type(m);
        if (type == CONFIG_TYPE_FLOAT)
                return config_setting_get_float(m);
        if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
                return (double)config_setting_get_int64(m);
        return NAN;
}

/* A point in time given as an ISO string `abs` or as hours relative to the
 * clock start (`rel_name`, multiplied by `sign`). */
static int lookup_time(struct loader *l, const config_setting_t *s, const char *abs,
                       const char *rel_name, double sign, double *t)
{
        const char *iso;
        if (config_setting_lookup_string(s, abs, &iso)) {
                if (isotime_parse(iso, t) < 0)
                        return fail(l, s, "%s: not an ISO 8601 time: \"%s\"", abs, iso);
                return 1;
        }
        double hours = lookup_number(s, rel_name, NAN);
        if (isnan(hours))
                return config_setting_get_member(s, rel_name)
                        ? fail(l, s, "%s must be a number", rel_name) : 0;
        *t = l->clock_start + sign * hours * HOUR;
        return 1;
}

static int parse_status(struct loader *l, const config_setting_t *s, int *status)
{
        const config_setting_t *m = config_setting_get_member(s, "status");
        const char *name;
        *status = EXP_LIVE;
        if (!m)
                return 0;
        if (config_setting_type(m) == CONFIG_TYPE_INT) {
                *status = config_setting_get_int(m);
        } else if ((name = config_setting_get_string(m))) {
                *status = !strcmp(name, "live") ? EXP_LIVE : !strcmp(name, "inactive")
                        ? EXP_INACTIVE : !strcmp(name, "draft") ? EXP_DRAFT : -1;
        } else {
                *status = -1;
        }
        if (*status != EXP_LIVE && *status != EXP_INACTIVE && *status != EXP_DRAFT)
                return fail(l, m, "status must be \"live\", \"inactive\", \"draft\" or 1, 0, 9");
        return 0;
}

static int load_rate_changes(struct loader *l, const config_setting_t *vs, struct variant *v)
{
        const config_setting_t *list = config_setting_get_member(vs, "changes");
        for (int i = 0; list && i < config_setting_length(list); i++) {
                const config_setting_t *c = config_setting_get_elem(list, (unsigned)i);
                double at, rate = lookup_number(c, "rate", NAN);
                int r = lookup_time(l, c, "at", "after_hours", +1.0, &at);
                if (r < 0)
                        return r;
                if (r == 0 || !(rate >= 0.0 && rate <= 1.0))
                        return fail(l, c, "a rate change needs at/after_hours and a rate in [0, 1]");
                if (variant_add_rate_change(v, at, rate) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int load_variants(struct loader *l, const config_setting_t *es, struct experiment *e)
{
        const config_setting_t *list = config_setting_get_member(es, "variants");
        int n = list ? config_setting_length(list) : 0;
        if (n < 2 || n > SIM_MAX_VARIANTS)
                return fail(l, list ? list : es, "an experiment needs 2 to %d variants", SIM_MAX_VARIANTS);
        for (int i = 0; i < n; i++) {
                const config_setting_t *vs = config_setting_get_elem(list, (unsigned)i);
                struct variant *v = &e->variants[e->n_variants++];
                char fallback[32];
                snprintf(fallback, sizeof(fallback), i ? "Variant %d" : "Control", i);
                v->name = dup_string(vs, "name", fallback);
                v->weight = lookup_number(vs, "weight", 1.0);
                v->rate = lookup_number(vs, "rate", NAN);
                if (!v->name)
                        return -ENOMEM;
                if (!(v->weight >= 0.0) || !(v->rate >= 0.0 && v->rate <= 1.0))
                        return fail(l, vs, "a variant needs weight >= 0 and a rate in [0, 1]");
                int r = load_rate_changes(l, vs, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_goal(const config_setting_t *es, struct experiment *e)
{
        const config_setting_t *g = config_setting_get_member(es, "goal");
        if (!g)
                return 0;
        e->goal_name = dup_string(g, "name", "Goal");
        e->goal_type = dup_string(g, "type", "clickOnElement");
        e->goal_value = dup_string(g, "value", "");
        return e->goal_name && e->goal_type && e->goal_value ? 0 : -ENOMEM;
}

/* Data collected before the clock starts: live experiments from their start
 * date until now; inactive ones until stopped_hours_ago (default: now). */
static int load_history(struct loader *l, const config_setting_t *es, struct experiment *e)
{
        if (e->status == EXP_DRAFT)
                return 0;
        double stopped = l->clock_start;
        if (e->status == EXP_INACTIVE && lookup_time(l, es, "stopped_at", "stopped_hours_ago", -1.0, &stopped) < 0)
                return -EINVAL;
        int r = experiment_start_running(e, e->created_at);
        if (r == 0 && e->status == EXP_INACTIVE)
                experiment_stop_running(e, fmax(stopped, e->created_at));
        return r;
}

static int load_experiment(struct loader *l, const config_setting_t *es, struct experiment *e)
{
        long long id;
        if (!config_setting_lookup_int64(es, "id", &id) || id <= 0)
                return fail(l, es, "an experiment needs a positive integer id");
        e->id = (long)id;
        e->name = dup_string(es, "name", "Experiment");
        e->url = dup_string(es, "url", "https://example.com/");
        e->end_date = NAN;
        e->traffic_allocation = 100.0;
        e->visitors_per_hour = lookup_number(es, "visitors_per_hour", 100.0);
        if (!e->name || !e->url)
                return -ENOMEM;
        if (!(e->visitors_per_hour >= 0.0))
                return fail(l, es, "visitors_per_hour must be a number >= 0");
        int r = parse_status(l, es, &e->status);
        if (r < 0)
                return r;
        r = lookup_time(l, es, "start_date", "started_hours_ago", -1.0, &e->created_at);
        if (r < 0)
                return r;
        if (r == 0)
                e->created_at = l->clock_start;
        e->updated_at = e->created_at;
        int completed = 0;
        config_setting_lookup_bool(es, "is_completed", &completed);
        e->is_completed = completed;
        if (lookup_time(l, es, "end_date", "ended_hours_ago", -1.0, &e->end_date) < 0)
                return -EINVAL;
        if ((r = load_goal(es, e)) < 0 || (r = load_variants(l, es, e)) < 0)
                return r;
        return load_history(l, es, e);
}

static int compare_experiments(const void *a, const void *b)
{
        long x = ((const struct experiment *)a)->id, y = ((const struct experiment *)b)->id;
        return (x > y) - (x < y);
}

double scenario_clock_start(const config_t *cfg)
{
        const char *iso;
        double t;
        if (config_lookup_string(cfg, "clock_start", &iso) && isotime_parse(iso, &t) == 0)
                return t;
        return NAN;
}

static int load_experiments(struct loader *l, const config_setting_t *list, struct project *p)
{
        int n = list ? config_setting_length(list) : 0;
        p->experiments = calloc((size_t)n + 1, sizeof(*p->experiments));
        if (!p->experiments)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                const config_setting_t *es = config_setting_get_elem(list, (unsigned)i);
                p->n_experiments++;
                int r = load_experiment(l, es, &p->experiments[i]);
                if (r < 0)
                        return r;
        }
        qsort(p->experiments, p->n_experiments, sizeof(*p->experiments), compare_experiments);
        for (size_t i = 1; i < p->n_experiments; i++)
                if (p->experiments[i].id == p->experiments[i - 1].id)
                        return fail(l, list, "duplicate experiment id %ld", p->experiments[i].id);
        return 0;
}

int scenario_load_project(const config_t *cfg, double clock_start, long n_override,
                          struct project *p, char *err, size_t errlen)
{
        struct loader l = { clock_start, err, errlen };
        const config_setting_t *root = config_root_setting(cfg);
        p->project_key = dup_string(root, "project_key", "demo");
        p->api_key = dup_string(root, "api_key", "demo-key");
        p->clock_start = clock_start;
        int limit = 0, company = 1001;
        config_setting_lookup_int(root, "plan_live_limit", &limit);
        config_setting_lookup_int(root, "company_id", &company);
        p->plan_live_limit = limit;
        p->company_id = company;
        if (!p->project_key || !p->api_key)
                return -ENOMEM;
        const config_setting_t *gen = config_setting_get_member(root, "generate");
        if (gen) {
                int n = 0;
                config_setting_lookup_int(gen, "experiments", &n);
                if (n_override >= 0)
                        n = (int)n_override;
                if (n < 0)
                        return fail(&l, gen, "generate.experiments must be >= 0");
                return scenario_generate((size_t)n, clock_start, p);
        }
        return load_experiments(&l, config_setting_get_member(root, "experiments"), p);
}
