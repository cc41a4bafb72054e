/* Time to decision: the visitors until a variant's interval would exclude
 * 0 if the observed rates held, against values computed independently
 * (Python, the formula of ENGINEERING.md §4 with a bisection of its own);
 * its fields in the analysis; and a simulation: fed the expected counts of
 * day 3 of a 10 % → 11 % experiment at 2,000 visitors a day, the predicted
 * day against the median day on which simulated experiments with those
 * true rates first become significant under the sequential test. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_rng.h"
#include "stats/analysis.h"
#include "stats/stats.h"

static const struct {
        double cc, nc, ct, nt, alpha;
        double sequential, fixed;   /* N', both arms */
} references[] = {
        { 300, 3000, 330, 3000, 0.05, 42922, 15889 },
        { 150, 1500, 120, 1480, 0.05, 6913, 2980 },
        { 1000, 10000, 1100, 10000, 0.05, 42922, 20000 },   /* fixed: decided already */
        { 80, 1000, 70, 1000, 0.05, 24080, 9331 },
        { 300, 3000, 330, 3000, 0.025, 49908, 20779 },
};

Test(decision, visitors_against_reference_values)
{
        for (size_t i = 0; i < sizeof(references) / sizeof(references[0]); i++) {
                struct stats_lift l;
                double n = references[i].nc + references[i].nt, alpha = references[i].alpha;

                cr_assert_eq(stats_delta_lift(references[i].cc, references[i].nc, references[i].ct, references[i].nt, &l), 0);
                double seq = stats_visitors_to_decision(l.lift, l.se, n, true, stats_mixture_rho2(alpha, 5000), alpha);
                double fixed = stats_visitors_to_decision(l.lift, l.se, n, false, 0, alpha);

                cr_expect(fabs(seq - references[i].sequential) <= 1, "case %zu sequential: %.0f, want %.0f", i, seq,
                          references[i].sequential);
                cr_expect(fabs(fixed - references[i].fixed) <= 1, "case %zu fixed: %.0f, want %.0f", i, fixed,
                          references[i].fixed);
        }
        cr_expect(isnan(stats_visitors_to_decision(0, 0.1, 1000, true, 0.001, 0.05)), "no lift");
        cr_expect(isnan(stats_visitors_to_decision(1e-9, 0.1, 1000, true, 0.001, 0.05)), "beyond any traffic");
}

static struct mida_variant arm(const char *id, long long visitors, long long conversions, bool control)
{
        return (struct mida_variant) { .variant_id = (char *) id, .visitors = visitors, .conversions = conversions,
                                       .has_visitors = true, .has_conversions = true, .is_control = control };
}

Test(decision, fields_of_the_analysis)
{
        struct mida_variant v[3] = { arm("0", 3000, 300, true), arm("1", 3000, 330, false), arm("2", 3000, 300, false) };
        struct mida_result r = { .test_id = 1, .days_running = 3, .n_variants = 2, .variants = v };
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect_eq(a.variants[1].visitors_to_decision.value, 42922 - 6000);
        cr_expect(fabs(a.variants[1].days_to_decision.value - 36922.0 / 2000) < 1e-9, "2000 visitors a day");
        cr_expect(a.variants[1].underpowered.valid && !a.variants[1].underpowered.value);
        analysis_set_traffic(&a, 500, &s);   /* the last week's traffic, from history */
        cr_expect(fabs(a.variants[1].days_to_decision.value - 36922.0 / 500) < 1e-9);
        cr_expect(a.variants[1].underpowered.value, "73.8 days > 56");
        analysis_set_traffic(&a, 0, &s);
        cr_expect(!a.variants[1].days_to_decision.valid && a.variants[1].decision_reason, "flat traffic");
        experiment_analysis_free(&a);

        r.n_variants = 3;   /* a third arm: alpha / 2, and 9000 visitors of which the pair gets 2/3 */
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect_eq(a.variants[1].visitors_to_decision.value, ceil((49908 - 6000) * 1.5));
        cr_expect_str_eq(a.variants[2].decision_reason, "no lift to decide on");
        cr_expect(!a.variants[2].days_to_decision.valid);
        experiment_analysis_free(&a);

        s.decision_horizon_days = 10;
        r.n_variants = 2;
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(a.variants[1].underpowered.value, "18.5 days > a horizon of 10");
        experiment_analysis_free(&a);

        v[1] = arm("1", 3000, 400, false);
        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        cr_expect(a.variants[1].significant.value);
        cr_expect_str_eq(a.variants[1].decision_reason, "already decided: significant");
        experiment_analysis_free(&a);
}

static int compare_days(const void *a, const void *b)
{
        return *(const int *) a - *(const int *) b;
}

#define PER_DAY 2000
#define EXPERIMENTS 4000
#define MAX_DAYS 200

/* The first day an experiment with true rates 10 % and 11 % is significant
 * under the sequential test, looked at once a day; MAX_DAYS if never. */
static int first_significant_day(struct rng *rng)
{
        long long visitors[2] = { 0, 0 }, conversions[2] = { 0, 0 };
        struct sequential_state state = { 0 };
        struct statistics_settings s = statistics_settings_default();
        int day = 1;

        for (; day < MAX_DAYS; day++) {
                struct mida_variant v[2];
                struct experiment_analysis a;

                for (int k = 0; k < 2; k++) {
                        visitors[k] += PER_DAY / 2;
                        conversions[k] += rng_binomial(rng, PER_DAY / 2, k ? 0.11 : 0.10);
                        v[k] = arm(k ? "1" : "0", visitors[k], conversions[k], k == 0);
                }
                struct mida_result r = { .test_id = 1, .start_date = "2024-01-01", .days_running = day, .n_variants = 2,
                                         .variants = v };
                cr_assert_eq(analysis_run(&r, &s, &state, &a), 0);
                bool significant = a.variants[1].significant.valid && a.variants[1].significant.value;
                experiment_analysis_free(&a);
                if (significant)
                        break;
        }
        sequential_state_free(&state);
        return day;
}

Test(decision, predicted_day_against_a_simulation, .timeout = 600)
{
        struct mida_variant v[2] = { arm("0", 3000, 300, true), arm("1", 3000, 330, false) };
        struct mida_result r = { .test_id = 1, .days_running = 3, .n_variants = 2, .variants = v };
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;
        struct rng rng = { 42 };
        int days[EXPERIMENTS];
        double predicted, median;

        cr_assert_eq(analysis_run(&r, &s, NULL, &a), 0);
        predicted = 3 + a.variants[1].days_to_decision.value;
        experiment_analysis_free(&a);
        for (int e = 0; e < EXPERIMENTS; e++)
                days[e] = first_significant_day(&rng);
        qsort(days, EXPERIMENTS, sizeof(days[0]), compare_days);
        median = (days[EXPERIMENTS / 2 - 1] + days[EXPERIMENTS / 2]) / 2.0;
        printf("time to decision: predicted on day 3: day %.1f; simulated (%d experiments, 10 %% -> 11 %%, %d a day): "
               "median first significant day %.1f, quartiles %d and %d\n", predicted, EXPERIMENTS, PER_DAY, median,
               days[EXPERIMENTS / 4], days[3 * EXPERIMENTS / 4]);
        cr_expect(fabs(predicted - median) <= 0.25 * median, "predicted day %.1f, simulated median %.1f", predicted, median);
}
