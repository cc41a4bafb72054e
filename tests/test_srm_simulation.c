/* Why the default sample-ratio test is the sequential one: the daemon
 * checks SRM every cycle, so it peeks exactly like the lift test. The log
 * Bayes factor of Lindon & Malek against values computed independently
 * (mpmath, 40 digits); then 2000 A/A experiments split 50/50 and looked at
 * 500 times each through the real analysis with its running state: how
 * many are ever flagged at srm_alpha 0.001 by the sequential test and, on
 * the same data, by the fixed χ². Deterministic: fixed seeds. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>

#include "sim_rng.h"
#include "stats/analysis.h"
#include "stats/stats.h"

#define EXPERIMENTS 2000
#define LOOKS 500
#define VISITORS_PER_LOOK 100

static void expect_log_bf(const double *x, const double *w, size_t k, double c, double want)
{
        double got = stats_srm_log_bf(x, w, k, c);

        cr_expect(fabs(got - want) <= 1e-9 * fabs(want), "log BF of %g/%g (c %g): got %.17g, want %.17g", x[0], x[1], c,
                  got, want);
}

Test(srm_sequential, log_bayes_factor_reference_values)
{
        /* mpmath.loggamma at 40 digits, from the formula in stats.h. */
        expect_log_bf((double[]) { 10000, 10300 }, NULL, 2, 1000, 0.58325331203510352);
        expect_log_bf((double[]) { 5200, 4800 }, NULL, 2, 1000, 6.0758176515789688);
        expect_log_bf((double[]) { 1200, 800 }, NULL, 2, 1000, 26.205744339378282);
        expect_log_bf((double[]) { 600, 300, 310 }, (double[]) { 2, 1, 1 }, 3, 100, -2.4692716785532906);
        expect_log_bf((double[]) { 480000, 520000 }, NULL, 2, 1000, 795.95980168223001);
        cr_expect(isnan(stats_srm_log_bf((double[]) { 5, 5 }, (double[]) { 1, 0 }, 2, 1000)),
                  "traffic where the weight is 0");
        cr_expect(isnan(stats_srm_log_bf((double[]) { 5 }, NULL, 1, 1000)), "one arm");
        cr_expect(isnan(stats_srm_log_bf((double[]) { 5, 5 }, NULL, 2, 0)), "no prior");
}

Test(srm_sequential, running_minimum_kept_and_reset_with_the_experiment)
{
        struct mida_variant v[2] = {
                { .variant_id = "0", .visitors = 1200, .conversions = 10, .has_visitors = true, .has_conversions = true,
                  .is_control = true },
                { .variant_id = "1", .visitors = 800, .conversions = 10, .has_visitors = true, .has_conversions = true },
        };
        struct mida_result r = { .test_id = 1, .start_date = "2024-01-01", .n_variants = 2, .variants = v };
        struct statistics_settings s = statistics_settings_default();
        struct sequential_state state = { 0 };
        struct experiment_analysis a;

        cr_assert_eq(analysis_run(&r, &s, &state, &a), 0);
        cr_expect(fabs(a.srm_p.value - exp(-26.205744339378282)) <= 1e-9 * a.srm_p.value);
        cr_expect(a.srm.value);
        experiment_analysis_free(&a);
        v[1].visitors = 30000;   /* a later look that alone would not flag... */
        v[0].visitors = 30400;
        cr_assert_eq(analysis_run(&r, &s, &state, &a), 0);
        cr_expect(a.srm.value && a.srm_p.value < 1e-11, "...keeps the running minimum: %g", a.srm_p.value);
        experiment_analysis_free(&a);
        r.start_date = "2024-02-01";   /* restarted: the minimum starts over */
        cr_assert_eq(analysis_run(&r, &s, &state, &a), 0);
        cr_expect(!a.srm.value && a.srm_p.value > 0.001, "after a restart: %g", a.srm_p.value);
        experiment_analysis_free(&a);
        s.srm_method = STATS_SRM_CHI2;
        cr_assert_eq(analysis_run(&r, &s, &state, &a), 0);
        cr_expect(fabs(a.srm_p.value - stats_srm_p((double[]) { 30400, 30000 }, NULL, 2)) < 1e-15, "chi2 on request");
        experiment_analysis_free(&a);
        sequential_state_free(&state);
}

/* One look: SRM flagged by the sequential test (running state) and by χ². */
static void look(const long long visitors[2], struct sequential_state *state, bool *sequential, bool *chi2)
{
        struct mida_variant v[2];
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis a;

        for (int k = 0; k < 2; k++)
                v[k] = (struct mida_variant) { .variant_id = k ? "1" : "0", .visitors = visitors[k],
                                               .conversions = visitors[k] / 10, .has_visitors = true,
                                               .has_conversions = true, .is_control = k == 0 };
        struct mida_result r = { .test_id = 1, .start_date = "2024-01-01", .n_variants = 2, .variants = v };
        cr_assert_eq(analysis_run(&r, &s, state, &a), 0);
        *sequential = *sequential || (a.srm.valid && a.srm.value);
        experiment_analysis_free(&a);
        *chi2 = *chi2 || stats_srm_p((double[]) { (double) visitors[0], (double) visitors[1] }, NULL, 2) < s.srm_alpha;
}

Test(srm_sequential, aa_ever_flagged_rate_stays_within_alpha, .timeout = 600)
{
        struct rng rng = { 20261207 };
        int flagged_sequential = 0, flagged_chi2 = 0;

        for (int e = 0; e < EXPERIMENTS; e++) {
                long long visitors[2] = { 0, 0 };
                struct sequential_state state = { 0 };
                bool sequential = false, chi2 = false;

                for (int l = 0; l < LOOKS; l++) {
                        for (int i = 0; i < VISITORS_PER_LOOK; i++)
                                visitors[rng_next(&rng) >> 63]++;
                        look(visitors, &state, &sequential, &chi2);
                }
                flagged_sequential += sequential;
                flagged_chi2 += chi2;
                sequential_state_free(&state);
        }
        cr_log_info("A/A SRM, %d experiments x %d looks (%d visitors each, 50/50): ever flagged at 0.001: "
                    "sequential %d (%.2f %%), chi2 %d (%.2f %%)", EXPERIMENTS, LOOKS, VISITORS_PER_LOOK,
                    flagged_sequential, 100.0 * flagged_sequential / EXPERIMENTS, flagged_chi2,
                    100.0 * flagged_chi2 / EXPERIMENTS);
        printf("A/A SRM: sequential %d of %d ever flagged, chi2 %d of %d\n", flagged_sequential, EXPERIMENTS,
               flagged_chi2, EXPERIMENTS);
        /* Binomial(2000, 0.001): mean 2; 7 or more has probability < 0.5 %. */
        cr_expect_leq(flagged_sequential, 6, "the sequential test flagged %d of %d A/A experiments",
                      flagged_sequential, EXPERIMENTS);
        cr_expect_gt(flagged_chi2, 2 * flagged_sequential + 10, "chi2 peeked at %d looks should flag far more: %d",
                     LOOKS, flagged_chi2);
}
