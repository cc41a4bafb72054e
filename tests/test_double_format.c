/* Tests of src/double_format.c: its output must be byte for byte what the
 * loop it replaces printed ("%.15g", "%.16g", "%.17g" until strtod reads d
 * back), or state.json and `once --json` would change. Checked on fixed
 * values and on random doubles of every shape: any bit pattern, dyadic
 * fractions (whose decimal expansions end in 5: the rounding ties), powers
 * of ten and their neighbours, and the figures an analysis produces. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "double_format.h"

static void reference(double d, char *buf)
{
        for (int digits = 15; digits <= 17; digits++) {
                snprintf(buf, DOUBLE_FORMAT_MAX, "%.*g", digits, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
}

static void check(double d)
{
        char want[DOUBLE_FORMAT_MAX], got[DOUBLE_FORMAT_MAX];
        size_t len;

        reference(d, want);
        len = double_format_shortest(d, got);
        cr_assert_str_eq(got, want, "%a", d);
        cr_assert_eq(len, strlen(want), "%a", d);
}

static uint64_t state = 88172645463325252ULL;

static uint64_t rnd(void)
{
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
}

Test(double_format, fixed_values)
{
        static const double values[] = {
                0, 1, 0.05, 0.1, 0.3, 0.5, 2.5, 5000, 1e-5, 1e-4, 9.9999e-5, 1e15, 1e16, 1e17, 1e22, 1e23,
                9007199254740993.0, 123456789012345678.0, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 1e300, 1e-300, 5e-324,
                2.2250738585072014e-308, 0x1p-25, 0x1.fffffffffffffp+52, 0.99999999999999989,
        };

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                check(values[i]);
                check(-values[i]);
        }
}

Test(double_format, random_values_as_the_loop_printed_them)
{
        for (int i = 0; i < 100000; i++) {
                uint64_t bits = rnd();
                double d, p = pow(10, (int) (rnd() % 24) - 6);

                memcpy(&d, &bits, sizeof(d));
                if (isfinite(d))
                        check(d);
                check((double) (rnd() % 1000000) / (double) (1 + rnd() % 1000000));
                check(ldexp((double) (rnd() >> 11), -(int) (rnd() % 120)));
                check(ldexp((double) (2 * (rnd() % (1ULL << 30)) + 1), -(int) (rnd() % 80)));
                check((double) (rnd() % 100000) * pow(10, (int) (rnd() % 50) - 25));
                check(p);
                check(nextafter(p, 0));
                check(nextafter(p, INFINITY));
        }
}
