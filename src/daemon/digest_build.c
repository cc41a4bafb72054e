#include "digest_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "lifecycle.h"
#include "stats/analysis.h"
#include "stats/stats.h"
#include "store/action_rows.h"
#include "store/digest_rows.h"
#include "store/experiments.h"
#include "store/health_rows.h"
#include "store/listed_rows.h"
#include "store/watchlist.h"
#include "util/grow.h"

struct digest_data {
        struct digest view;
        struct digest_experiment *experiments;
        size_t n_experiments, cap_experiments;
        struct digest_alert *alerts;
        size_t n_alerts, cap_alerts;
        struct digest_action *actions;
        size_t n_actions, cap_actions;
        char **strings;                  /* every string the view points to */
        size_t n_strings, cap_strings;
        char health[512];
        struct watchlist experiments_seen;   /* names for the alerts and actions */
        const struct digest_request *request;   /* during digest_build */
};

/* Keeps a copy of s for the digest's life: NULL for NULL (and on ENOMEM,
 * with *oom set). */
static const char *keep(struct digest_data *d, const char *s, bool *oom)
{
        char **grown, *copy;

        if (!s)
                return NULL;
        grown = grow_array(d->strings, &d->cap_strings, d->n_strings, sizeof(*d->strings));
        copy = grown ? strdup(s) : NULL;
        if (grown)
                d->strings = grown;
        if (!copy) {
                *oom = true;
                return NULL;
        }
        return d->strings[d->n_strings++] = copy;
}

int64_t digest_since_last(const struct config_digest *d, int64_t last, int64_t at)
{
        return last > 0 && last < at ? last : weekly_schedule_at_or_before(&d->schedule, d->timezone, at - 1);
}

int64_t digest_since(struct store *s, const struct config_digest *d, int64_t at)
{
        int64_t last = 0;

        return digest_since_last(d, store_digest_last(s, d->name, &last) > 0 ? last : 0, at);
}

static struct alert_figure figure(struct analysis_number n)
{
        return (struct alert_figure) { .present = n.valid, .value = n.value };
}

/* The lift of counts then (variant over control), by the analyses' own
 * delta-method definition; absent when it is not defined. */
static struct alert_figure lift_of(long long cv, long long cc, long long vv, long long vc)
{
        struct stats_lift l;

        if (cv <= 0 || vv <= 0 || stats_delta_lift((double) cc, (double) cv, (double) vc, (double) vv, &l) < 0)
                return (struct alert_figure) { 0 };
        return (struct alert_figure) { .present = true, .value = l.lift };
}

/* The lift each variant had at the previous digest, from its counts then. */
static int fill_lift_then(struct store *s, long long id, int64_t since, struct digest_variant *v, size_t n)
{
        long long cv = -1, cc = -1;
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++)
                if (v[i].control)
                        r = store_variant_counts_at(s, id, v[i].variant_id, since, &cv, &cc);
        for (size_t i = 0; i < n && r >= 0 && cv > 0; i++) {
                long long vv, vc;

                if (v[i].control || (r = store_variant_counts_at(s, id, v[i].variant_id, since, &vv, &vc)) <= 0)
                        continue;
                v[i].lift_then = lift_of(cv, cc, vv, vc);
        }
        return r < 0 ? r : 0;
}

static void fill_variant(struct digest_data *d, const struct variant_analysis *a, struct digest_variant *v, bool *oom)
{
        *v = (struct digest_variant) {
                .variant_id = keep(d, a->variant_id, oom), .name = keep(d, a->name, oom), .control = a->control,
                .visitors = a->has_visitors ? a->visitors : -1, .conversions = a->has_conversions ? a->conversions : -1,
                .lift = figure(a->lift), .lift_low = figure(a->lift_low), .lift_high = figure(a->lift_high),
                .p_value = figure(a->p_value_adjusted.valid ? a->p_value_adjusted : a->p_value),
                .prob_beat_control = figure(a->prob_beat_control),
                .significant = a->significant.valid && a->significant.value, .below_guards = a->below_guards,
                .visitors_to_decision = figure(a->visitors_to_decision), .days_to_decision = figure(a->days_to_decision),
                .underpowered = a->underpowered.valid && a->underpowered.value,
                .decision_reason = keep(d, a->decision_reason, oom),
        };
}

