/* Experiment result → analysis; see analysis.h. The JSON form is in
 * analysis_json.c, the table in cli/analysis_table.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "stats.h"

const char *stats_method_to_string(enum stats_method m)
{
        return m == STATS_METHOD_FIXED ? "fixed" : "sequential";
}

const char *stats_correction_to_string(enum stats_correction c)
{
        switch (c) {
        case STATS_CORRECTION_BONFERRONI: return "bonferroni";
        case STATS_CORRECTION_NONE: return "none";
        default: return "holm";
        }
}

#define NOTE_MAX 160   /* a reason's length, with the numbers it quotes */

/* Records why figures are null; the first reason is kept (it is the cause of
 * the others). Returns -ENOMEM or 0. */
static int __attribute__((format(printf, 2, 3))) set_reason(char **reason, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (*reason)
                return 0;
        va_start(ap, fmt);
        n = vasprintf(reason, fmt, ap);
        va_end(ap);
        if (n < 0) {
                *reason = NULL;
                return -ENOMEM;
        }
        return 0;
}

static void set_number(struct analysis_number *n, double v)
{
        n->value = v;
        n->valid = isfinite(v);
}

/* Why an arm's counts cannot be analysed, or NULL when they can. */
static const char *arm_problem(const struct mida_variant *v, char *buf, size_t size)
{
        if (!v->has_visitors)
                return "visitors missing";
        if (!v->has_conversions)
                return "conversions missing";
        if (v->visitors < 0 || v->conversions < 0)
                snprintf(buf, size, "negative count (%lld visitors, %lld conversions)", v->visitors,
                         v->conversions);
        else if (v->conversions > v->visitors)
                snprintf(buf, size, "conversions (%lld) exceed visitors (%lld)", v->conversions, v->visitors);
        else
                return NULL;
        return buf;
}

static const char *compare_intervals(double lift, double se, double n, const struct statistics_settings *s,
                                     struct variant_analysis *out)
{
        double z = lift / se, p, half;

        if (s->method == STATS_METHOD_FIXED) {
                p = stats_fixed_p(z);
                half = stats_fixed_half_width(se, s->alpha);
        } else {
                double rho2 = stats_mixture_rho2(s->alpha, s->sequential_tuning);
                p = stats_mixture_p(z, n, rho2);
                half = stats_mixture_half_width(se, n, rho2, s->alpha);
        }
        set_number(&out->p_value, p);
        set_number(&out->p_value_adjusted, p);
        /* A conversion rate cannot fall below 0: no lift is below -100 %,
         * however wide the interval of a few visitors is. */
        set_number(&out->lift_low, fmax(lift - half, -1.0));
        set_number(&out->lift_high, lift + half);
        if (!out->p_value.valid || !out->lift_low.valid || !out->lift_high.valid) {
                out->p_value.valid = out->p_value_adjusted.valid = false;
                out->lift_low.valid = out->lift_high.valid = false;
                return "numerical failure (settings out of range?)";
        }
        return NULL;
}

const char *analysis_compare(const struct arm_counts *control, const struct arm_counts *treatment,
                             const struct statistics_settings *s, bool with_prob_beat, struct variant_analysis *out)
{
        double nc = (double) control->visitors, cc = (double) control->conversions;
        double nt = (double) treatment->visitors, ct = (double) treatment->conversions;
        struct stats_lift l;

        if (nt > 0)
                set_number(&out->conversion_rate, ct / nt);
        if (nc <= 0 || nt <= 0)
                return nc <= 0 ? "the control has no visitors yet" : "this variant has no visitors yet";
        set_number(&out->abs_lift, ct / nt - cc / nc);
        if (with_prob_beat)
                set_number(&out->prob_beat_control, stats_prob_beat(ct, nt, cc, nc));
        if (stats_delta_lift(cc, nc, ct, nt, &l) < 0)
                return "the control has no conversions: relative lift is undefined";
        set_number(&out->lift, l.lift);
        out->lift_se = l.se;
        if (!(l.se > 0))
                return "zero standard error (a conversion rate of 0 % or 100 %)";
        return compare_intervals(l.lift, l.se, nc + nt, s, out);
}

