/* P(p_t > p_c) for independent Beta(1 + conv, 1 + n − conv) posteriors.
 *
 * Why not the textbook methods: Evan Miller's exact sum has one term per
 * conversion (10^6 terms at scale), and the normal approximation is off by
 * more than 1e-4 whenever an arm has few conversions (the posteriors are
 * skewed). Instead:
 *
 *   P(X > Y) = ∫ f_X(x) F_Y(x) dx
 *
 * by composite 8-point Gauss–Legendre quadrature. F_Y at the nodes is carried
 * from panel to panel, and inside a panel comes from the Legendre cumulative
 * integration matrix (exact for polynomials of degree < 8), so each density
 * is evaluated once per node: ~170 density evaluations, a few µs, at any count.
 * Densities are evaluated relative to their mode in log space (log1p forms, no
 * lgamma, so 10^9 visitors lose no precision) and normalized by their
 * integrals over the same nodes, which cancels most of the quadrature error.
 *
 * Error bound. Truncation: each density is integrated over the window where
 * its log density is within D = 20 of its maximum. With a, b ≥ 1 a Beta
 * density is log-concave, so the mass beyond a window edge x_D is at most
 * f(x_D)/|ℓ'(x_D)| ≤ f(mode)·e^−D·(x_D − mode)/D; log-concavity also gives
 * f(mode)·sd ≤ 1 and x_D − mode ≤ 2·√12·D·sd (the edge search below
 * overshoots the root by at most 2×), so each tail is < 7·e^−20 ≈ 1.5e-8.
 * Quadrature: panels are at most 1.5 standard deviations of every density
 * alive on them, where 8-point Gauss–Legendre on a smooth log-concave density
 * is accurate to ~1e-12; tests/test_stats.c compares against the exact sum
 * for skewed and large cases and finds errors below 1e-9 (3,000 random arms
 * up to 20,000 visitors: at most 2.0e-9, as with 1-sd panels; 2-sd panels
 * reached 2.5e-8). Overall: within 1e-7 of exact, well inside the 1e-4 the
 * design asks for. */
#include <math.h>
#include <stdbool.h>

#include "stats.h"

#define LOG_DROP 20.0          /* D: window = where the density is > e^−D of its peak */
#define PANEL_SDS 1.5          /* panel width, in standard deviations */
#define MAX_PANELS 4096        /* never reached for valid counts; guards the loop */
#define GL_ORDER 8

/* Gauss–Legendre nodes and weights on [−1, 1], and the cumulative
 * integration matrix GL_CUM[i][k] = ∫_{−1}^{x_i} ℓ_k(t) dt of the Lagrange
 * basis ℓ_k at those nodes (computed with mpmath at 40 digits). */
static const double GL_X[GL_ORDER] = {
        -0.96028985649753623168, -0.79666647741362673959, -0.52553240991632898582,
        -0.18343464249564980494, 0.18343464249564980494,  0.52553240991632898582,
        0.79666647741362673959,  0.96028985649753623168,
};
static const double GL_W[GL_ORDER] = {
        0.10122853629037625915, 0.22238103445337447054, 0.31370664587788728734,
        0.36268378337836198297, 0.36268378337836198297, 0.31370664587788728734,
        0.22238103445337447054, 0.10122853629037625915,
};
static const double GL_CUM[GL_ORDER][GL_ORDER] = {
        { 0.050614268145188129576, -0.018211886611940150043, 0.012561662294060947961, -0.0089660312261095028838,
          0.0061569827366535597797, -0.0038353505092739046819, 0.0019455153281185270534, -0.0005550166542338384458 },
        { 0.10951864353510864057, 0.11119051722668723527, -0.027279592471563338506, 0.016299417716721101072,
          -0.01043070417829430676, 0.0062795059709273378847, -0.0031298698218978847516, 0.00088560460868447563125 },
        { 0.097175071997825761886, 0.24171904999434633488, 0.15685332293894364367, -0.031950206723756862951,
          0.016743465440452327574, -0.0092869317242089595803, 0.0044514295505697994366, -0.0012376113905010307352 },
        { 0.10373104194116246913, 0.21238698029669681376, 0.34134226854910724257, 0.18134189168918099148,
          -0.032042082642050026337, 0.014482413122444539724, -0.006395628620721540645, 0.0017184731685297053789 },
        { 0.099510063121846553774, 0.22877666307409601119, 0.29922423275544274761, 0.3947258660204120093,
          0.18134189168918099148, -0.027635622671219955231, 0.0099940541566776567866, -0.0025025056507862099781 },
        { 0.10246614768087728989, 0.21792960490280467111, 0.32299357760209624692, 0.34594031793790965539,
          0.39463399010211884592, 0.15685332293894364367, -0.019338015540971864339, 0.0040534642925504972662 },
        { 0.10034293168169178352, 0.2255109042752723553, 0.30742713990695994945, 0.37311448755665628973,
          0.34638436566164088189, 0.34098623834945062584, 0.11119051722668723527, -0.0082901072447323814139 },
        { 0.1017835529446100976, 0.22043551912525594349, 0.31754199638716119202, 0.35652680064170842319,
          0.37164981460447148585, 0.30114498358382633938, 0.24059292106531462059, 0.050614268145188129576 },
};

/* Beta(A + 1, B + 1) and the window its mass is integrated over. */
struct beta_shape {
        double A, B;
        double mode, sd;
        double lo, hi;
};

