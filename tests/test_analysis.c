/* Tests of src/analysis*.c and the sequential state: §4 figures through the
 * whole pipeline, the properties the design promises, degenerate inputs
 * (never NaN, always a reason), and the JSON and table forms. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analysis_table.h"
#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "stats/stats.h"

struct arm {
        long long visitors, conversions;
};

/* A result with variants "0" (control), "1", "2", … borrowing static strings;
 * the caller frees only the variants array (see drop_result). */
static struct mida_result make_result(const struct arm *arms, size_t n, const char *start_date)
{
        static char *ids[] = { "0", "1", "2", "3", "4", "5", "6", "7" };
        struct mida_result r = { .test_id = 42, .test_name = "test", .status_code = 1, .days_running = 3,
                                 .start_date = (char *) start_date, .total_visitors = -1,
                                 .total_conversions = -1, .n_variants = n };

        r.variants = calloc(n, sizeof(*r.variants));
        for (size_t i = 0; i < n; i++)
                r.variants[i] = (struct mida_variant) {
                        .variant_id = ids[i], .name = ids[i], .visitors = arms[i].visitors,
                        .conversions = arms[i].conversions, .has_visitors = true, .has_conversions = true,
                        .is_control = i == 0,
                };
        return r;
}

static void drop_result(struct mida_result *r)
{
        free(r->variants);
}

/* Reasons and guards are NULL when there is nothing to say. */
static const char *note(const char *text)
{
        return text ? text : "";
}

static struct statistics_settings settings_for(enum stats_method m)
{
        struct statistics_settings s = statistics_settings_default();

        s.method = m;
        return s;
}

static void expect_rel(double got, double want, double tol, const char *what)
{
        cr_expect(fabs(got - want) <= tol * fabs(want), "%s: got %.10g, want %.10g", what, got, want);
}

Test(pipeline, fixed_reference_values)
{
        struct arm arms[] = { { 28, 14 }, { 30, 16 } };
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = settings_for(STATS_METHOD_FIXED);
        struct experiment_analysis a;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        const struct variant_analysis *t = &a.variants[1];
        cr_assert(t->lift.valid && t->p_value.valid && t->lift_low.valid);
        expect_rel(t->lift.value, 0.066667, 1e-5, "lift");
        expect_rel(t->p_value.value, 0.80617, 1e-5, "p");
        expect_rel(t->p_value_adjusted.value, 0.80617, 1e-5, "p adjusted (one comparison)");
        expect_rel(t->lift_high.value - t->lift.value, 1.959963984540054 * 0.27170, 1e-4, "half-width");
        expect_rel(t->abs_lift.value, 16.0 / 30 - 0.5, 1e-12, "abs lift");
        expect_rel(a.variants[0].conversion_rate.value, 0.5, 1e-15, "control rate, a fraction");
        cr_expect(!t->significant.value, "p 0.8 is not significant");
        cr_expect_null(t->guard, "guards are named only when they hold a result back");
        cr_expect_null(t->reason, "nothing is null, so nothing to explain");
        cr_expect(!a.variants[0].lift.valid, "the control has no lift");
        experiment_analysis_free(&a);
        drop_result(&r);
}

Test(pipeline, sequential_reference_values)
{
        struct arm arms[] = { { 10000, 1000 }, { 10000, 1100 } };
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        const struct variant_analysis *t = &a.variants[1];
        expect_rel(t->lift_high.value - t->lift.value, 0.14221, 1e-4, "half-width");
        expect_rel(t->p_value.value, 0.54904, 1e-4, "p");
        cr_expect_eq(a.visitors, 20000);
        cr_expect_eq(a.conversions, 2100);
        cr_expect(a.srm_p.valid && a.srm_p.value == 1.0 && a.srm.valid && !a.srm.value);
        experiment_analysis_free(&a);
        drop_result(&r);
}