static int copy_string(char **dst, const char *src)
{
        *dst = NULL;
        return src && !(*dst = strdup(src)) ? -ENOMEM : 0;
}

/* Fills the fields every variant has; returns -ENOMEM or 0. */
static int describe_variant(const struct mida_variant *v, struct variant_analysis *out)
{
        char buf[NOTE_MAX];
        const char *problem = arm_problem(v, buf, sizeof(buf));

        *out = (struct variant_analysis) {
                .control = v->is_control,
                .visitors = v->has_visitors ? v->visitors : 0,
                .conversions = v->has_conversions ? v->conversions : 0,
                .counts_valid = !problem,
                .has_visitors = v->has_visitors,
                .has_conversions = v->has_conversions,
        };
        if (v->visitors > 0 && !problem)
                set_number(&out->conversion_rate, (double) v->conversions / (double) v->visitors);
        else if (!problem)
                problem = "no visitors yet";
        if ((problem && set_reason(&out->reason, "%s", problem) < 0) ||
            copy_string(&out->variant_id, v->variant_id) < 0 || copy_string(&out->name, v->name) < 0)
                return -ENOMEM;
        return 0;
}

/* Whether the arm passes the guards; when not, *guard says why (left NULL
 * when out of memory: significance is still held back). */
static bool guard_holds(const struct variant_analysis *arm, const char *what,
                        const struct statistics_settings *s, char **guard)
{
        if (arm->visitors < s->min_visitors)
                set_reason(guard, "%s has %lld visitors (min_visitors %ld)", what, arm->visitors, s->min_visitors);
        else if (arm->conversions < s->min_conversions)
                set_reason(guard, "%s has %lld conversions (min_conversions %ld)", what, arm->conversions,
                           s->min_conversions);
        else
                return true;
        return false;
}

/* Returns -ENOMEM or 0. */
static int compare_variant(const struct variant_analysis *control, const struct statistics_settings *s,
                           struct variant_analysis *v)
{
        const char *why;

        if (!control)
                return set_reason(&v->reason, "no control variant (is_control or variant_id \"0\")");
        if (!control->counts_valid)
                return set_reason(&v->reason, "control: %s", control->reason);
        if (!v->counts_valid)
                return 0;   /* the reason is already set */
        why = analysis_compare(&(struct arm_counts) { control->visitors, control->conversions },
                               &(struct arm_counts) { v->visitors, v->conversions }, s, true, v);
        return why ? set_reason(&v->reason, "%s", why) : 0;
}

static void apply_running_bounds(struct variant_analysis *v, struct sequential_variant_state *st)
{
        if (!v->p_value.valid)
                return;   /* nothing new to add; the state keeps what it had */
        if (st->has_bound) {
                st->min_p = fmin(st->min_p, v->p_value.value);
                double low = fmax(st->low, v->lift_low.value), high = fmin(st->high, v->lift_high.value);
                /* Disjoint intervals (the effect moved, or the 1-in-1/α event):
                 * collapse to the crossed edge rather than widen or invert. */
                if (low > high)
                        low = high = v->lift_low.value > st->high ? st->high : st->low;
                st->low = low;
                st->high = high;
        } else {
                st->min_p = v->p_value.value;
                st->low = v->lift_low.value;
                st->high = v->lift_high.value;
                st->has_bound = true;
        }
        v->p_value.value = v->p_value_adjusted.value = st->min_p;
        v->lift_low.value = st->low;
        v->lift_high.value = st->high;
}

static struct sequential_variant_state *find_state(struct sequential_variant_state *v, size_t n,
                                                   const char *variant_id)
{
        for (size_t i = 0; i < n; i++)
                if (v[i].variant_id && strcmp(v[i].variant_id, variant_id) == 0)
                        return &v[i];
        return NULL;
}

static bool counts_usable(const struct mida_variant *v)
{
        return v->has_visitors && v->has_conversions && v->visitors >= 0 && v->conversions >= 0;
}

/* A new experiment run, or settings under which the running values mean
 * something else: the running minimum and intersection start over. */
