/* `history`'s pure parts: polls rows → one snapshot per poll time with the
 * counts of unchanged variants carried forward (report/history_series.c), the
 * analyses over the whole series, the sparkline of a lift series
 * (report/sparkline.c), and the table and JSON printers (report/history_output.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/history_output.h"
#include "report/history_series.h"
#include "report/sparkline.h"

#define B1 "\xe2\x96\x81"
#define B4 "\xe2\x96\x84"
#define B8 "\xe2\x96\x88"

static void add(struct history_series *s, int64_t t, const char *id, long long visitors, long long conversions)
{
        cr_assert_eq(history_series_add_row(s, t, id, visitors, conversions), 0);
}

static const struct mida_variant *variant(const struct mida_result *r, const char *id)
{
        for (size_t i = 0; i < r->n_variants; i++)
                if (strcmp(r->variants[i].variant_id, id) == 0)
                        return &r->variants[i];
        return NULL;
}

static void expect_counts(const struct mida_result *r, const char *id, long long visitors, long long conversions)
{
        const struct mida_variant *v = variant(r, id);

        cr_assert_not_null(v, "variant %s missing", id);
        cr_expect_eq(v->visitors, visitors, "variant %s: visitors %lld, expected %lld", id, v->visitors, visitors);
        cr_expect_eq(v->conversions, conversions, "variant %s: conversions %lld, expected %lld", id,
                     v->conversions, conversions);
        cr_expect(v->has_visitors && v->has_conversions);
}

Test(history_series, carries_unchanged_variants_forward)
{
        struct history_series s;
        struct mida_result r;

        cr_assert_eq(history_series_init(&s, 42, "Checkout"), 0);
        add(&s, 100, "0", 100, 10);
        add(&s, 100, "1", 100, 12);
        add(&s, 200, "1", 150, 20);   /* only variant 1 changed */
        add(&s, 300, "0", 200, 20);   /* only the control changed */
        cr_assert_eq(s.n_polls, 3);
        cr_expect_eq(s.polled_at[0], 100);
        cr_expect_eq(s.polled_at[2], 300);

        cr_assert_eq(history_series_snapshot(&s, 1, &r), 0);
        cr_expect_eq(r.test_id, 42);
        cr_expect_str_eq(r.test_name, "Checkout");
        cr_assert_eq(r.n_variants, 2);
        expect_counts(&r, "0", 100, 10);
        expect_counts(&r, "1", 150, 20);
        cr_expect(variant(&r, "0")->is_control, "variant 0 is the control when none is declared");
        cr_expect_not(variant(&r, "1")->is_control);
        mida_result_free(&r);

        cr_assert_eq(history_series_snapshot(&s, 2, &r), 0);
        expect_counts(&r, "0", 200, 20);
        expect_counts(&r, "1", 150, 20);
        mida_result_free(&r);
        history_series_free(&s);
}

Test(history_series, new_variant_joins_from_its_first_row)
{
        struct history_series s;
        struct mida_result r;

        cr_assert_eq(history_series_init(&s, 7, NULL), 0);
        add(&s, 10, "0", 50, 5);
        add(&s, 10, "1", 50, 6);
        add(&s, 20, "2", 5, 1);
        add(&s, 30, "0", 60, 6);
        cr_assert_eq(s.n_variants, 3);

        cr_assert_eq(history_series_snapshot(&s, 0, &r), 0);
        cr_expect_eq(r.n_variants, 2);
        cr_expect_null(variant(&r, "2"));
        mida_result_free(&r);

        cr_assert_eq(history_series_snapshot(&s, 2, &r), 0);
        cr_assert_eq(r.n_variants, 3);
        expect_counts(&r, "0", 60, 6);
        expect_counts(&r, "1", 50, 6);
        expect_counts(&r, "2", 5, 1);
        mida_result_free(&r);
        history_series_free(&s);
}