static const char *stopped_status(struct store *s, long long id)
{
        struct store_listed_row row = { 0 };
        int r = store_listed_get(s, id, &row);

        if (r <= 0)
                return "gone";
        return row.completed ? "concluded" : lifecycle_status_name(row.status);
}

/* One experiment: its analysis recomputed from the store (e itself is
 * the caller's and stays as it is). */
static int add_experiment(struct digest_data *d, struct store *s, const struct config *c,
                          const struct watched_experiment *e, const struct digest_request *req)
{
        struct watched_experiment tmp = { .id = e->id, .name = e->name, .visitors = -1 };
        struct experiment_analysis a = { 0 };
        struct digest_experiment *x;
        struct digest_variant *v = NULL;
        long long then = -1;
        bool oom = false;
        int r = store_experiment_analysis(s, &tmp, &c->statistics, &a);

        x = grow_array(d->experiments, &d->cap_experiments, d->n_experiments, sizeof(*d->experiments));
        if (x)
                d->experiments = x;
        if (r >= 0 && (!x || (a.n_variants > 0 && !(v = calloc(a.n_variants, sizeof(*v))))))
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < a.n_variants; i++)
                fill_variant(d, &a.variants[i], &v[i], &oom);
        if (r >= 0) {
                d->experiments[d->n_experiments++] = (struct digest_experiment) {
                        .id = e->id, .name = keep(d, e->name, &oom), .live = e->active,
                        .status = e->active ? "live" : stopped_status(s, e->id), .days_running = r > 0 ? a.days_running : -1,
                        .visitors = r > 0 ? a.visitors : -1, .visitors_gained = -1, .srm_p = figure(a.srm_p),
                        .n_variants = a.n_variants, .variants = v,
                };
                x = &d->experiments[d->n_experiments - 1];
                r = store_visitors_at(s, e->id, req->since, &then);
                if (r > 0 && x->visitors >= 0)
                        x->visitors_gained = x->visitors - then;
                if (r >= 0)
                        r = fill_lift_then(s, e->id, req->since, v, a.n_variants);
        } else
                free(v);
        experiment_analysis_free(&a);
        return r < 0 ? r : oom ? -ENOMEM : 0;
}

static const char *experiment_name(const struct digest_data *d, long long id)
{
        const struct watched_experiment *e = watchlist_find(&d->experiments_seen, id);

        return e ? e->name : NULL;
}

/* Whether the digest's `experiments` filter takes experiment id. */
static bool wanted(const struct digest_data *d, long long id)
{
        const struct config_digest *cd = d->request->digest;

        return config_experiment_filter(cd->experiments, cd->n_experiments, id, experiment_name(d, id));
}

static int add_alert(void *userdata, const struct store_alert_log_row *row)
{
        struct digest_data *d = userdata;
        struct digest_alert *grown;
        bool oom = false;

        if (!wanted(d, row->experiment_id))
                return 0;
        if (!(grown = grow_array(d->alerts, &d->cap_alerts, d->n_alerts, sizeof(*d->alerts))))
                return -ENOMEM;
        d->alerts = grown;
        d->alerts[d->n_alerts++] = (struct digest_alert) {
                .rule = keep(d, row->rule, &oom), .experiment_id = row->experiment_id,
                .experiment_name = experiment_name(d, row->experiment_id),
                .variant_id = keep(d, row->variant_id, &oom), .resolved = row->resolved, .at = (time_t) row->at,
        };
        return oom ? -ENOMEM : 0;
}

struct action_walk {
        struct digest_data *d;
        int64_t since;
};

