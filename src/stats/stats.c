/* Pure statistics: distribution tails, lift, tests, corrections, SRM.
 * See stats.h for the definitions; P(B > A) lives in stats_beta.c. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "stats.h"

double stats_normal_upper_tail(double x)
{
        /* erfc keeps full relative accuracy far into the upper tail. */
        return 0.5 * erfc(x / M_SQRT2);
}

double stats_normal_cdf(double x)
{
        return 0.5 * erfc(-x / M_SQRT2);
}

/* Wichura, "Algorithm AS 241: The percentage points of the normal
 * distribution", Applied Statistics 37 (1988), PPND16: about 1e-16 relative. */
static double as241_central(double q)
{
        double r = 0.180625 - q * q;

        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
                         67265.770927008700853) * r + 45921.953931549871457) * r +
                       13731.693765509461125) * r + 1971.5909503065514427) * r +
                     133.14166789178437745) * r + 3.387132872796366608) /
               (((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
                     39307.89580009271061) * r + 21213.794301586595867) * r +
                   5394.1960214247511077) * r + 687.1870074920579083) * r +
                 42.313330701600911252) * r + 1.0);
}

/* The tail part: r = sqrt(−ln(min(p, 1 − p))) > 0.425 region. */
static double as241_tail(double r)
{
        if (r <= 5.0) {
                r -= 1.6;
                return (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r +
                             0.24178072517745061177) * r + 1.27045825245236838258) * r +
                           3.64784832476320460504) * r + 5.7694972214606914055) * r +
                         4.6303378461565452959) * r + 1.42343711074968357734) /
                       (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
                             0.0151986665636164571966) * r + 0.14810397642748007459) * r +
                           0.68976733498510000455) * r + 1.6763848301838038494) * r +
                         2.05319162663775882187) * r + 1.0);
        }
        r -= 5.0;
        return (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
                     0.0012426609473880784386) * r + 0.026532189526576123093) * r +
                   0.29656057182850489123) * r + 1.7848265399172913358) * r +
                 5.4637849111641143699) * r + 6.6579046435011037772) /
               (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
                     1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
                   0.0148753612908506148525) * r + 0.13692988092273580531) * r +
                 0.59983220655588793769) * r + 1.0);
}

double stats_normal_quantile(double p)
{
        if (!(p >= 0.0 && p <= 1.0))
                return NAN;
        if (p == 0.0)
                return -INFINITY;
        if (p == 1.0)
                return INFINITY;

        double q = p - 0.5;
        if (fabs(q) <= 0.425)
                return as241_central(q);

        double z = as241_tail(sqrt(-log(q < 0 ? p : 1.0 - p)));
        return q < 0 ? -z : z;
}

/* ln Γ(a) without touching the global signgam (a > 0 here). */
static double log_gamma(double a)
{
        int sign;

        return lgamma_r(a, &sign);
}

#define GAMMA_EPS 1e-16
#define GAMMA_MAX_ITER 100000
#define GAMMA_TINY 1e-300

/* P(a, x) by its power series; converges fast for x < a + 1. */
static double gamma_p_series(double a, double x)
{
        double ap = a, term = 1.0 / a, sum = term;

        for (int i = 0; i < GAMMA_MAX_ITER && fabs(term) > fabs(sum) * GAMMA_EPS; i++) {
                ap += 1.0;
                term *= x / ap;
                sum += term;
        }
        return sum * exp(-x + a * log(x) - log_gamma(a));
}

/* Q(a, x) by its continued fraction (modified Lentz); for x ≥ a + 1. */
static double gamma_q_fraction(double a, double x)
{
        double b = x + 1.0 - a, c = 1.0 / GAMMA_TINY, d = 1.0 / b, h = d;

        for (int i = 1; i < GAMMA_MAX_ITER; i++) {
                double an = -i * (i - a);
                b += 2.0;
                d = an * d + b;
                if (fabs(d) < GAMMA_TINY)
                        d = GAMMA_TINY;
                c = b + an / c;
                if (fabs(c) < GAMMA_TINY)
                        c = GAMMA_TINY;
                d = 1.0 / d;
                double delta = d * c;
                h *= delta;
                if (fabs(delta - 1.0) < GAMMA_EPS)
                        break;
        }
        return exp(-x + a * log(x) - log_gamma(a)) * h;
}

double stats_gamma_q(double a, double x)
{
        if (!(a > 0.0) || !(x >= 0.0) || isinf(a))
                return NAN;
        if (x == 0.0)
                return 1.0;
        if (isinf(x))
                return 0.0;
        if (x < a + 1.0)
                return 1.0 - gamma_p_series(a, x);
        return gamma_q_fraction(a, x);
}

double stats_chisq_upper_tail(double x, double df)
{
        if (!(df > 0.0))
                return NAN;
        return stats_gamma_q(df / 2.0, x / 2.0);
}

static bool valid_arm(double conv, double n)
{
        return isfinite(conv) && isfinite(n) && conv >= 0 && n > 0 && conv <= n;
}

int stats_delta_lift(double conv_c, double n_c, double conv_t, double n_t, struct stats_lift *out)
{
        if (!valid_arm(conv_c, n_c) || !valid_arm(conv_t, n_t) || conv_c == 0)
                return -EDOM;

        double pc = conv_c / n_c, pt = conv_t / n_t;
        double var = pt * (1.0 - pt) / (n_t * pc * pc) + pt * pt * (1.0 - pc) / (n_c * pc * pc * pc);

        *out = (struct stats_lift) {
                .lift = pt / pc - 1.0,
                .abs_lift = pt - pc,
                .se = sqrt(var > 0 ? var : 0),
        };
        return 0;
}