static bool state_outdated(const struct sequential_state *st, const struct mida_result *r,
                           const struct statistics_settings *s)
{
        if (st->alpha != s->alpha || st->tuning != s->sequential_tuning)
                return true;
        if (st->start_date && r->start_date && strcmp(st->start_date, r->start_date) != 0)
                return true;
        for (size_t i = 0; i < r->n_variants; i++) {
                const struct mida_variant *v = &r->variants[i];
                const struct sequential_variant_state *old =
                        find_state(st->variants, st->n_variants, v->variant_id);
                if (old && counts_usable(v) && (v->visitors < old->visitors || v->conversions < old->conversions))
                        return true;
        }
        return false;
}

static void free_variant_states(struct sequential_variant_state *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].variant_id);
        free(v);
}

/* This snapshot's counts, and no running values if the experiment restarted. */
static void advance_variant(struct sequential_variant_state *st, const struct mida_variant *v, bool restart)
{
        if (restart)
                st->has_bound = false;
        if (counts_usable(v)) {
                st->visitors = v->visitors;
                st->conversions = v->conversions;
        }
}

/* The usual poll: the variants of the last one, in the same order. */
static bool same_variants(const struct sequential_state *st, const struct mida_result *r)
{
        if (st->n_variants != r->n_variants)
                return false;
        for (size_t i = 0; i < r->n_variants; i++)
                if (!st->variants[i].variant_id || strcmp(st->variants[i].variant_id, r->variants[i].variant_id) != 0)
                        return false;
        return true;
}

/* Brings the state to this snapshot's variants (in its order), keeping the
 * running values of known variants unless the experiment restarted. The same
 * variants are updated in place; otherwise the new array is built completely
 * before the old one is touched, so a failure leaves the state as it was. */