Test(pipeline, srm_reference_and_flag)
{
        struct arm arms[] = { { 10000, 1000 }, { 10300, 1000 } };
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        expect_rel(a.srm_p.value, 0.55807980227, 1e-9, "sequential srm p: 1/BF (tests/test_srm_simulation.c)");
        experiment_analysis_free(&a);
        s.srm_method = STATS_SRM_CHI2;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        expect_rel(a.srm_p.value, 0.035240, 1e-4, "chi2 srm p");
        cr_expect(!a.srm.value, "0.035 is above srm_alpha 0.001");
        experiment_analysis_free(&a);

        s.srm_alpha = 0.05;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(a.srm.value);
        experiment_analysis_free(&a);

        s.n_weights = 3;   /* does not match the 2 variants: null with a reason, not a guess */
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(!a.srm_p.valid && !a.srm.valid && strstr(note(a.srm_reason), "weights"));
        experiment_analysis_free(&a);
        drop_result(&r);
}

Test(pipeline, holm_across_variants)
{
        struct arm arms[] = { { 5000, 500 }, { 5000, 560 }, { 5000, 600 }, { 5000, 505 } };
        struct mida_result r = make_result(arms, 4, NULL);
        struct statistics_settings s = settings_for(STATS_METHOD_FIXED);
        struct experiment_analysis a;
        double raw[3];
        size_t scratch[3];

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        for (int i = 0; i < 3; i++)
                raw[i] = a.variants[i + 1].p_value.value;
        stats_holm(raw, 3, scratch);
        for (int i = 0; i < 3; i++) {
                expect_rel(a.variants[i + 1].p_value_adjusted.value, raw[i], 1e-15, "holm");
                cr_expect(a.variants[i + 1].p_value_adjusted.value >= a.variants[i + 1].p_value.value);
        }
        cr_expect(a.variants[2].significant.value, "+20 %% at 5000 per arm is significant after Holm");
        experiment_analysis_free(&a);

        s.correction = STATS_CORRECTION_NONE;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect_eq(a.variants[1].p_value_adjusted.value, a.variants[1].p_value.value);
        experiment_analysis_free(&a);
        drop_result(&r);
}

Test(pipeline, guards_hold_back_small_samples)
{
        struct arm arms[] = { { 90, 10 }, { 90, 40 } };   /* huge effect, tiny sample */
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = settings_for(STATS_METHOD_FIXED);
        struct experiment_analysis a;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(a.variants[1].p_value_adjusted.value < 0.05);
        cr_expect(a.variants[1].significant.valid && !a.variants[1].significant.value);
        cr_expect(strstr(note(a.variants[1].guard), "min_visitors 100"), "guard: %s", note(a.variants[1].guard));
        experiment_analysis_free(&a);
        drop_result(&r);
}

