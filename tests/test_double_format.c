/* Tests of src/util/double_format.c: its output must be byte for byte what
 * the loop it replaces printed ("%.15g", "%.16g", "%.17g" until strtod reads
 * d back), or state.json and `once --json` would change. Checked on fixed
 * values and on random doubles of every shape: any bit pattern, dyadic
 * fractions (whose decimal expansions end in 5: the rounding ties), powers
 * of ten and their neighbours, and the figures an analysis produces. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/double_format.h"
#include "util/json_read.h"

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

/* json_new_number prints the same digits when its object is serialised,
 * alone or nested, and json-c reads exactly d back. */
Test(double_format, json_numbers_print_shortest_and_read_back)
{
        static const double values[] = { 0.05, 0.1 + 0.2, 1.0 / 3, -2.5e-7, 1e22, 5000 };
        json_object *array = json_object_new_array();

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                char want[DOUBLE_FORMAT_MAX];
                json_object *n = json_new_number(values[i]);
                reference(values[i], want);
                cr_expect_str_eq(json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN), want);
                json_object_array_add(array, n);
        }
        cr_expect_str_eq(json_object_to_json_string_ext(array, JSON_C_TO_STRING_PLAIN),
                         "[0.05,0.30000000000000004,0.3333333333333333,-2.5e-07,1e+22,5000]");
        json_object *back = json_tokener_parse(json_object_to_json_string(array));
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
                cr_expect_eq(json_object_get_double(json_object_array_get_idx(back, i)), values[i]);
        json_object_put(back);
        json_object_put(array);
}