/* ln f(x) − ln f(mode): the exponents of the unnormalized density, formed as
 * log1p of small relative distances so that A, B ~ 10^9 keep precision. */
static double log_density_rel(const struct beta_shape *s, double x)
{
        double r = 0.0;

        if (s->A > 0)
                r += s->A * log1p((x - s->mode) / s->mode);
        if (s->B > 0)
                r += s->B * log1p((s->mode - x) / (1.0 - s->mode));
        return r;
}

/* The point on side dir (+1 right, −1 left) where the log density has fallen
 * by LOG_DROP: stepped out by doubling, then Newton from outside (on a
 * concave function each iterate stays outside, so the window only errs wide). */
static double window_edge(const struct beta_shape *s, int dir)
{
        double bound = dir > 0 ? 1.0 : 0.0;
        double x, off = sqrt(2.0 * LOG_DROP) * s->sd;

        if ((dir > 0 ? s->B : s->A) == 0)
                return bound;   /* the density does not fall towards this side */
        for (;;) {
                x = s->mode + dir * off;
                if (dir > 0 ? x >= 1.0 : x <= 0.0)
                        return bound;
                if (log_density_rel(s, x) <= -LOG_DROP)
                        break;
                off *= 2.0;
        }
        for (int i = 0; i < 30; i++) {
                double slope = s->A / x - s->B / (1.0 - x);
                double step = (log_density_rel(s, x) + LOG_DROP) / slope;
                x -= step;
                if (fabs(step) < 0.05 * s->sd)
                        break;
        }
        return x;
}

static bool beta_shape_init(struct beta_shape *s, double conv, double n)
{
        if (!(conv >= 0 && n >= conv && isfinite(n)))
                return false;
        double a = conv + 1.0, b = n - conv + 1.0;

        s->A = conv;
        s->B = n - conv;
        s->mode = s->A + s->B > 0 ? s->A / (s->A + s->B) : 0.5;
        s->sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
        s->lo = window_edge(s, -1);
        s->hi = window_edge(s, +1);
        return true;
}

struct beat_sums {
        double zx, zy;     /* unnormalized masses of X and Y */
        double cdf_y;      /* unnormalized F_Y at the current panel start */
        double num;        /* ∫ f_X F_Y, unnormalized */
};

static void integrate_panel(const struct beta_shape *x, const struct beta_shape *y, bool in_x, bool in_y,
                            double t0, double t1, struct beat_sums *s)
{
        double half = (t1 - t0) / 2.0, mid = (t0 + t1) / 2.0;
        double fx[GL_ORDER] = { 0 }, fy[GL_ORDER] = { 0 };
        double mass_y = 0.0;

        for (int i = 0; i < GL_ORDER; i++) {
                double t = mid + half * GL_X[i];
                if (in_x)
                        fx[i] = exp(log_density_rel(x, t));
                if (in_y) {
                        fy[i] = exp(log_density_rel(y, t));
                        mass_y += GL_W[i] * fy[i];
                }
        }
        for (int i = 0; in_x && i < GL_ORDER; i++) {
                double cdf = s->cdf_y;
                for (int k = 0; in_y && k < GL_ORDER; k++)
                        cdf += half * GL_CUM[i][k] * fy[k];
                s->zx += half * GL_W[i] * fx[i];
                s->num += half * GL_W[i] * fx[i] * cdf;
        }
        s->zy += half * mass_y;
        s->cdf_y += half * mass_y;
}

/* The next window edge after t, or end. */
static double next_edge(const struct beta_shape *x, const struct beta_shape *y, double t, double end)
{
        const double edges[] = { x->lo, x->hi, y->lo, y->hi };
        double next = end;

        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
                if (edges[i] > t && edges[i] < next)
                        next = edges[i];
        return next;
}

/* Panels cover the union of both windows, split at every window edge and at
 * most PANEL_SDS standard deviations wide for each density alive on them. */
static double integrate(const struct beta_shape *x, const struct beta_shape *y)
{
        struct beat_sums s = { 0 };
        double t = fmin(x->lo, y->lo), end = fmax(x->hi, y->hi);

        for (int panels = 0; t < end; panels++) {
                bool in_x = t >= x->lo && t < x->hi, in_y = t >= y->lo && t < y->hi;
                double next = next_edge(x, y, t, end);

                if (!in_x && !in_y) {
                        t = next;
                        continue;
                }
                double width = fmin(in_x ? PANEL_SDS * x->sd : INFINITY, in_y ? PANEL_SDS * y->sd : INFINITY);
                double t1 = fmin(t + width, next);
                if (!(t1 > t) || panels >= MAX_PANELS)
                        return NAN;
                integrate_panel(x, y, in_x, in_y, t, t1, &s);
                t = t1;
        }
        if (!(s.zx > 0 && s.zy > 0))
                return NAN;
        return fmin(1.0, fmax(0.0, s.num / (s.zx * s.zy)));
}

double stats_prob_beat(double conv_t, double n_t, double conv_c, double n_c)
{
        struct beta_shape x, y;

        if (!beta_shape_init(&x, conv_t, n_t) || !beta_shape_init(&y, conv_c, n_c))
                return NAN;
        /* Windows apart: the answer is 0 or 1 to within the truncation bound. */
        if (x.lo >= y.hi)
                return 1.0;
        if (x.hi <= y.lo)
                return 0.0;
        return integrate(&x, &y);
}