static int sync_state(struct sequential_state *st, const struct mida_result *r, const struct statistics_settings *s)
{
        bool restart = state_outdated(st, r, s), same = same_variants(st, r);
        bool new_date = r->start_date && (!st->start_date || strcmp(st->start_date, r->start_date) != 0);
        struct sequential_variant_state *next =
                same ? st->variants : calloc(r->n_variants ? r->n_variants : 1, sizeof(*next));
        char *start_date = new_date ? strdup(r->start_date) : NULL;

        if ((!same && !next) || (new_date && !start_date)) {
                if (!same)
                        free(next);
                free(start_date);
                return -ENOMEM;
        }
        for (size_t i = 0; i < r->n_variants && !same; i++) {
                const struct mida_variant *v = &r->variants[i];
                const struct sequential_variant_state *old = find_state(st->variants, st->n_variants, v->variant_id);
                if (old)
                        next[i] = *old;
                if (!(next[i].variant_id = strdup(v->variant_id))) {
                        free_variant_states(next, i);
                        free(start_date);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < r->n_variants; i++)
                advance_variant(&next[i], &r->variants[i], restart);
        if (!same) {
                free_variant_states(st->variants, st->n_variants);
                st->variants = next;
                st->n_variants = r->n_variants;
        }
        if (start_date) {
                free(st->start_date);
                st->start_date = start_date;
        }
        /* The SRM's running minimum starts over with the experiment, or
         * under another prior. */
        if (restart || st->srm_concentration != s->srm_concentration)
                st->has_srm = false;
        st->alpha = s->alpha;
        st->tuning = s->sequential_tuning;
        st->srm_concentration = s->srm_concentration;
        return 0;
}

/* Multiple comparisons over the variants that have a p-value. */
static int adjust_p_values(struct experiment_analysis *a, const struct statistics_settings *s)
{
        size_t m = 0;
        double *p = calloc(a->n_variants + 1, sizeof(*p));
        size_t *idx = calloc(a->n_variants + 1, sizeof(*idx)), *scratch = calloc(a->n_variants + 1, sizeof(*scratch));
        int r = p && idx && scratch ? 0 : -ENOMEM;

        for (size_t i = 0; r == 0 && i < a->n_variants; i++)
                if (!a->variants[i].control && a->variants[i].p_value.valid) {
                        idx[m] = i;
                        p[m++] = a->variants[i].p_value.value;
                }
        if (r == 0 && s->correction == STATS_CORRECTION_HOLM)
                stats_holm(p, m, scratch);
        else if (r == 0 && s->correction == STATS_CORRECTION_BONFERRONI)
                stats_bonferroni(p, m);
        for (size_t k = 0; r == 0 && k < m; k++)
                set_number(&a->variants[idx[k]].p_value_adjusted, p[k]);
        free(p);
        free(idx);
        free(scratch);
        return r;
}

/* min_days: nothing is significant before the experiment has run that
 * long. An unknown days_running (an analysis rebuilt from state.db, which
 * keeps only counts) holds nothing back: the poll that decided had it. */
static bool runtime_holds(const struct experiment_analysis *a, const struct statistics_settings *s, char **guard)
{
        if (s->min_days <= 0 || a->days_running < 0 || a->days_running >= s->min_days)
                return true;
        set_reason(guard, "running %ld day%s (min_days %ld)", a->days_running, a->days_running == 1 ? "" : "s",
                   s->min_days);
        return false;
}

/* The experiment's visitors per day: since its start (days_running). */
static double visitors_per_day(const struct experiment_analysis *a)
{
        if (a->days_running < 0)
                return NAN;
        return (double) a->visitors / (double) (a->days_running > 0 ? a->days_running : 1);
}

/* The days of visitors_to_decision at rate visitors a day. */
static int set_days(const struct experiment_analysis *a, const struct statistics_settings *s, double rate,
                    struct variant_analysis *v)
{
        v->days_to_decision = (struct analysis_number) { 0 };
        v->underpowered = (struct analysis_flag) { 0 };
        if (!(rate > 0))
                return set_reason(&v->decision_reason, "no traffic to estimate the days from");
        set_number(&v->days_to_decision, v->visitors_to_decision.value / rate);
        /* Decided by the counts, held back by min_days: the days it still has to run. */
        if (s->min_days > 0 && a->days_running >= 0 && a->days_running < s->min_days)
                v->days_to_decision.value = fmax(v->days_to_decision.value, (double) (s->min_days - a->days_running));
        v->underpowered = (struct analysis_flag) { .valid = true,
                                                   .value = v->days_to_decision.value > s->decision_horizon_days };
        return 0;
}

void analysis_set_traffic(struct experiment_analysis *a, double visitors_per_day, const struct statistics_settings *s)
{
        for (size_t i = 0; i < a->n_variants; i++) {
                struct variant_analysis *v = &a->variants[i];

                if (v->control || !v->visitors_to_decision.valid)
                        continue;
                free(v->decision_reason);
                v->decision_reason = NULL;
                (void) set_days(a, s, visitors_per_day, v);   /* out of memory: no reason, figures right */
        }
}

/* One variant's time to decision; see struct variant_analysis. alpha: a
 * Bonferroni bound of the correction over the variants compared. */
static int decide_time(struct experiment_analysis *a, const struct variant_analysis *control,
                       const struct statistics_settings *s, double alpha, struct variant_analysis *v)
{
        double n = (double) (control->visitors + v->visitors), total, rate;
        bool sequential = s->method == STATS_METHOD_SEQUENTIAL;

        if (v->significant.valid && v->significant.value)
                return set_reason(&v->decision_reason, "already decided: significant");
        if (!v->lift.valid || v->lift.value == 0 || !(v->lift_se > 0))
                return set_reason(&v->decision_reason, "no lift to decide on");
        total = stats_visitors_to_decision(v->lift.value, v->lift_se, n, sequential,
                                           stats_mixture_rho2(alpha, s->sequential_tuning), alpha);
        if (isnan(total))
                return set_reason(&v->decision_reason, "the lift is too small to decide on at any traffic");
        /* The other variants get their share of traffic too. */
        set_number(&v->visitors_to_decision, ceil((total - n) * (double) a->visitors / n));
        rate = visitors_per_day(a);
        return set_days(a, s, rate, v);
}

static int decide_times(struct experiment_analysis *a, const struct variant_analysis *control,
                        const struct statistics_settings *s)
{
        size_t compared = 0;
        double alpha = s->alpha;

        for (size_t i = 0; i < a->n_variants; i++)
                compared += !a->variants[i].control;
        if (s->correction != STATS_CORRECTION_NONE && compared > 1)
                alpha /= (double) compared;
        for (size_t i = 0; control && control->counts_valid && i < a->n_variants; i++)
                if (!a->variants[i].control && a->variants[i].counts_valid &&
                    decide_time(a, control, s, alpha, &a->variants[i]) < 0)
                        return -ENOMEM;
        return 0;
}

static void decide_significance(struct experiment_analysis *a, const struct variant_analysis *control,
                                const struct statistics_settings *s)
{
        for (size_t i = 0; control && i < a->n_variants; i++) {
                struct variant_analysis *v = &a->variants[i];
                if (v->control || !v->p_value_adjusted.valid)
                        continue;
                char *unused = NULL;

                v->below_guards = !(runtime_holds(a, s, &unused) && guard_holds(control, "the control", s, &unused) &&
                                    guard_holds(v, "this variant", s, &unused));
                free(unused);
                /* The guards are named only when they hold a significant result back. */
                bool below_alpha = v->p_value_adjusted.value < s->alpha;
                bool guards = !below_alpha || (runtime_holds(a, s, &v->guard) &&
                                               guard_holds(control, "the control", s, &v->guard) &&
                                               guard_holds(v, "this variant", s, &v->guard));
                v->significant = (struct analysis_flag) { .valid = true, .value = below_alpha && guards };
        }
}

/* Why the SRM test cannot run, or NULL. */
static const char *srm_problem(const struct experiment_analysis *a, const struct statistics_settings *s,
                               char *buf, size_t size)
{
        if (a->n_variants < 2)
                return "a single variant: nothing to compare";
        if (s->n_weights > 0 && (size_t) s->n_weights != a->n_variants) {
                snprintf(buf, size, "statistics.weights has %d entries but the experiment has %zu variants",
                         s->n_weights, a->n_variants);
                return buf;
        }
        for (size_t i = 0; i < a->n_variants; i++)
                if (!a->variants[i].counts_valid) {
                        snprintf(buf, size, "variant %.32s: %.100s", a->variants[i].variant_id,
                                 a->variants[i].reason ? a->variants[i].reason : "counts unusable");
                        return buf;
                }
        if (a->visitors == 0)
                return "no visitors yet";
        return NULL;
}

/* The sequential test's p-value at this look, min(1, 1/BF), and with a
 * state the running minimum over the looks. */
static double sequential_srm_p(const double *observed, size_t k, const struct statistics_settings *s,
                               struct sequential_state *state)
{
        double log_bf = stats_srm_log_bf(observed, s->n_weights > 0 ? s->weights : NULL, k, s->srm_concentration);
        double p = !isfinite(log_bf) ? NAN : log_bf <= 0 ? 1.0 : exp(-log_bf);

        if (!state || isnan(p))
                return p;
        state->srm_min_p = state->has_srm ? fmin(state->srm_min_p, p) : p;
        state->has_srm = true;
        return state->srm_min_p;
}

/* Visitors against the configured weights (equal when none): the
 * sequential test by default, the χ² with srm_method = "chi2". */
static int test_sample_ratio(struct experiment_analysis *a, const struct statistics_settings *s,
                             struct sequential_state *state)
{
        char buf[NOTE_MAX];
        const char *problem = srm_problem(a, s, buf, sizeof(buf));

        if (problem)
                return set_reason(&a->srm_reason, "%s", problem);
        double *observed = calloc(a->n_variants, sizeof(*observed));
        if (!observed)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_variants; i++)
                observed[i] = (double) a->variants[i].visitors;
        if (s->srm_method == STATS_SRM_CHI2)
                set_number(&a->srm_p, stats_srm_p(observed, s->n_weights > 0 ? s->weights : NULL, a->n_variants));
        else
                set_number(&a->srm_p, sequential_srm_p(observed, a->n_variants, s, state));
        free(observed);
        if (!a->srm_p.valid)
                return set_reason(&a->srm_reason, "traffic in a variant whose weight is 0");
        a->srm = (struct analysis_flag) { .valid = true, .value = a->srm_p.value < s->srm_alpha };
        return 0;
}

