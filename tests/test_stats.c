/* Tests of src/stats/stats.c and stats_beta.c: the reference values of
 * ENGINEERING.md §4, and each function against values computed
 * independently with mpmath at 40 digits (erfc, gammainc, findroot) or by an
 * exact computation written out in this file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>

#include "stats/stats.h"

static void expect_rel(double got, double want, double tol, const char *what)
{
        double err = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
        cr_expect(err <= tol, "%s: got %.17g, want %.17g (relative error %.3g > %.3g)", what, got, want, err, tol);
}

/* ---- §4 reference values ---- */

Test(reference, fixed_lift_se_p)
{
        struct stats_lift l;

        cr_assert_eq(stats_delta_lift(14, 28, 16, 30, &l), 0);
        expect_rel(l.lift, 0.066667, 1e-5, "lift");
        expect_rel(l.se, 0.27170, 1e-4, "se");
        expect_rel(stats_fixed_p(l.lift / l.se), 0.80617, 1e-5, "p");
        /* and to full precision (mpmath): */
        expect_rel(l.se, 0.27169855689735604502, 1e-13, "se exact");
        expect_rel(stats_fixed_p(l.lift / l.se), 0.80616997911151990905, 1e-13, "p exact");
}

Test(reference, sequential_half_width_and_p)
{
        struct stats_lift l;
        double rho2 = stats_mixture_rho2(0.05, 5000);

        cr_assert_eq(stats_delta_lift(1000, 10000, 1100, 10000, &l), 0);
        expect_rel(stats_mixture_half_width(l.se, 20000, rho2, 0.05), 0.14221, 1e-4, "half-width");
        expect_rel(stats_mixture_p(l.lift / l.se, 20000, rho2), 0.54904, 1e-4, "p");
        expect_rel(stats_mixture_half_width(l.se, 20000, rho2, 0.05), 0.14220635376208541141, 1e-12, "hw exact");
        expect_rel(stats_mixture_p(l.lift / l.se, 20000, rho2), 0.54903794434520689652, 1e-12, "p exact");
}

Test(reference, srm)
{
        const double visitors[] = { 10000, 10300 };

        expect_rel(stats_srm_p(visitors, NULL, 2), 0.035240, 1e-4, "srm p");
        expect_rel(stats_srm_p(visitors, NULL, 2), 0.035240223824274528308, 1e-12, "srm p exact");
}

Test(reference, holm)
{
        double p[] = { 0.01, 0.04, 0.03, 0.005 };
        const double want[] = { 0.03, 0.06, 0.06, 0.02 };
        size_t scratch[4];

        stats_holm(p, 4, scratch);
        for (int i = 0; i < 4; i++)
                expect_rel(p[i], want[i], 1e-12, "holm");
}

/* ---- normal distribution (mpmath: erfc(x/√2)/2 and findroot of Φ(x) = p) ---- */

