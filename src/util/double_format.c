/* double_format_shortest: the loop "%.15g, %.16g, %.17g until strtod gives
 * d back" costs up to three printf and two strtod calls per number, most of
 * the CPU of writing the analyses. Here printf runs once, for 17 digits; the
 * 15- and 16-digit candidates are rounded from those digits, and read back
 * with exact double arithmetic where it is exact (Clinger's fast path).
 * Anything unusual (zero, subnormals, infinities, a dropped part of exactly
 * one half, whose side printf alone can tell) takes the plain loop. */
#include "double_format.h"

#include <math.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* d.ddd… × 10^exp10 with n significant digits. */
struct decimal {
        bool negative;
        int n;
        int exp10;
        char digits[18];
};

static size_t plain_loop(double d, char *buf)
{
        for (int digits = 15; digits <= 17; digits++) {
                snprintf(buf, DOUBLE_FORMAT_MAX, "%.*g", digits, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        return strlen(buf);
}

static void set_digits(struct decimal *out, uint64_t n)
{
        for (int i = 16; i >= 0; i--, n /= 10)
                out->digits[i] = (char) ('0' + n % 10);
        out->digits[17] = 0;
        out->n = 17;
}

/* The 17 digits in exact integer arithmetic, for 1e-6 <= |d| < 2^53 (the
 * figures of an analysis): |d| = m × 2^-s, so |d| × 10^k = m × 10^k / 2^s,
 * rounded half to even as printf does. False outside that range. */
static bool exact17(double d, struct decimal *out)
{
        const uint64_t lo = UINT64_C(10000000000000000), hi = UINT64_C(100000000000000000);
        int e2, x, k, shift;
        uint64_t m, n;
        unsigned __int128 num, p10 = 1, rest, half;

        m = (uint64_t) ldexp(frexp(fabs(d), &e2), 53);
        shift = 53 - e2;
        x = (int) floor(log10(fabs(d)));
        if (shift <= 0 || x < -6)
                return false;
        for (;;) {
                k = 16 - x;
                if (k < 0 || k > 22)
                        return false;
                p10 = 1;
                for (int i = 0; i < k; i++)
                        p10 *= 10;
                num = (unsigned __int128) m * p10;
                n = (uint64_t) (num >> shift);
                if (n < lo)
                        x--;          /* log10 rounded up across a power of ten */
                else if (n >= hi)
                        x++;
                else
                        break;
        }
        rest = num & (((unsigned __int128) 1 << shift) - 1);
        half = (unsigned __int128) 1 << (shift - 1);
        if (rest > half || (rest == half && (n & 1)))
                n++;
        if (n == hi) {
                n = lo;               /* 99…9.5 rounds to the next power of ten */
                x++;
        }
        out->negative = signbit(d);
        out->exp10 = x;
        set_digits(out, n);
        return true;
}

/* The 17 significant digits printf rounds d to ("-d.dddddddddddddddde+XX"). */
static void decimal17(double d, struct decimal *out)
{
        if (exact17(d, out))
                return;
        char buf[DOUBLE_FORMAT_MAX];
        const char *p = buf;

        snprintf(buf, sizeof(buf), "%.16e", d);
        out->negative = *p == '-';
        p += out->negative;
        out->n = 17;
        out->digits[0] = p[0];
        memcpy(out->digits + 1, p + 2, 16);
        out->digits[17] = 0;
        out->exp10 = (int) strtol(p + 19, NULL, 10);
}

/* Rounds to n digits; false when the dropped part is exactly one half
 * ("5", "50"): the 17 digits were rounded themselves, so the exact value may
 * lie on either side. */
static bool round_to(const struct decimal *in, int n, struct decimal *out)
{
        const char *drop = in->digits + n;
        int i = n - 1;

        if (drop[0] == '5' && (n == 16 || drop[1] == '0'))
                return false;
        *out = *in;
        out->n = n;
        out->digits[n] = 0;
        if (drop[0] < '5')
                return true;
        while (i >= 0 && out->digits[i] == '9')
                out->digits[i--] = '0';
        if (i >= 0) {
                out->digits[i]++;
        } else {
                out->digits[0] = '1';   /* 99…9 carried over: 10…0, one decade up */
                out->exp10++;
        }
        return true;
}

/* Whether the decimal reads back as d, as strtod would round it. */
static bool reads_back(const struct decimal *c, double d)
{
        static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
        int e = c->exp10 - (c->n - 1);
        uint64_t m = 0;
        char buf[DOUBLE_FORMAT_MAX];
        double v;

        for (int i = 0; i < c->n; i++)
                m = m * 10 + (uint64_t) (c->digits[i] - '0');
        /* Both operands exact, one rounding: the correctly rounded result. */
        if (m <= (UINT64_C(1) << 53) && e >= -22 && e <= 22) {
                v = e < 0 ? (double) m / pow10[-e] : (double) m * pow10[e];
                return (c->negative ? -v : v) == d;
        }
        snprintf(buf, sizeof(buf), "%s%" PRIu64 "e%d", c->negative ? "-" : "", m, e);
        return strtod(buf, NULL) == d;
}

/* The digits without trailing zeros, as %g prints them. */
static int significant(const struct decimal *c)
{
        int n = c->n;

        while (n > 1 && c->digits[n - 1] == '0')
                n--;
        return n;
}

static char *put(char *p, const char *s, int n)
{
        memcpy(p, s, (size_t) n);
        return p + n;
}

/* ".ddd" when there are digits. */
static char *put_fraction(char *p, const char *s, int n)
{
        if (n <= 0)
                return p;
        *p++ = '.';
        return put(p, s, n);
}

/* %.<n>g of the (already rounded) decimal, without printf's cost. */
static size_t format_g(const struct decimal *c, char *buf)
{
        int x = c->exp10, n = significant(c), ax = abs(x);
        char *p = buf;

        if (c->negative)
                *p++ = '-';
        if (x < -4 || x >= c->n) {
                p = put_fraction(put(p, c->digits, 1), c->digits + 1, n - 1);
                *p++ = 'e';
                *p++ = x < 0 ? '-' : '+';
                if (ax >= 100)
                        *p++ = (char) ('0' + ax / 100);
                *p++ = (char) ('0' + ax / 10 % 10);
                *p++ = (char) ('0' + ax % 10);
        } else if (x >= 0) {
                p = put_fraction(put(p, c->digits, x + 1), c->digits + x + 1, n - x - 1);
        } else {
                p = put(put(p, "0.0000", 1 + ax), c->digits, n);
        }
        *p = 0;
        return (size_t) (p - buf);
}

size_t double_format_shortest(double d, char buf[static DOUBLE_FORMAT_MAX])
{
        struct decimal d17, c;

        if (d == 0)
                return (size_t) sprintf(buf, "%s", signbit(d) ? "-0" : "0");
        if (!isnormal(d))
                return plain_loop(d, buf);
        decimal17(d, &d17);
        for (int n = 15; n <= 16; n++) {
                if (!round_to(&d17, n, &c))
                        return plain_loop(d, buf);
                if (reads_back(&c, d))
                        return format_g(&c, buf);
        }
        return format_g(&d17, buf);
}