Test(history_series, declared_order_names_and_control)
{
        struct history_series s;
        struct mida_result r;

        cr_assert_eq(history_series_init(&s, 1, "x"), 0);
        cr_assert_eq(history_series_declare(&s, "b", "Treatment", false), 0);
        cr_assert_eq(history_series_declare(&s, "a", "Baseline", true), 0);
        add(&s, 1, "a", 10, 1);
        add(&s, 1, "b", 10, 2);
        add(&s, 1, "0", 10, 3);   /* not declared: after the declared ones, and not the control */
        cr_assert_eq(history_series_snapshot(&s, 0, &r), 0);
        cr_assert_eq(r.n_variants, 3);
        cr_expect_str_eq(r.variants[0].variant_id, "b");
        cr_expect_str_eq(r.variants[0].name, "Treatment");
        cr_expect_str_eq(r.variants[1].variant_id, "a");
        cr_expect(r.variants[1].is_control);
        cr_expect_str_eq(r.variants[2].variant_id, "0");
        cr_expect_not(r.variants[2].is_control);
        cr_expect_null(r.variants[2].name);
        cr_expect_eq(history_series_control(&s), 1);
        mida_result_free(&r);
        history_series_free(&s);
}

Test(history_series, rows_must_come_in_time_order)
{
        struct history_series s;

        cr_assert_eq(history_series_init(&s, 1, NULL), 0);
        add(&s, 100, "0", 1, 0);
        cr_expect_eq(history_series_add_row(&s, 99, "1", 1, 0), -EINVAL);
        history_series_free(&s);
}

/* Many polls, growing the arrays past their first allocation, with a
 * variant that appears late (the matrix is rebuilt). */
Test(history_series, long_series)
{
        struct history_series s;
        struct mida_result r;

        cr_assert_eq(history_series_init(&s, 1, NULL), 0);
        for (int t = 1; t <= 1000; t++) {
                add(&s, t, "0", 10LL * t, t);
                if (t % 3 == 0)
                        add(&s, t, "1", 10LL * t, 2LL * t);
                if (t == 500)
                        add(&s, t, "2", 1, 1);
        }
        cr_assert_eq(s.n_polls, 1000);
        cr_assert_eq(history_series_snapshot(&s, 998, &r), 0);   /* t = 999 */
        expect_counts(&r, "0", 9990, 999);
        expect_counts(&r, "1", 9990, 1998);
        expect_counts(&r, "2", 1, 1);
        mida_result_free(&r);
        cr_assert_eq(history_series_snapshot(&s, 999, &r), 0);   /* t = 1000: 1 carried from 999 */
        expect_counts(&r, "1", 9990, 1998);
        mida_result_free(&r);
        history_series_free(&s);
}

/* The analyses are those of analysis_run over the same snapshots through
 * one sequential state: the running minimum p never goes up, and the
 * interval only narrows, even where --since would hide the early polls. */
Test(history_series, analyses_are_the_daemons)
{
        static const long long c[][4] = {   /* control v, c; treatment v, c */
                { 1000, 100, 1000, 130 }, { 2000, 200, 2000, 240 }, { 3000, 300, 3000, 330 },
                { 4000, 400, 4000, 470 }, { 5000, 500, 5000, 520 },
        };
        struct statistics_settings st = statistics_settings_default();
        struct sequential_state state = { 0 };
        struct experiment_analysis *a = NULL;
        struct history_series s;

        cr_assert_eq(history_series_init(&s, 9, NULL), 0);
        for (size_t i = 0; i < 5; i++) {
                add(&s, (int64_t) (i + 1) * 60, "0", c[i][0], c[i][1]);
                add(&s, (int64_t) (i + 1) * 60, "1", c[i][2], c[i][3]);
        }
        cr_assert_eq(history_series_analyse(&s, &st, &a), 0);
        for (size_t i = 0; i < 5; i++) {
                struct mida_variant v[2] = {
                        { .variant_id = "0", .visitors = c[i][0], .conversions = c[i][1], .has_visitors = true,
                          .has_conversions = true, .is_control = true },
                        { .variant_id = "1", .visitors = c[i][2], .conversions = c[i][3], .has_visitors = true,
                          .has_conversions = true },
                };
                struct mida_result r = { .test_id = 9, .status_code = -1, .days_running = -1, .n_variants = 2,
                                         .variants = v };
                struct experiment_analysis want;
                cr_assert_eq(analysis_run(&r, &st, &state, &want), 0);
                const struct variant_analysis *got = history_variant_analysis(&a[i], "1");
                cr_assert_not_null(got);
                cr_expect_eq(got->lift.value, want.variants[1].lift.value);
                cr_expect_eq(got->p_value_adjusted.value, want.variants[1].p_value_adjusted.value);
                cr_expect_eq(got->lift_low.value, want.variants[1].lift_low.value);
                cr_expect_eq(got->lift_high.value, want.variants[1].lift_high.value);
                if (i > 0) {
                        const struct variant_analysis *before = history_variant_analysis(&a[i - 1], "1");
                        cr_expect_leq(got->p_value_adjusted.value, before->p_value_adjusted.value);
                        cr_expect_geq(got->lift_low.value, before->lift_low.value);
                        cr_expect_leq(got->lift_high.value, before->lift_high.value);
                }
                experiment_analysis_free(&want);
        }
        sequential_state_free(&state);
        history_analyses_free(a, s.n_polls);
        history_series_free(&s);
}