Test(normal, upper_tail_is_accurate_far_out)
{
        static const struct { double x, q; } cases[] = {
                { 1.5, 0.066807201268858066004 }, { 3, 0.0013498980316300945267 },
                { 5, 2.8665157187919391167e-7 },  { 10, 7.619853024160526066e-24 },
                { 20, 2.7536241186062336951e-89 }, { 37, 5.7255712225245768227e-300 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                expect_rel(stats_normal_upper_tail(cases[i].x), cases[i].q, 1e-12, "upper tail");
                expect_rel(stats_normal_cdf(-cases[i].x), cases[i].q, 1e-12, "lower tail");
        }
        expect_rel(stats_normal_cdf(0), 0.5, 1e-15, "cdf(0)");
        expect_rel(stats_normal_cdf(1.5), 1 - 0.066807201268858066004, 1e-15, "cdf(1.5)");
}

Test(normal, quantile_matches_reference)
{
        static const struct { double p, x; } cases[] = {
                { 1e-300, -37.047096299361199237 }, { 1e-100, -21.273453560965324295 },
                { 1e-20, -9.2623400897984075737 },  { 1e-10, -6.3613409024040562047 },
                { 0.001, -3.0902323061678135415 },  { 0.025, -1.9599639845400542355 },
                { 0.2, -0.84162123357291420518 },   { 0.7, 0.52440051270804078404 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                expect_rel(stats_normal_quantile(cases[i].p), cases[i].x, 1e-14, "quantile");
        cr_expect_eq(stats_normal_quantile(0.5), 0.0);
        cr_expect(isinf(stats_normal_quantile(0)) && stats_normal_quantile(0) < 0);
        cr_expect(isinf(stats_normal_quantile(1)) && stats_normal_quantile(1) > 0);
        cr_expect(isnan(stats_normal_quantile(-0.1)) && isnan(stats_normal_quantile(1.5)));
        cr_expect(isnan(stats_normal_quantile(NAN)));
}

Test(normal, quantile_inverts_cdf_in_the_tails)
{
        for (double p = 1e-300; p < 0.5; p *= 7.3)
                expect_rel(stats_normal_cdf(stats_normal_quantile(p)), p, 1e-12, "cdf(quantile(p))");
}

/* ---- chi-square (mpmath gammainc(df/2, x/2, inf, regularized)) ---- */

Test(chisq, matches_reference)
{
        static const struct { double x, df, p; } cases[] = {
                { 18.307, 10, 0.050000589091398120291 }, { 200, 150, 0.0039731859708216113254 },
                { 3, 7.5, 0.91256878763532948793 },     { 1000, 1000, 0.49405285382923964195 },
                { 1100, 1000, 0.014614408126295194045 }, { 0.5, 3, 0.91889141165467585936 },
                { 60, 4, 2.9008631203404541275e-12 },   { 0.001, 1, 0.97477287936996038828 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                expect_rel(stats_chisq_upper_tail(cases[i].x, cases[i].df), cases[i].p, 1e-11, "chisq");
}

Test(chisq, closed_forms)
{
        for (double x = 0.01; x < 700; x *= 1.9) {
                /* df = 2: exp(−x/2); df = 1: erfc(√(x/2)). */
                expect_rel(stats_chisq_upper_tail(x, 2), exp(-x / 2), 1e-12, "df 2");
                expect_rel(stats_chisq_upper_tail(x, 1), erfc(sqrt(x / 2)), 1e-11, "df 1");
        }
        cr_expect_eq(stats_chisq_upper_tail(0, 3), 1.0);
        cr_expect(isnan(stats_chisq_upper_tail(1, 0)));
        cr_expect(isnan(stats_gamma_q(1, -1)));
}

/* ---- lift and tests ---- */

Test(lift, degenerate_inputs_are_edom)
{
        struct stats_lift l;

        cr_expect_eq(stats_delta_lift(0, 100, 5, 100, &l), -EDOM, "control without conversions");
        cr_expect_eq(stats_delta_lift(5, 0, 5, 100, &l), -EDOM, "no control visitors");
        cr_expect_eq(stats_delta_lift(5, 100, 0, 0, &l), -EDOM, "no treatment visitors");
        cr_expect_eq(stats_delta_lift(5, 100, 101, 100, &l), -EDOM, "conversions > visitors");
        cr_expect_eq(stats_delta_lift(-1, 100, 5, 100, &l), -EDOM, "negative");
        cr_expect_eq(stats_delta_lift(NAN, 100, 5, 100, &l), -EDOM, "nan");
        cr_expect_eq(stats_delta_lift(5, 100, 0, 100, &l), 0);
        cr_expect_eq(l.se, 0.0, "no treatment conversions: zero variance, not NaN");
}

Test(lift, swapping_arms_flips_abs_lift)
{
        struct stats_lift ab, ba;

        cr_assert_eq(stats_delta_lift(120, 1500, 148, 1480, &ab), 0);
        cr_assert_eq(stats_delta_lift(148, 1480, 120, 1500, &ba), 0);
        expect_rel(ab.abs_lift, -ba.abs_lift, 1e-15, "abs lift");
        /* relative lift: (1 + L_ab)(1 + L_ba) = 1 */
        expect_rel((1 + ab.lift) * (1 + ba.lift), 1.0, 1e-15, "lift product");
}

Test(tests, p_at_the_interval_edge_is_alpha)
{
        /* Independent consistency: an estimate exactly at the edge of the
         * 1−α interval has p = α, for both methods. */
        const double alphas[] = { 0.2, 0.05, 0.01, 0.001 };
        for (size_t i = 0; i < 4; i++) {
                double a = alphas[i], se = 0.031;
                expect_rel(stats_fixed_p(stats_fixed_half_width(se, a) / se), a, 1e-12, "fixed");
                for (double n = 100; n < 1e8; n *= 10) {
                        double rho2 = stats_mixture_rho2(a, 5000);
                        double hw = stats_mixture_half_width(se, n, rho2, a);
                        expect_rel(stats_mixture_p(hw / se, n, rho2), a, 1e-12, "sequential");
                }
        }
        expect_rel(stats_fixed_half_width(1, 0.05), 1.959963984540054, 1e-15, "z 0.975");
}

Test(tests, sequential_is_wider_than_fixed_and_p_in_range)
{
        for (double n = 10; n < 1e9; n *= 3.7)
                for (double z = 0; z < 8; z += 0.25) {
                        double rho2 = stats_mixture_rho2(0.05, 5000);
                        double p = stats_mixture_p(z, n, rho2);
                        cr_expect(stats_mixture_half_width(0.01, n, rho2, 0.05) > stats_fixed_half_width(0.01, 0.05));
                        cr_expect(p >= 0 && p <= 1, "p %g at n %g z %g", p, n, z);
                        cr_expect(p >= stats_fixed_p(z), "sequential p is never below fixed p");
                        cr_expect(stats_fixed_p(z) >= 0 && stats_fixed_p(z) <= 1);
                }
}

/* ---- corrections ---- */

Test(corrections, holm_is_monotone_and_bounded)
{
        double p[] = { 0.5, 0.001, 0.9, 0.02, 0.02, 0.3 };
        /* By hand: sorted 0.001·6, 0.02·5, 0.02·4 → max, 0.3·3, 0.5·2, 0.9·1 → max. */
        const double want[] = { 1.0, 0.006, 1.0, 0.1, 0.1, 0.9 };
        size_t scratch[6];

        stats_holm(p, 6, scratch);
        for (int i = 0; i < 6; i++)
                expect_rel(p[i], want[i], 1e-12, "holm");
        stats_holm(p, 0, scratch);   /* no variants: nothing to do, no crash */
}

Test(corrections, bonferroni)
{
        double p[] = { 0.01, 0.3, 0.04 };

        stats_bonferroni(p, 3);
        expect_rel(p[0], 0.03, 1e-15, "b0");
        expect_rel(p[1], 0.9, 1e-15, "b1");
        expect_rel(p[2], 0.12, 1e-15, "b2");
}

/* ---- SRM ---- */

Test(srm, weights_and_degenerate_inputs)
{
        const double even[] = { 5000, 5000 }, three[] = { 2000, 1000, 1000 };
        const double weights[] = { 2, 1, 1 }, zero_weight[] = { 1, 0 }, with_traffic[] = { 100, 3 };

        cr_expect_eq(stats_srm_p(even, NULL, 2), 1.0);
        cr_expect_eq(stats_srm_p(three, weights, 3), 1.0, "matches 2:1:1");
        cr_expect(stats_srm_p(three, NULL, 3) < 1e-100, "not 1:1:1");
        cr_expect(isnan(stats_srm_p(even, NULL, 1)), "one arm");
        cr_expect(isnan(stats_srm_p((const double[]) { 0, 0 }, NULL, 2)), "no visitors");
        cr_expect(isnan(stats_srm_p((const double[]) { -1, 5 }, NULL, 2)), "negative");
        cr_expect(isnan(stats_srm_p(with_traffic, zero_weight, 2)), "traffic where weight is 0");
}

/* ---- P(B > A) ---- */

/* Exact P(p_B > p_A) by Evan Miller's finite sum (one term per conversion of
 * B, in long double log space): independent of the quadrature under test. */
static double exact_prob_beat(double conv_b, double n_b, double conv_a, double n_a)
{
        long double aa = conv_a + 1, ba = n_a - conv_a + 1, ab = conv_b + 1, bb = n_b - conv_b + 1;
        long double lbeta_a = lgammal(aa) + lgammal(ba) - lgammal(aa + ba), sum = 0;

        for (long i = 0; i < (long) ab; i++)
                sum += expl(lgammal(aa + i) + lgammal(ba + bb) - lgammal(aa + i + ba + bb) - logl(bb + i) -
                            (lgammal(1 + i) + lgammal(bb) - lgammal(1 + i + bb)) - lbeta_a);
        return (double) sum;
}

Test(prob_beat, matches_exact_sum)
{
        static const double cases[][4] = {
                { 16, 30, 14, 28 },      { 0, 100, 0, 100 },         { 0, 10, 3, 10 },
                { 1, 1000000, 3, 1000000 }, { 30, 100, 25, 100 },    { 1100, 10000, 1000, 10000 },
                { 50, 1000, 1, 10 },     { 5, 10000000, 2, 100 },    { 2000, 1000000, 1990, 1000000 },
                { 0, 0, 0, 0 },          { 3, 3, 1, 2 },             { 100, 100, 99, 100 },
                { 50000, 1000000, 50500, 1000000 }, { 25, 100, 5000, 10000000 },
                /* 10^7 visitors per arm, 10^5 conversions: the largest the sum can do quickly */
                { 100000, 10000000, 99000, 10000000 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const double *c = cases[i];
                double got = stats_prob_beat(c[0], c[1], c[2], c[3]), want = exact_prob_beat(c[0], c[1], c[2], c[3]);
                cr_expect(fabs(got - want) < 1e-7, "%g/%g vs %g/%g: %.12f, exact %.12f", c[0], c[1], c[2], c[3],
                          got, want);
        }
}

Test(prob_beat, symmetric_and_in_range_at_any_scale)
{
        static const double cases[][4] = {
                { 0, 1000000000, 0, 1000000000 }, { 500000000, 1000000000, 499990000, 1000000000 },
                { 1e7, 1e7, 1e7, 1e7 },          { 1e7, 1e7, 0, 1e7 }, { 7, 1e9, 3, 1e9 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const double *c = cases[i];
                double ab = stats_prob_beat(c[0], c[1], c[2], c[3]), ba = stats_prob_beat(c[2], c[3], c[0], c[1]);
                cr_expect(ab >= 0 && ab <= 1, "in [0, 1]: %g", ab);
                cr_expect(fabs(ab + ba - 1) < 1e-7, "P(A>B) + P(B>A) = 1: %.12f + %.12f", ab, ba);
        }
        /* identical arms: exactly a coin flip */
        cr_expect(fabs(stats_prob_beat(123456, 1e8, 123456, 1e8) - 0.5) < 1e-9);
        /* clearly apart at 10^9 visitors */
        cr_expect(stats_prob_beat(100100000, 1e9, 100000000, 1e9) > 0.999999);
}

Test(prob_beat, normal_limit_at_large_counts)
{
        /* For large counts the posteriors are normal: P ≈ Φ(Δ/√(v_a + v_b)).
         * Independent check where the exact sum would need 10^8 terms. */
        double ct = 100300000, cc = 100000000, n = 1e9;
        double pt = ct / n, pc = cc / n;
        double z = (pt - pc) / sqrt(pt * (1 - pt) / n + pc * (1 - pc) / n);

        cr_expect(fabs(stats_prob_beat(ct, n, cc, n) - stats_normal_cdf(z)) < 1e-4);
}

Test(prob_beat, invalid_counts_are_nan)
{
        cr_expect(isnan(stats_prob_beat(5, 4, 1, 10)));
        cr_expect(isnan(stats_prob_beat(-1, 4, 1, 10)));
        cr_expect(isnan(stats_prob_beat(1, 4, 1, INFINITY)));
}