/* Deterministic counts for the property tests. */
static unsigned long long next_random(unsigned long long *state)
{
        unsigned long long z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

static struct arm random_arm(unsigned long long *rng)
{
        long long n = 1 + (long long) (next_random(rng) % 200000);
        return (struct arm) { n, 1 + (long long) (next_random(rng) % (unsigned long long) n) };
}

Test(properties, interval_contains_lift_and_p_in_range)
{
        unsigned long long rng = 1;

        for (int i = 0; i < 2000; i++) {
                struct arm arms[] = { random_arm(&rng), random_arm(&rng) };
                struct mida_result r = make_result(arms, 2, NULL);
                for (int m = 0; m < 2; m++) {
                        struct statistics_settings s = settings_for(m ? STATS_METHOD_FIXED : STATS_METHOD_SEQUENTIAL);
                        struct experiment_analysis a;
                        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
                        const struct variant_analysis *t = &a.variants[1];
                        if (t->lift_low.valid) {
                                cr_expect(t->lift_low.value <= t->lift.value && t->lift.value <= t->lift_high.value);
                                cr_expect(t->p_value.value >= 0 && t->p_value.value <= 1);
                                cr_expect(t->prob_beat_control.value >= 0 && t->prob_beat_control.value <= 1);
                        }
                        experiment_analysis_free(&a);
                }
                drop_result(&r);
        }
}

Test(properties, sequential_interval_wider_than_fixed)
{
        unsigned long long rng = 2;

        for (int i = 0; i < 500; i++) {
                struct arm arms[] = { random_arm(&rng), random_arm(&rng) };
                struct mida_result r = make_result(arms, 2, NULL);
                struct statistics_settings seq = settings_for(STATS_METHOD_SEQUENTIAL);
                struct statistics_settings fix = settings_for(STATS_METHOD_FIXED);
                struct experiment_analysis a, b;
                cr_assert_eq(analysis_run(&r, &seq, NULL, &a), 0);
                cr_assert_eq(analysis_run(&r, &fix, NULL, &b), 0);
                if (a.variants[1].lift_low.valid)
                        cr_expect(a.variants[1].lift_high.value - a.variants[1].lift_low.value >
                                  b.variants[1].lift_high.value - b.variants[1].lift_low.value);
                experiment_analysis_free(&a);
                experiment_analysis_free(&b);
                drop_result(&r);
        }
}

Test(properties, swapping_arms_flips_abs_lift)
{
        struct arm ab[] = { { 1500, 120 }, { 1480, 148 } }, ba[] = { { 1480, 148 }, { 1500, 120 } };
        struct mida_result r1 = make_result(ab, 2, NULL), r2 = make_result(ba, 2, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a, b;

        cr_assert_eq(analysis_run(&r1, &s, NULL, &a), 0);
        cr_assert_eq(analysis_run(&r2, &s, NULL, &b), 0);
        expect_rel(a.variants[1].abs_lift.value, -b.variants[1].abs_lift.value, 1e-15, "abs lift");
        expect_rel(a.variants[1].prob_beat_control.value, 1 - b.variants[1].prob_beat_control.value, 1e-7, "beat");
        experiment_analysis_free(&a);
        experiment_analysis_free(&b);
        drop_result(&r1);
        drop_result(&r2);
}

/* Runs the snapshots (counts grow as a random walk around the same rates)
 * through one state and checks the running bounds. */
Test(sequential, running_intersection_never_widens_and_p_never_rises)
{
        unsigned long long rng = 3;
        struct sequential_state st = { 0 };
        struct statistics_settings s = statistics_settings_default();
        struct arm arms[2] = { { 0, 0 }, { 0, 0 } };
        double low = -INFINITY, high = INFINITY, p = 1;

        for (int look = 0; look < 60; look++) {
                for (int k = 0; k < 2; k++) {
                        arms[k].visitors += 400;
                        arms[k].conversions += 30 + (long long) (next_random(&rng) % 21);
                }
                struct mida_result r = make_result(arms, 2, "2024-01-01");
                struct experiment_analysis a;
                cr_assert_eq(analysis_run(&r, &s, &st, &a), 0);
                const struct variant_analysis *t = &a.variants[1];
                cr_assert(t->lift_low.valid);
                cr_expect(t->lift_low.value >= low && t->lift_high.value <= high, "look %d widened", look);
                cr_expect(t->p_value.value <= p, "look %d: p rose", look);
                low = t->lift_low.value;
                high = t->lift_high.value;
                p = t->p_value.value;
                experiment_analysis_free(&a);
                drop_result(&r);
        }
        sequential_state_free(&st);
}

static double running_low_after(struct sequential_state *st, const struct statistics_settings *s,
                                 struct arm *arms, const char *start)
{
        struct mida_result r = make_result(arms, 2, start);
        struct experiment_analysis a;
        double low;

        cr_assert_eq(analysis_run(&r, s, st, &a), 0);
        low = a.variants[1].lift_low.value;
        experiment_analysis_free(&a);
        drop_result(&r);
        return low;
}

Test(sequential, resets_on_restart)
{
        struct sequential_state st = { 0 }, first = { 0 }, second = { 0 };
        struct statistics_settings s = statistics_settings_default();
        struct arm big[] = { { 20000, 2000 }, { 20000, 2400 } }, small[] = { { 1000, 100 }, { 1000, 99 } };
        double fresh_small = running_low_after(&first, &s, small, "b");

        running_low_after(&st, &s, big, "a");
        /* counts went down: a new run; the old intersection must not carry over */
        cr_expect_eq(running_low_after(&st, &s, small, "a"), fresh_small);
        running_low_after(&st, &s, big, "a");
        struct arm bigger[] = { { 30000, 3000 }, { 30000, 3000 } };
        /* start_date changed with growing counts: also a new run */
        double after_restart = running_low_after(&st, &s, bigger, "c");
        double fresh = running_low_after(&second, &s, bigger, "c");
        cr_expect_eq(after_restart, fresh);
        sequential_state_free(&st);
        sequential_state_free(&first);
        sequential_state_free(&second);
}

/* Every number in the JSON is finite or null, and every null has a reason. */
static void expect_clean_json(const struct experiment_analysis *a)
{
        json_object *j = analysis_to_json(a), *variants;
        cr_assert_not_null(j);
        const char *text = json_object_to_json_string(j);

        cr_expect(!strstr(text, "nan") && !strstr(text, "inf") && !strstr(text, "NaN"), "%s", text);
        cr_assert(json_object_object_get_ex(j, "variants", &variants));
        for (size_t i = 0; i < json_object_array_length(variants); i++) {
                json_object *v = json_object_array_get_idx(variants, i), *value;
                bool has_null = false;
                json_object_object_foreach(v, key, val) {
                        (void) key;
                        has_null |= val == NULL;
                }
                cr_expect(!has_null || json_object_object_get_ex(v, "reason", &value), "null without reason: %s",
                          json_object_to_json_string(v));
        }
        json_object_put(j);
}

Test(degenerate, never_nan_always_a_reason)
{
        static const struct { struct arm arms[2]; const char *reason; } cases[] = {
                { { { 0, 0 }, { 100, 10 } }, "no visitors" },
                { { { 100, 0 }, { 100, 10 } }, "control has no conversions" },
                { { { 100, 10 }, { 100, 0 } }, "zero standard error" },
                { { { 100, 10 }, { 50, 60 } }, "exceed visitors" },
                { { { 100, 10 }, { -5, 3 } }, "negative" },
                { { { 1000000000, 100000000 }, { 1000000000, 100010000 } }, NULL },
                { { { 100, 100 }, { 100, 100 } }, "zero standard error" },
        };
        struct statistics_settings s = statistics_settings_default();

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct mida_result r = make_result(cases[i].arms, 2, NULL);
                struct experiment_analysis a;
                cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
                if (cases[i].reason)
                        cr_expect(strstr(note(a.variants[1].reason), cases[i].reason), "case %zu: reason \"%s\"", i,
                                  note(a.variants[1].reason));
                else
                        cr_expect(a.variants[1].p_value.valid && a.variants[1].prob_beat_control.valid, "10^9");
                expect_clean_json(&a);
                experiment_analysis_free(&a);
                drop_result(&r);
        }
}

/* The benchmark's building block says why it left figures null, without
 * allocating (its result is a constant string). */
Test(degenerate, compare_names_the_problem)
{
        struct statistics_settings s = statistics_settings_default();
        struct variant_analysis v = { 0 };

        cr_expect_null(analysis_compare(&(struct arm_counts) { 1000, 100 }, &(struct arm_counts) { 1000, 120 }, &s,
                                        true, &v));
        cr_expect(v.p_value.valid && v.prob_beat_control.valid);
        v = (struct variant_analysis) { 0 };
        cr_expect_str_eq(analysis_compare(&(struct arm_counts) { 0, 0 }, &(struct arm_counts) { 10, 1 }, &s, true, &v),
                         "the control has no visitors yet");
        cr_expect(!v.lift.valid && v.conversion_rate.valid);
        cr_expect_str_eq(analysis_compare(&(struct arm_counts) { 10, 0 }, &(struct arm_counts) { 10, 1 }, &s, false, &v),
                         "the control has no conversions: relative lift is undefined");
}

Test(degenerate, missing_counts_single_variant_and_no_control)
{
        struct arm arms[] = { { 100, 10 }, { 100, 12 } };
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;

        r.variants[1].has_visitors = false;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect_str_eq(note(a.variants[1].reason), "visitors missing");
        cr_expect(!a.srm_p.valid && strstr(note(a.srm_reason), "visitors missing"));
        expect_clean_json(&a);
        experiment_analysis_free(&a);

        r.variants[1].has_visitors = true;
        r.variants[0].is_control = false;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(strstr(note(a.variants[1].reason), "no control"));
        expect_clean_json(&a);
        experiment_analysis_free(&a);

        r.variants[0].is_control = true;
        r.n_variants = 1;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(!a.srm_p.valid && strstr(note(a.srm_reason), "single variant"));
        expect_clean_json(&a);
        experiment_analysis_free(&a);
        drop_result(&r);
}

Test(output, json_has_the_documented_fields)
{
        static const char *const experiment_keys[] = { "test_id", "visitors", "conversions", "srm_p", "srm",
                                                       "method", "alpha", "variants" };
        static const char *const variant_keys[] = { "variant_id", "name", "control", "visitors", "conversions",
                                                    "conversion_rate", "lift", "abs_lift", "lift_low",
                                                    "lift_high", "p_value", "p_value_adjusted", "significant",
                                                    "prob_beat_control" };
        struct arm arms[] = { { 1500, 120 }, { 1480, 148 } };
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;
        json_object *v;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        json_object *j = analysis_to_json(&a), *variants;
        for (size_t i = 0; i < sizeof(experiment_keys) / sizeof(experiment_keys[0]); i++)
                cr_expect(json_object_object_get_ex(j, experiment_keys[i], &v), "missing %s", experiment_keys[i]);
        cr_expect_str_eq(json_object_get_string(json_object_object_get(j, "method")), "sequential");
        cr_assert(json_object_object_get_ex(j, "variants", &variants));
        json_object *control = json_object_array_get_idx(variants, 0), *t = json_object_array_get_idx(variants, 1);
        for (size_t i = 0; i < sizeof(variant_keys) / sizeof(variant_keys[0]); i++) {
                cr_expect(json_object_object_get_ex(t, variant_keys[i], &v), "missing %s", variant_keys[i]);
                cr_expect(json_object_object_get_ex(control, variant_keys[i], &v) == (i < 6),
                          "control and %s", variant_keys[i]);
        }
        cr_expect_eq(json_object_get_double(json_object_object_get(t, "lift")), 0.25);
        cr_expect(!json_object_object_get_ex(t, "reason", &v), "no reason when nothing is null");
        json_object_put(j);
        experiment_analysis_free(&a);
        drop_result(&r);
}

Test(output, table_shows_dashes_for_null)
{
        struct arm arms[] = { { 100, 0 }, { 100, 12 } };
        struct mida_result r = make_result(arms, 2, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;
        char *text = NULL;
        size_t size = 0;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        FILE *f = open_memstream(&text, &size);
        analysis_print_table(f, &a);
        fclose(f);
        cr_expect(strstr(text, "—"), "%s", text);
        cr_expect(strstr(text, "control has no conversions"), "%s", text);
        cr_expect(!strstr(text, "nan") && !strstr(text, "inf"), "%s", text);
        free(text);
        experiment_analysis_free(&a);
        drop_result(&r);
}

/* What the daemon keeps between polls: every figure as analysed, NaN where
 * the analysis has null, the strings copied into the one block. */
Test(summary, keeps_the_figures_and_nulls)
{
        struct arm arms[] = { { 10000, 1000 }, { 10000, 1100 }, { 0, 0 } };
        struct mida_result r = make_result(arms, 3, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;
        struct analysis_summary *sum = NULL;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_assert_eq(analysis_summary_update(&sum, &a), 0);
        experiment_analysis_free(&a);   /* the summary owns its strings */
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect_eq(sum->test_id, 42);
        cr_expect_str_eq(sum->test_name, "test");
        cr_expect_eq(sum->status_code, 1);
        cr_expect_eq(sum->visitors, a.visitors);
        cr_expect_eq(sum->srm, a.srm.valid && a.srm.value);
        cr_expect(a.srm_p.valid ? sum->srm_p == a.srm_p.value : isnan(sum->srm_p));
        cr_assert_eq(sum->n_variants, 3);
        for (size_t i = 0; i < 3; i++) {
                const struct variant_summary *v = &sum->variants[i];
                const struct variant_analysis *w = &a.variants[i];
                cr_expect_str_eq(v->variant_id, w->variant_id);
                cr_expect_str_eq(v->name, w->name);
                cr_expect_eq(v->control, i == 0);
                cr_expect_eq(v->visitors, w->visitors);
                cr_expect_eq(v->counts_valid, w->counts_valid);
                cr_expect_eq(v->significant, w->significant.valid && w->significant.value);
                cr_expect(w->lift.valid ? v->lift == w->lift.value : isnan(v->lift), "variant %zu lift", i);
                cr_expect(w->lift_high.valid ? v->lift_high == w->lift_high.value : isnan(v->lift_high));
                cr_expect(w->p_value_adjusted.valid ? v->p_value_adjusted == w->p_value_adjusted.value
                                                    : isnan(v->p_value_adjusted));
        }
        cr_expect(isnan(sum->variants[0].lift), "the control has no lift");
        cr_expect(isnan(sum->variants[2].lift), "no visitors: no lift");
        cr_expect(!isnan(sum->variants[1].lift) && !isnan(sum->variants[1].prob_beat_control));
        cr_expect_eq(analysis_summary_find_variant(sum, "2"), 2);
        cr_expect_eq(analysis_summary_find_variant(sum, "9"), SIZE_MAX);
        cr_expect_eq(analysis_summary_find_variant(NULL, "1"), SIZE_MAX);
        cr_expect_eq(analysis_summary_control(sum), &sum->variants[0]);
        analysis_summary_free(sum);
        experiment_analysis_free(&a);
        drop_result(&r);
}

/* The daemon's poll after poll: the same block while the variants stay,
 * a larger one when they grow. */
Test(summary, updates_in_place_while_it_fits)
{
        struct arm two[] = { { 100, 10 }, { 100, 12 } }, three[] = { { 100, 10 }, { 120, 15 }, { 90, 9 } };
        struct mida_result r2 = make_result(two, 2, NULL), r3 = make_result(three, 3, NULL);
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;
        struct analysis_summary *sum = NULL, *first;

        cr_assert_eq(analysis_run(&r2, &s, NULL, &a), 0);
        cr_assert_eq(analysis_summary_update(&sum, &a), 0);
        first = sum;
        experiment_analysis_free(&a);
        two[1].conversions = 20;
        drop_result(&r2);
        r2 = make_result(two, 2, NULL);
        cr_assert_eq(analysis_run(&r2, &s, NULL, &a), 0);
        cr_assert_eq(analysis_summary_update(&sum, &a), 0);
        cr_expect_eq(sum, first, "same variants: the same block");
        cr_expect_eq(sum->variants[1].conversions, 20);
        cr_expect(sum->variants[1].lift == a.variants[1].lift.value);
        experiment_analysis_free(&a);
        cr_assert_eq(analysis_run(&r3, &s, NULL, &a), 0);
        cr_assert_eq(analysis_summary_update(&sum, &a), 0);
        cr_expect_eq(sum->n_variants, 3);
        cr_expect_str_eq(sum->variants[2].variant_id, "2");
        cr_expect_eq(sum->variants[2].visitors, 90);
        analysis_summary_free(sum);
        experiment_analysis_free(&a);
        drop_result(&r2);
        drop_result(&r3);
}
