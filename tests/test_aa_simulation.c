/* Why the default is the sequential method: the daemon looks at every
 * experiment again and again. This simulates 2000 A/A experiments (no true
 * difference) looked at 30 times each, through the real analysis pipeline
 * with its running state, and counts how many are ever declared significant.
 * A fixed-horizon test peeked at 30 times is wrong far more often than
 * alpha; the always-valid sequential test stays within alpha. A power
 * simulation (true lift +10 %) is printed for information. Deterministic:
 * fixed seeds, no wall clock. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_rng.h"
#include "stats/analysis.h"

#define LOOKS 30
#define VISITORS_PER_LOOK 500   /* per arm, between two looks */
#define BASE_RATE 0.10

struct outcome {
        int ever_significant;      /* at any of the looks */
        int significant_at_end;    /* at the last look */
};

/* One analysis of the current counts, updating the method's running state. */
static bool look(const long long visitors[2], const long long conversions[2], enum stats_method method,
                 struct sequential_state *state)
{
        struct mida_variant v[2];
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;

        for (int k = 0; k < 2; k++)
                v[k] = (struct mida_variant) { .variant_id = k ? "1" : "0", .visitors = visitors[k],
                                               .conversions = conversions[k], .has_visitors = true,
                                               .has_conversions = true, .is_control = k == 0 };
        struct mida_result r = { .test_id = 1, .start_date = "2024-01-01", .n_variants = 2, .variants = v };
        s.method = method;
        cr_assert_eq(analysis_run(&r, &s, state, &a), 0);
        bool significant = a.variants[1].significant.valid && a.variants[1].significant.value;
        experiment_analysis_free(&a);
        return significant;
}

/* Runs n experiments with the given rates; both methods see the same data. */
static void simulate(int n, double rate_t, unsigned long long seed, struct outcome out[2])
{
        struct rng rng = { seed };
        const enum stats_method methods[2] = { STATS_METHOD_FIXED, STATS_METHOD_SEQUENTIAL };

        out[0] = out[1] = (struct outcome) { 0 };
        for (int e = 0; e < n; e++) {
                long long visitors[2] = { 0, 0 }, conversions[2] = { 0, 0 };
                struct sequential_state states[2] = { { 0 }, { 0 } };
                bool ever[2] = { false, false }, last[2] = { false, false };
                for (int l = 0; l < LOOKS; l++) {
                        for (int k = 0; k < 2; k++) {
                                visitors[k] += VISITORS_PER_LOOK;
                                conversions[k] += rng_binomial(&rng, VISITORS_PER_LOOK, k ? rate_t : BASE_RATE);
                        }
                        for (int m = 0; m < 2; m++) {
                                last[m] = look(visitors, conversions, methods[m], &states[m]);
                                ever[m] |= last[m];
                        }
                }
                for (int m = 0; m < 2; m++) {
                        out[m].ever_significant += ever[m];
                        out[m].significant_at_end += last[m];
                        sequential_state_free(&states[m]);
                }
        }
}

Test(simulation, aa_peeking_fixed_inflates_sequential_holds, .timeout = 600)
{
        const int n = 2000;
        const double alpha = statistics_settings_default().alpha;
        struct outcome o[2];

        simulate(n, BASE_RATE, 20240115, o);
        double fixed = (double) o[0].ever_significant / n, sequential = (double) o[1].ever_significant / n;

        printf("{\"simulation\": \"aa\", \"experiments\": %d, \"looks\": %d, \"alpha\": %g, "
               "\"fixed_false_positive_rate\": %.4f, \"sequential_false_positive_rate\": %.4f}\n",
               n, LOOKS, alpha, fixed, sequential);
        fflush(stdout);
        cr_log_info("A/A, %d looks: fixed %.1f %% ever significant, sequential %.1f %% (alpha %.0f %%)", LOOKS,
                    fixed * 100, sequential * 100, alpha * 100);
        cr_expect(fixed > 2 * alpha, "peeking should inflate the fixed test: %.4f", fixed);
        cr_expect(sequential <= alpha, "the sequential test must stay within alpha: %.4f", sequential);
        /* at a single planned look the fixed test is itself valid */
        cr_expect((double) o[0].significant_at_end / n < 2 * alpha);
}

Test(simulation, power_at_ten_percent_lift, .timeout = 600)
{
        const int n = 400;
        struct outcome o[2];

        simulate(n, BASE_RATE * 1.10, 7, o);
        double fixed = (double) o[0].significant_at_end / n, sequential = (double) o[1].significant_at_end / n;

        printf("{\"simulation\": \"power\", \"true_lift\": 0.10, \"experiments\": %d, \"looks\": %d, "
               "\"visitors_per_arm_at_end\": %d, \"fixed_power_at_last_look\": %.4f, "
               "\"sequential_power_by_last_look\": %.4f}\n",
               n, LOOKS, LOOKS * VISITORS_PER_LOOK, fixed, sequential);
        fflush(stdout);
        cr_log_info("+10 %% lift: fixed detects %.1f %% at the last look, sequential %.1f %% by then", fixed * 100,
                    sequential * 100);
        /* informational; only sanity: the true effect is found more often than the null */
        cr_expect(fixed > 0.1 && sequential > 0.05);
}
