#include "experiment_update.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "util/log.h"
#include "mida/mida.h"

/* The running min p / interval intersection, created empty on the first
 * poll. A stored state that did not load (store/experiments.h) only costs the
 * history, never the poll: it is reported here, once. */
static struct sequential_state *sequential_for(struct watched_experiment *e)
{
        if (e->sequential_error) {
                log_warning("experiment %lld: stored sequential state unusable (%s); starting it afresh",
                            e->id, e->sequential_error);
                watchlist_drop_sequential(e);
        }
        if (!e->sequential)
                e->sequential = calloc(1, sizeof(*e->sequential));
        return e->sequential;
}

static bool flag_value(struct analysis_flag f)
{
        return f.valid && f.value;
}

static void log_variant(const struct experiment_analysis *a, const struct variant_analysis *v, int priority)
{
        char id[24], lift[32], p[32], visitors[24];
        struct log_field fields[] = {
                { "MIDA_EXPERIMENT_ID", id }, { "MIDA_EXPERIMENT_NAME", a->test_name },
                { "MIDA_VARIANT_ID", v->variant_id },
                { "MIDA_LIFT", v->lift.valid ? lift : NULL },
                { "MIDA_P_VALUE", v->p_value_adjusted.valid ? p : NULL },
                { "MIDA_VISITORS", visitors },
        };

        snprintf(id, sizeof(id), "%lld", a->test_id);
        snprintf(lift, sizeof(lift), "%.6f", v->lift.value);
        snprintf(p, sizeof(p), "%.6g", v->p_value_adjusted.value);
        snprintf(visitors, sizeof(visitors), "%lld", a->visitors);
        log_event(priority, MIDA_MSGID_ANALYSIS, fields, sizeof(fields) / sizeof(fields[0]),
                  "experiment %lld (%s): variant %s (%s): lift %s, p %s%s", a->test_id,
                  a->test_name ? a->test_name : "unnamed", v->variant_id, v->name ? v->name : "unnamed",
                  v->lift.valid ? lift : "n/a", v->p_value_adjusted.valid ? p : "n/a",
                  flag_value(v->significant) ? ", significant" : "");
}

/* A quiet daemon: info only when something changed that a person would
 * want to know (significance flipped, SRM appeared or went), debug else. */
static void log_changes(const struct analysis_summary *old, const struct experiment_analysis *a)
{
        bool srm_changed = old ? old->srm != flag_value(a->srm) : flag_value(a->srm);

        if (srm_changed) {
                char id[24];
                struct log_field fields[] = { { "MIDA_EXPERIMENT_ID", id }, { "MIDA_EXPERIMENT_NAME", a->test_name } };
                snprintf(id, sizeof(id), "%lld", a->test_id);
                log_event(flag_value(a->srm) ? LOG_WARNING : LOG_INFO, MIDA_MSGID_ANALYSIS, fields, 2,
                          "experiment %lld (%s): sample-ratio mismatch %s (p %.3g)", a->test_id,
                          a->test_name ? a->test_name : "unnamed",
                          flag_value(a->srm) ? "detected" : "gone", a->srm_p.valid ? a->srm_p.value : 1.0);
        }
        for (size_t i = 0; i < a->n_variants; i++) {
                const struct variant_analysis *v = &a->variants[i];
                size_t k = analysis_summary_find_variant(old, v->variant_id);
                const struct variant_summary *before = k == SIZE_MAX ? NULL : &old->variants[k];
                bool flipped = before ? before->significant != flag_value(v->significant)
                                      : flag_value(v->significant);
                if (v->control)
                        continue;
                if (flipped)
                        log_variant(a, v, LOG_INFO);
                else if (log_enabled(LOG_DEBUG))
                        log_variant(a, v, LOG_DEBUG);
        }
}

/* Any change counts as growth: a drop means the experiment restarted. */
static void note_visitor_growth(struct watched_experiment *e, long long visitors, int64_t now)
{
        if (e->visitors_grew_at == 0 || visitors != e->visitors)
                e->visitors_grew_at = now;
        e->visitors = visitors;
}

double experiment_hours_since_new_visitor(const struct watched_experiment *e, int64_t now)
{
        if (e->visitors_grew_at == 0 || now < e->visitors_grew_at)
                return e->visitors_grew_at == 0 ? NAN : 0;
        return (double) (now - e->visitors_grew_at) / 3600.0;
}

int experiment_update(struct watched_experiment *e, const char *body, size_t len,
                      const struct statistics_settings *settings, int64_t now,
                      char *err, size_t err_size)
{
        struct mida_result result = { 0 };
        struct sequential_state *seq;
        struct experiment_analysis *a;
        char *error = NULL;
        int r;

        r = mida_result_parse(body, len, &result, &error);
        if (r < 0) {
                snprintf(err, err_size, "malformed result: %s", error ? error : strerror(-r));
                free(error);
                return r;
        }
        a = calloc(1, sizeof(*a));
        seq = sequential_for(e);
        /* The state is updated in place: no copy per poll. */
        r = a && seq ? analysis_run(&result, settings, seq, a) : -ENOMEM;
        if (r >= 0 && e->visitors_week_ago >= 0)
                analysis_set_traffic(a, (double) (a->visitors - e->visitors_week_ago) / 7.0, settings);
        if (r >= 0) {
                log_changes(e->last, a);
                if ((r = analysis_summary_update(&e->last, a)) < 0)
                        experiment_analysis_free(a);
        }
        if (r >= 0) {
                watchlist_set_current(e, a);
                a = NULL;
                watchlist_set_name(e, result.test_name);
                e->polled_at = now;
                note_visitor_growth(e, e->current->visitors, now);
        } else {
                snprintf(err, err_size, "out of memory analysing the result");
        }
        free(a);
        mida_result_free(&result);
        return r;
}