/* Decodes UTF-8 s into code points (cp NULL: only checks and counts);
 * fails the test on an invalid sequence. */
static size_t decode(const char *s, unsigned *cp, size_t max)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t n = 0;

        while (*p) {
                unsigned c = *p, len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 0;
                cr_assert_neq(len, 0, "invalid UTF-8 lead byte 0x%02x", c);
                unsigned v = len == 1 ? c : len == 2 ? c & 0x1F : c & 0x0F;
                for (unsigned k = 1; k < len; k++) {
                        cr_assert_eq(p[k] & 0xC0, 0x80, "invalid UTF-8 continuation");
                        v = v << 6 | (p[k] & 0x3F);
                }
                cr_assert_lt(n, max);
                if (cp)
                        cp[n] = v;
                n++;
                p += len;
        }
        return n;
}

Test(sparkline, rising_series)
{
        const double v[] = { -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
        double lo, hi;
        char *s = sparkline_render(v, 8, 0, &lo, &hi);

        cr_assert_not_null(s);
        cr_expect_str_eq(s, "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84\xe2\x96\x85\xe2\x96\x86"
                            "\xe2\x96\x87\xe2\x96\x88");   /* ▁▂▃▄▅▆▇█ */
        cr_expect_float_eq(lo, -0.1, 1e-12);
        cr_expect_float_eq(hi, 0.6, 1e-12);
        free(s);
}

Test(sparkline, constant_series_is_drawn_level)
{
        const double v[] = { 0.05, 0.05, 0.05, 0.05 };
        char *s = sparkline_render(v, 4, 0, NULL, NULL);

        cr_assert_not_null(s);
        cr_expect_str_eq(s, B4 B4 B4 B4);
        free(s);
}

Test(sparkline, gaps_for_missing_values)
{
        const double v[] = { NAN, 1.0, NAN, 3.0, INFINITY };
        double lo, hi;
        char *s = sparkline_render(v, 5, 0, &lo, &hi);

        cr_assert_not_null(s);
        cr_expect_str_eq(s, SPARKLINE_MISSING B1 SPARKLINE_MISSING B8 SPARKLINE_MISSING);
        cr_expect_float_eq(lo, 1.0, 1e-12);
        cr_expect_float_eq(hi, 3.0, 1e-12);
        free(s);

        const double none[] = { NAN, NAN };
        s = sparkline_render(none, 2, 0, &lo, &hi);
        cr_expect_str_eq(s, SPARKLINE_MISSING SPARKLINE_MISSING);
        cr_expect(isnan(lo) && isnan(hi));
        free(s);

        s = sparkline_render(NULL, 0, 10, NULL, NULL);
        cr_expect_str_eq(s, "");
        free(s);
}

Test(sparkline, valid_utf8_one_cell_per_value_or_per_stretch)
{
        double v[200];
        unsigned cp[256];
        char *s;
        size_t n;

        for (size_t i = 0; i < 200; i++)
                v[i] = i % 17 == 0 ? NAN : sin((double) i / 10.0);
        s = sparkline_render(v, 200, 0, NULL, NULL);
        cr_assert_not_null(s);
        n = decode(s, cp, 256);
        cr_expect_eq(n, 200);
        for (size_t i = 0; i < n; i++)
                cr_expect((cp[i] >= 0x2581 && cp[i] <= 0x2588) || cp[i] == 0xB7, "cell %zu is U+%04X", i, cp[i]);
        cr_expect_eq(cp[0], 0xB7);
        free(s);

        /* 120 rising values in 60 cells: each cell the last of two. */
        for (size_t i = 0; i < 120; i++)
                v[i] = (double) i;
        s = sparkline_render(v, 120, 60, NULL, NULL);
        n = decode(s, cp, 256);
        cr_expect_eq(n, 60);
        cr_expect_eq(cp[0], 0x2581);
        cr_expect_eq(cp[59], 0x2588);
        for (size_t i = 1; i < n; i++)
                cr_expect_geq(cp[i], cp[i - 1]);
        free(s);
}

/* A three-poll series of three arms, analysed, for the printers. */
static void sample(struct history_series *s, struct experiment_analysis **a)
{
        struct statistics_settings st = statistics_settings_default();

        cr_assert_eq(history_series_init(s, 1004, "Footer \"box\" — 実験"), 0);
        cr_assert_eq(history_series_declare(s, "0", "Control", true), 0);
        cr_assert_eq(history_series_declare(s, "1", "Green box", false), 0);
        cr_assert_eq(history_series_declare(s, "2", "Blue box", false), 0);
        add(s, 1772323200, "0", 0, 0);   /* no visitors yet: every figure null */
        add(s, 1772323200, "1", 0, 0);
        add(s, 1772323200, "2", 0, 0);
        add(s, 1772326800, "0", 1000, 50);
        add(s, 1772326800, "1", 1000, 60);
        add(s, 1772326800, "2", 1000, 45);
        add(s, 1772330400, "1", 2000, 130);   /* 0 and 2 carried forward */
        cr_assert_eq(history_series_analyse(s, &st, a), 0);
}

Test(history_output, json_has_nulls_never_nan)
{
        struct history_series s;
        struct experiment_analysis *a;
        json_object *o, *polls, *p, *vs, *v, *x;

        sample(&s, &a);
        o = history_to_json(&(struct history_view) { .series = &s, .analyses = a });
        cr_assert_not_null(o);
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        cr_expect_null(strstr(text, "NaN"), "%s", text);
        cr_expect_null(strstr(text, "nan"), "%s", text);
        cr_expect(json_object_object_get_ex(o, "experiment_id", &x) && json_object_get_int64(x) == 1004);
        cr_expect(json_object_object_get_ex(o, "name", &x));
        cr_expect_str_eq(json_object_get_string(x), "Footer \"box\" — 実験");
        cr_assert(json_object_object_get_ex(o, "polls", &polls));
        cr_assert_eq(json_object_array_length(polls), 3);

        p = json_object_array_get_idx(polls, 0);
        cr_expect(json_object_object_get_ex(p, "polled_at", &x));
        cr_expect_str_eq(json_object_get_string(x), "2026-03-01T00:00:00Z");
        cr_assert(json_object_object_get_ex(p, "variants", &vs));
        cr_assert_eq(json_object_array_length(vs), 3);
        v = json_object_array_get_idx(vs, 1);
        cr_expect(json_object_object_get_ex(v, "lift", &x) && x == NULL, "no visitors: lift null");
        cr_expect(json_object_object_get_ex(v, "p_value", &x) && x == NULL);

        p = json_object_array_get_idx(polls, 2);
        json_object_object_get_ex(p, "variants", &vs);
        v = json_object_array_get_idx(vs, 0);   /* the control: counts, no figures */
        cr_expect(json_object_object_get_ex(v, "control", &x) && json_object_get_boolean(x));
        cr_expect(json_object_object_get_ex(v, "visitors", &x) && json_object_get_int64(x) == 1000);
        cr_expect(json_object_object_get_ex(v, "lift", &x) && x == NULL);
        cr_expect(json_object_object_get_ex(v, "ci_low", &x) && x == NULL);
        v = json_object_array_get_idx(vs, 1);
        cr_expect(json_object_object_get_ex(v, "visitors", &x) && json_object_get_int64(x) == 2000);
        cr_expect(json_object_object_get_ex(v, "lift", &x) && json_object_is_type(x, json_type_double));
        cr_expect_float_eq(json_object_get_double(x), 0.3, 1e-12);   /* 6.5 % against 5 % */
        cr_expect(json_object_object_get_ex(v, "ci_low", &x) && x != NULL);
        cr_expect(json_object_object_get_ex(v, "ci_high", &x) && x != NULL);
        cr_expect(json_object_object_get_ex(v, "p_value", &x) && x != NULL);
        json_object_put(o);

        /* --since and --variant: the later polls, variant 2 and the control. */
        o = history_to_json(&(struct history_view) { .series = &s, .analyses = a, .first = 1, .variant = "2" });
        json_object_object_get_ex(o, "polls", &polls);
        cr_assert_eq(json_object_array_length(polls), 2);
        json_object_object_get_ex(json_object_array_get_idx(polls, 0), "variants", &vs);
        cr_assert_eq(json_object_array_length(vs), 2);
        json_object_object_get_ex(json_object_array_get_idx(vs, 1), "variant_id", &x);
        cr_expect_str_eq(json_object_get_string(x), "2");
        json_object_put(o);

        history_analyses_free(a, s.n_polls);
        history_series_free(&s);
}

Test(history_output, table_rows_and_sparklines)
{
        struct history_series s;
        struct experiment_analysis *a;
        char *text = NULL, *line;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        sample(&s, &a);
        cr_assert_not_null(f);
        history_print_table(f, &(struct history_view) { .series = &s, .analyses = a });
        fclose(f);
        cr_expect_gt(decode(text, NULL, SIZE_MAX), 0);   /* valid UTF-8 throughout */
        cr_expect_not_null(strstr(text, "Experiment 1004: Footer \"box\" — 実験\n"), "%s", text);
        cr_expect_not_null(strstr(text, "3 recorded polls. Method: sequential"), "%s", text);
        cr_expect_not_null(strstr(text, "2026-03-01T01:00:00Z 0 "), "%s", text);
        cr_expect_not_null(strstr(text, "(control)"), "%s", text);
        cr_expect_not_null(strstr(text, "+30.00 %"), "%s", text);
        /* One sparkline per non-control variant: no value, then two. */
        line = strstr(text, "  1 Green box");
        cr_assert_not_null(line, "%s", text);
        cr_expect_not_null(strstr(line, SPARKLINE_MISSING), "%s", line);
        cr_expect(strstr(line, B1) || strstr(line, B8), "%s", line);
        cr_expect_not_null(strstr(text, "  2 Blue box"), "%s", text);
        cr_expect_null(strstr(text, "  0 Control "), "no sparkline for the control: %s", text);
        free(text);

        /* --variant 2 --since: only its rows and its sparkline. */
        text = NULL;
        f = open_memstream(&text, &len);
        history_print_table(f, &(struct history_view) { .series = &s, .analyses = a, .first = 2,
                                                        .since = 1772330000, .variant = "2" });
        fclose(f);
        cr_expect_not_null(strstr(text, "3 recorded polls, 1 since 2026-03-01T01:53:20Z"), "%s", text);
        cr_expect_null(strstr(text, "2026-03-01T01:00:00Z"), "%s", text);
        cr_expect_null(strstr(text, " 1 Green box"), "%s", text);
        cr_expect_not_null(strstr(text, "  2 Blue box"), "%s", text);
        free(text);

        history_analyses_free(a, s.n_polls);
        history_series_free(&s);
}