double stats_fixed_p(double z)
{
        /* 2(1 − Φ(|z|)) = erfc(|z|/√2), without the cancellation. */
        return erfc(fabs(z) / M_SQRT2);
}

double stats_fixed_half_width(double se, double alpha)
{
        return -stats_normal_quantile(alpha / 2.0) * se;
}

double stats_mixture_rho2(double alpha, double n_star)
{
        double l = log(alpha);

        return (-2.0 * l + log(1.0 - 2.0 * l)) / n_star;
}

double stats_mixture_half_width(double se, double n, double rho2, double alpha)
{
        double nr = n * rho2 + 1.0;

        return se * sqrt(n) * sqrt(2.0 * nr / (n * n * rho2) * log(sqrt(nr) / alpha));
}

double stats_mixture_p(double z, double n, double rho2)
{
        double nr = n * rho2 + 1.0;
        /* In log space: √(Nρ²+1) alone overflows nothing, but the product with
         * a tiny exponential is better formed as one exp. */
        double log_p = 0.5 * log(nr) - rho2 * n * z * z / (2.0 * nr);

        return log_p >= 0 ? 1.0 : exp(log_p);
}

/* Sorts idx[0..n) by ascending p (insertion sort: n is small, and stable, so
 * ties keep their order). */
static void sort_indices_by_p(const double *p, size_t n, size_t *idx)
{
        for (size_t i = 0; i < n; i++)
                idx[i] = i;
        for (size_t i = 1; i < n; i++) {
                size_t v = idx[i], j = i;
                for (; j > 0 && p[idx[j - 1]] > p[v]; j--)
                        idx[j] = idx[j - 1];
                idx[j] = v;
        }
}

void stats_holm(double *p, size_t n, size_t *scratch)
{
        double running = 0.0;

        sort_indices_by_p(p, n, scratch);
        /* Step-down: the k-th smallest is multiplied by n − k, and the
         * adjusted values are made monotone by a running maximum. */
        for (size_t k = 0; k < n; k++) {
                double adj = fmin(1.0, (double) (n - k) * p[scratch[k]]);
                running = fmax(running, adj);
                p[scratch[k]] = running;
        }
}

void stats_bonferroni(double *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = fmin(1.0, (double) n * p[i]);
}

double stats_srm_p(const double *observed, const double *weights, size_t k)
{
        double total = 0, weight_sum = 0;

        if (k < 2)
                return NAN;
        for (size_t i = 0; i < k; i++) {
                double w = weights ? weights[i] : 1.0;
                if (!(observed[i] >= 0) || !(w >= 0) || !isfinite(observed[i]) || !isfinite(w))
                        return NAN;
                total += observed[i];
                weight_sum += w;
        }
        if (total <= 0 || weight_sum <= 0)
                return NAN;

        double chi2 = 0;
        size_t categories = 0;
        for (size_t i = 0; i < k; i++) {
                double expected = total * (weights ? weights[i] : 1.0) / weight_sum;
                if (expected <= 0) {
                        if (observed[i] > 0)
                                return NAN;   /* traffic where none was expected */
                        continue;             /* a 0-weight arm is no category */
                }
                double d = observed[i] - expected;
                chi2 += d * d / expected;
                categories++;
        }
        if (categories < 2)
                return NAN;
        return stats_chisq_upper_tail(chi2, (double) (categories - 1));
}

double stats_srm_log_bf(const double *observed, const double *weights, size_t k, double concentration)
{
        double weight_sum = 0, n = 0, log_bf;

        if (k < 2 || !(concentration > 0))
                return NAN;
        for (size_t i = 0; i < k; i++) {
                double w = weights ? weights[i] : 1.0;

                if (!(observed[i] >= 0) || !(w >= 0) || !isfinite(observed[i]) || !isfinite(w) ||
                    (w == 0 && observed[i] > 0))
                        return NAN;
                weight_sum += w;
                n += observed[i];
        }
        if (!(weight_sum > 0))
                return NAN;
        log_bf = lgamma(concentration) - lgamma(concentration + n);
        for (size_t i = 0; i < k; i++) {
                double theta = (weights ? weights[i] : 1.0) / weight_sum, a = concentration * theta;

                if (theta == 0)
                        continue;   /* no traffic, no prior mass: no term */
                log_bf += lgamma(a + observed[i]) - lgamma(a) - observed[i] * log(theta);
        }
        return log_bf;
}

/* The half-width at m visitors of an estimate with σ = se·√n. */
static double half_width_at(double sigma, double m, bool sequential, double rho2, double alpha)
{
        double se = sigma / sqrt(m);

        return sequential ? stats_mixture_half_width(se, m, rho2, alpha) : stats_fixed_half_width(se, alpha);
}

double stats_visitors_to_decision(double lift, double se, double n, bool sequential, double rho2, double alpha)
{
        double target = fabs(lift), sigma = se * sqrt(n), low = n, high = n;

        if (!(target > 0) || !isfinite(target) || !(se > 0) || !isfinite(se) || !(n > 0))
                return NAN;
        if (half_width_at(sigma, n, sequential, rho2, alpha) < target)
                return n;
        /* The half-width shrinks as visitors grow: double, then bisect to a visitor. */
        do {
                low = high;
                high *= 2;
                if (high > 1e15)
                        return NAN;
        } while (!(half_width_at(sigma, high, sequential, rho2, alpha) < target));
        while (high - low > 1) {
                double mid = floor((low + high) / 2);

                if (half_width_at(sigma, mid, sequential, rho2, alpha) < target)
                        high = mid;
                else
                        low = mid;
        }
        return high;
}