static int add_action(void *userdata, const struct store_action_row *row)
{
        struct action_walk *w = userdata;
        struct digest_data *d = w->d;
        struct digest_action *grown;
        int64_t at = row->finished_at ? row->finished_at : row->intended_at;
        bool oom = false;

        if (at < w->since || !wanted(d, row->experiment_id))
                return 0;
        if (!(grown = grow_array(d->actions, &d->cap_actions, d->n_actions, sizeof(*d->actions))))
                return -ENOMEM;
        d->actions = grown;
        d->actions[d->n_actions++] = (struct digest_action) {
                .rule = keep(d, row->rule, &oom), .experiment_id = row->experiment_id,
                .experiment_name = experiment_name(d, row->experiment_id),
                .action = row->action == RULE_ACTION_SERVE_WINNER ? "serve-winner" : "pause",
                .state = store_action_state_to_string(row->state), .error = keep(d, row->error, &oom), .at = (time_t) at,
        };
        return oom ? -ENOMEM : 0;
}

/* The health line: "OK", or the conditions that hold, as `status` words them. */
static int add_health(void *userdata, const struct store_health_row *row)
{
        struct digest_data *d = userdata;
        char what[256];
        size_t used = strlen(d->health);

        health_describe((enum health_condition) row->condition, row->subject, row->name, what, sizeof(what));
        snprintf(d->health + used, sizeof(d->health) - used, "%s%s", used ? "; " : "", what);
        d->view.healthy = false;
        return 0;
}

/* Live experiments first, then those that stopped since the previous
 * digest (they were polled in its period), each filtered like a rule. */
static int add_experiments(struct digest_data *d, struct store *s, const struct config *c,
                           const struct digest_request *req)
{
        const struct config_digest *cd = req->digest;
        int r = 0;

        for (int pass = 0; pass < 2 && r >= 0; pass++)
                for (size_t i = 0; i < d->experiments_seen.n && r >= 0; i++) {
                        const struct watched_experiment *e = d->experiments_seen.items[i];

                        if (e->active != (pass == 0) || (!e->active && e->polled_at < req->since) ||
                            !config_experiment_filter(cd->experiments, cd->n_experiments, e->id, e->name))
                                continue;
                        r = add_experiment(d, s, c, e, req);
                }
        return r;
}

static void set_view(struct digest_data *d, const struct digest_request *req)
{
        d->view.name = req->digest->name;
        d->view.id = req->id;
        d->view.scheduled_for = (time_t) req->scheduled_for;
        d->view.generated_at = (time_t) req->now;
        d->view.since = (time_t) req->since;
        d->view.instance = req->instance;
        d->view.health = d->view.healthy ? "OK" : d->health;
        d->view.experiments = d->experiments;
        d->view.n_experiments = d->n_experiments;
        d->view.alerts = d->alerts;
        d->view.n_alerts = d->n_alerts;
        d->view.actions = d->actions;
        d->view.n_actions = d->n_actions;
}

int digest_build(struct store *s, const struct config *c, const struct digest_request *req, struct digest_data **ret)
{
        struct digest_data *d = calloc(1, sizeof(*d));
        struct action_walk walk = { .d = d, .since = req->since };
        int r;

        if (!d)
                return -ENOMEM;
        d->view.healthy = true;
        d->request = req;
        r = store_watchlist_load(s, &d->experiments_seen, NULL);
        if (r >= 0)
                r = add_experiments(d, s, c, req);
        if (r >= 0)
                r = store_alert_log_each(s, req->since, 0, add_alert, d);
        if (r >= 0)
                r = store_actions_each(s, add_action, &walk);
        if (r >= 0)
                r = store_health_each(s, add_health, d);
        if (r == -EBADMSG)
                r = 0;   /* a row this program cannot read is left out */
        if (r < 0) {
                digest_data_free(d);
                return r;
        }
        set_view(d, req);
        d->request = NULL;
        *ret = d;
        return 0;
}

const struct digest *digest_data_view(const struct digest_data *d)
{
        return &d->view;
}

void digest_data_free(struct digest_data *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n_experiments; i++)
                free((void *) d->experiments[i].variants);
        for (size_t i = 0; i < d->n_strings; i++)
                free(d->strings[i]);
        free(d->strings);
        free(d->experiments);
        free(d->alerts);
        free(d->actions);
        watchlist_clear(&d->experiments_seen);
        free(d);
}
