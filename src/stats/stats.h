/* Pure statistics for conversion experiments: normal and chi-square tails,
 * the delta-method lift, fixed-horizon and always-valid (sequential) tests,
 * multiple-comparison corrections, P(B > A) for Beta posteriors and the
 * sample-ratio-mismatch test. No I/O, no allocation, no global state.
 *
 * Functions returning a double return NaN for arguments outside their domain
 * (documented per function); analysis.c checks its inputs first, so NaN never
 * reaches output. Definitions are those of ENGINEERING.md §4. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Φ(x), and 1 − Φ(x) computed directly (relative accuracy ~1e-15 in the
 * upper tail, where 1 − Φ(x) would cancel). */
double stats_normal_cdf(double x);
double stats_normal_upper_tail(double x);
/* Φ⁻¹(p) for p in (0, 1) (Wichura's AS241, ~1e-16 relative); ±inf at 0 and 1,
 * NaN outside [0, 1]. */
double stats_normal_quantile(double p);

/* Regularized upper incomplete gamma Q(a, x) for a > 0, x ≥ 0. */
double stats_gamma_q(double a, double x);
/* P(χ²_df > x) for df > 0. */
double stats_chisq_upper_tail(double x, double df);

/* Relative lift of treatment t over control c and its delta-method standard
 * error:  L = p_t/p_c − 1,  Var(L) = p_t(1−p_t)/(n_t p_c²) + p_t²(1−p_c)/(n_c p_c³). */
struct stats_lift {
        double lift;       /* p_t/p_c − 1 */
        double abs_lift;   /* p_t − p_c */
        double se;         /* ≥ 0; 0 when neither arm has any variance */
};
/* Returns 0, or -EDOM when a count is negative, conversions exceed visitors,
 * an arm has no visitors or the control has no conversions. */
int stats_delta_lift(double conv_c, double n_c, double conv_t, double n_t, struct stats_lift *out);

/* Fixed-horizon z-test: two-sided p = 2(1 − Φ(|z|)), and the half-width
 * z_{1−α/2}·se of the 1−α interval. */
double stats_fixed_p(double z);
double stats_fixed_half_width(double se, double alpha);

/* Normal-mixture confidence sequence (Howard et al. 2021; GrowthBook/Eppo
 * form). rho2 = (−2 ln α + ln(1 − 2 ln α)) / N* for the tuning N*; n is the
 * total sample size n_c + n_t. The p-value is always valid: it may be read
 * after every look without inflating the false-positive rate. */
double stats_mixture_rho2(double alpha, double n_star);
double stats_mixture_half_width(double se, double n, double rho2, double alpha);
double stats_mixture_p(double z, double n, double rho2);

/* Multiple-comparison adjustments, in place. Holm needs a scratch array of n
 * indices from the caller (it sorts them; O(n²), n is a handful of variants). */
void stats_holm(double *p, size_t n, size_t *scratch);
void stats_bonferroni(double *p, size_t n);

/* P(p_t > p_c) for independent Beta(1 + conv, 1 + n − conv) posteriors,
 * within 1e-7 of exact for any counts (see stats_beta.c for the method and its
 * error bound). NaN when a count is negative or conv > n. */
double stats_prob_beat(double conv_t, double n_t, double conv_c, double n_c);

/* Sample-ratio mismatch: p of the χ² goodness-of-fit test of the observed
 * counts against the expected weights (NULL: equal), with k − 1 degrees of
 * freedom. NaN when k < 2, a count or weight is negative, all counts are 0 or
 * a weight with observations is 0. */
double stats_srm_p(const double *observed, const double *weights, size_t k);

/* The anytime-valid sample-ratio test of Lindon & Malek, "Anytime-Valid
 * Inference for Multinomial Count Data" (NeurIPS 2022): the log Bayes
 * factor of a Dirichlet-multinomial with prior a_i = concentration·θ_i
 * against the expected split θ (weights normalised; NULL: equal):
 *   ln Γ(A) − ln Γ(A+n) + Σ [ln Γ(a_i+x_i) − ln Γ(a_i)] − Σ x_i ln θ_i,
 * A = Σ a_i, n = Σ x_i. min(1, 1/BF) is a p-value at each look, and its
 * running minimum over the looks stays valid however often one looks.
 * NAN for fewer than 2 arms, a negative count or weight, or traffic in an
 * arm whose weight is 0 (such an arm is left out otherwise). */
/* Time to decision: the smallest total number of visitors N' >= n at
 * which the interval of a lift estimated with standard error se from n
 * visitors would exclude 0 if the observed rates held: the half-width at
 * N' (se scaled by √(n/N')) falls below |lift|. sequential: the mixture
 * interval with rho2 (stats_mixture_rho2); otherwise the fixed one. Returns
 * N' (n itself when the interval already excludes 0), or NAN for a lift
 * of 0, a non-finite input, or an N' beyond 1e15. */
double stats_visitors_to_decision(double lift, double se, double n, bool sequential, double rho2, double alpha);

double stats_srm_log_bf(const double *observed, const double *weights, size_t k, double concentration);