static int analyse_variants(const struct mida_result *r, const struct statistics_settings *s,
                            struct sequential_state *state, struct experiment_analysis *a)
{
        const struct variant_analysis *control = NULL;

        for (size_t i = 0; i < r->n_variants; i++) {
                struct variant_analysis *v = &a->variants[i];
                if (describe_variant(&r->variants[i], v) < 0)
                        return -ENOMEM;
                a->n_variants = i + 1;
                if (v->control)
                        control = v;
                if (v->counts_valid) {
                        a->visitors += v->visitors;
                        a->conversions += v->conversions;
                }
        }
        for (size_t i = 0; i < a->n_variants; i++) {
                struct variant_analysis *v = &a->variants[i];
                if (v->control)
                        continue;
                if (compare_variant(control, s, v) < 0)
                        return -ENOMEM;
                if (state && s->method == STATS_METHOD_SEQUENTIAL)
                        apply_running_bounds(v, &state->variants[i]);
        }
        if (adjust_p_values(a, s) < 0)
                return -ENOMEM;
        decide_significance(a, control, s);
        return decide_times(a, control, s);
}

int analysis_run(const struct mida_result *r, const struct statistics_settings *s,
                 struct sequential_state *state, struct experiment_analysis *out)
{
        int ret;

        *out = (struct experiment_analysis) {
                .test_id = r->test_id, .status_code = r->status_code, .days_running = r->days_running,
                .concluded = r->end_date != NULL,
                .method = s->method, .correction = s->correction, .alpha = s->alpha,
        };
        if (copy_string(&out->test_name, r->test_name) < 0 ||
            (r->n_variants > 0 && !(out->variants = calloc(r->n_variants, sizeof(*out->variants)))))
                ret = -ENOMEM;
        else if (state && (ret = sync_state(state, r, s)) < 0)
                ;
        else if ((ret = analyse_variants(r, s, state, out)) == 0)
                ret = test_sample_ratio(out, s, state);
        if (ret < 0)
                experiment_analysis_free(out);
        return ret;
}

void sequential_state_free(struct sequential_state *s)
{
        if (!s)
                return;
        free_variant_states(s->variants, s->n_variants);
        free(s->start_date);
        *s = (struct sequential_state) { 0 };
}

int sequential_state_copy(const struct sequential_state *from, struct sequential_state *to)
{
        int r;

        *to = (struct sequential_state) { .alpha = from->alpha, .tuning = from->tuning, .has_srm = from->has_srm,
                                          .srm_min_p = from->srm_min_p, .srm_concentration = from->srm_concentration };
        r = copy_string(&to->start_date, from->start_date);
        if (r == 0 && from->n_variants > 0 && !(to->variants = calloc(from->n_variants, sizeof(*to->variants))))
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < from->n_variants; i++) {
                to->variants[i] = from->variants[i];
                to->n_variants = i + 1;
                r = copy_string(&to->variants[i].variant_id, from->variants[i].variant_id);
        }
        if (r < 0)
                sequential_state_free(to);
        return r;
}

void experiment_analysis_free(struct experiment_analysis *a)
{
        if (!a)
                return;
        for (size_t i = 0; i < a->n_variants; i++) {
                free(a->variants[i].variant_id);
                free(a->variants[i].name);
                free(a->variants[i].reason);
                free(a->variants[i].guard);
                free(a->variants[i].decision_reason);
        }
        free(a->variants);
        free(a->test_name);
        free(a->srm_reason);
        *a = (struct experiment_analysis) { 0 };
}

size_t analysis_find_variant(const struct experiment_analysis *a, const char *variant_id)
{
        for (size_t i = 0; a && variant_id && i < a->n_variants; i++)
                if (a->variants[i].variant_id && strcmp(a->variants[i].variant_id, variant_id) == 0)
                        return i;
        return SIZE_MAX;
}
