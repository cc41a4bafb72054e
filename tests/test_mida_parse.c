/* Tests of the response parsers (src/mida/mida.c, mida_list.c): every
 * documented example parses to the documented values; every broken input is
 * an error that names the problem, never a crash. Inputs are in
 * tests/data/results (copied from the API documentation). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mida/mida.h"

static char *slurp(const char *name, size_t *len)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/results/%s", TEST_DATA_DIR, name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "cannot open %s", path);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t) size + 1);
        cr_assert_eq(fread(buf, 1, (size_t) size, f), (size_t) size);
        buf[size] = '\0';
        fclose(f);
        *len = (size_t) size;
        return buf;
}

static void expect_documented_example(const struct mida_result *r)
{
        cr_expect_eq(r->test_id, 1234);
        cr_expect_str_eq(r->test_name, "Homepage CTA Button Color Test");
        cr_expect_eq(r->status_code, 1);
        cr_expect_str_eq(r->start_date, "2024-01-15T10:30:00.000Z");
        cr_expect_null(r->end_date);
        cr_expect_eq(r->days_running, 15);
        cr_expect_eq(r->total_visitors, 2980);
        cr_expect_eq(r->total_conversions, 268);
        cr_assert_eq(r->n_variants, 2);
        cr_expect_str_eq(r->variants[0].variant_id, "0");
        cr_expect_str_eq(r->variants[0].name, "Control");
        cr_expect(r->variants[0].is_control && !r->variants[1].is_control);
        cr_expect_eq(r->variants[1].visitors, 1480);
        cr_expect_eq(r->variants[1].conversions, 148);
        cr_expect(r->variants[1].has_visitors && r->variants[1].has_conversions);
        cr_expect_eq(mida_result_control(r), &r->variants[0]);
}

static void parse_ok(const char *name, struct mida_result *r)
{
        size_t len;
        char *text = slurp(name, &len), *error = NULL;

        cr_assert_eq(mida_result_parse(text, len, r, &error), 0, "%s: %s", name, error);
        free(text);
}

Test(result, documented_example_in_every_wrapping)
{
        static const char *const files[] = { "example.json", "wrapped-data.json", "bare-data.json" };

        for (size_t i = 0; i < 3; i++) {
                struct mida_result r;
                parse_ok(files[i], &r);
                expect_documented_example(&r);
                mida_result_free(&r);
        }
}

Test(result, unknown_fields_and_control_by_flag)
{
        struct mida_result r;

        parse_ok("three-variants.json", &r);
        cr_assert_eq(r.n_variants, 3);
        cr_expect_str_eq(r.variants[0].variant_id, "control");
        cr_expect(r.variants[0].is_control, "is_control true wins over the id");
        cr_expect_eq(r.variants[2].visitors, 1510);
        mida_result_free(&r);
}

Test(result, degenerate_counts_are_kept)
{
        struct mida_result r;

        parse_ok("degenerate-counts.json", &r);
        cr_assert_eq(r.n_variants, 5);
        cr_expect_eq(r.variants[1].visitors, -5);
        cr_expect(!r.variants[2].has_visitors && r.variants[2].has_conversions);
        cr_expect(!r.variants[4].has_visitors && !r.variants[4].has_conversions, "null counts");
        mida_result_free(&r);
}

static void expect_error(const char *text, size_t len, const char *want)
{
        struct mida_result r;
        char *error = NULL;
        int ret = mida_result_parse(text, len, &r, &error);

        cr_expect_eq(ret, -EINVAL, "accepted: %.60s", text);
        cr_assert_not_null(error);
        cr_expect(strstr(error, want), "error \"%s\" does not say \"%s\"", error, want);
        cr_expect(!strchr(error, '\n'), "one line: %s", error);
        free(error);
}

static void expect_file_error(const char *name, const char *want)
{
        size_t len;
        char *text = slurp(name, &len);

        expect_error(text, len, want);
        free(text);
}

Test(result, broken_inputs_name_the_problem)
{
        static const struct { const char *file, *error; } cases[] = {
                { "broken-truncated.json", "incomplete JSON" },
                { "broken-wrong-type-visitors.json", "variants[1].visitors: expected an integer" },
                { "broken-fractional-conversions.json", "variants[0].conversions: expected an integer" },
                { "broken-wrong-type-test-id.json", "test_id: expected an integer" },
                { "broken-variants-not-array.json", "variants: expected an array" },
                { "broken-missing-variants.json", "variants: missing" },
                { "broken-missing-variant-id.json", "variants[1].variant_id: missing" },
                { "broken-duplicate-variant-id.json", "variants[1].variant_id: duplicate \"0\"" },
                { "broken-wrong-type-is-control.json", "variants[1].is_control: expected true or false" },
                { "broken-success-false.json", "the API reported a failure: Experiment not found" },
                { "broken-not-object.json", "expected a JSON object" },
                { "broken-html.html", "HTML" },
                { "broken-trailing-garbage.json", "not JSON: unexpected character at byte 657" },
                { "broken-empty.json", "incomplete JSON" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                expect_file_error(cases[i].file, cases[i].error);
}

#define EXPECT_ERROR(literal, want) expect_error(literal, sizeof(literal) - 1, want)

Test(result, inline_broken_inputs)
{
        EXPECT_ERROR("\"just a string\"", "expected a JSON object");
        EXPECT_ERROR("{\"test_id\": 1, \"variants\": [1]}", "variants[0]: expected an object");
        EXPECT_ERROR("{\"test_id\": 99999999999999999999, \"variants\": []}", "test_id");
        EXPECT_ERROR("{test_id: 1}", "not JSON");
        EXPECT_ERROR("{\"test_id\": 1, \"variants\": [],}", "not JSON");
        EXPECT_ERROR("{\"test_id\": 1, \"variants\": [], \"status_code\": 1e300}", "status_code");
        EXPECT_ERROR("{\"test_id\": 1, \"variants\": [], \"status_code\": 4294967296}", "status_code");
        EXPECT_ERROR("{\"test_id\": 1, \"variants\": [{\"variant_id\": [\"0\"]}]}", "variants[0].variant_id");
        /* a NUL inside the length is not the end of the input */
        EXPECT_ERROR("{\"test_id\": 1,\0 \"variants\": []}", "JSON");
}

/* 8 MiB of junk, made here rather than committed: random bytes, then deep
 * nesting, then a giant string that never ends. */
Test(result, eight_mib_of_junk)
{
        size_t len = 8u << 20;
        char *junk = malloc(len);
        unsigned long long x = 88172645463325252ull;

        for (size_t i = 0; i < len; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                junk[i] = (char) x;
        }
        junk[0] = '{';   /* get past the first byte at least */
        expect_error(junk, len, "JSON");
        memset(junk, '[', len);
        expect_error(junk, len, "not JSON");
        memset(junk, 'a', len);
        junk[0] = '"';
        expect_error(junk, len, "incomplete JSON");
        free(junk);
}

Test(snapshots, array_of_results)
{
        size_t len, n;
        char *text = slurp("snapshots.json", &len), *error = NULL;
        struct mida_result *rs;

        cr_assert_eq(mida_results_parse(text, len, &rs, &n, &error), 0, "%s", error);
        cr_assert_eq(n, 3);
        cr_expect_eq(rs[0].variants[0].visitors, 500);
        cr_expect_eq(rs[2].variants[1].conversions, 148);
        mida_results_free(rs, n);
        free(text);

        text = slurp("example.json", &len);
        cr_assert_eq(mida_results_parse(text, len, &rs, &n, &error), 0, "%s", error);
        cr_expect_eq(n, 1, "a single object is one snapshot");
        expect_documented_example(&rs[0]);
        mida_results_free(rs, n);
        free(text);
}

Test(snapshots, errors_carry_the_index)
{
        static const struct { const char *file, *error; } cases[] = {
                { "broken-snapshot-element.json", "[2].variants[0].visitors: expected an integer" },
                { "broken-empty-array.json", "no results" },
                { "broken-not-object.json", "[0]: expected a JSON object" },
        };
        for (size_t i = 0; i < 3; i++) {
                size_t len, n;
                char *text = slurp(cases[i].file, &len), *error = NULL;
                struct mida_result *rs = NULL;
                cr_expect_eq(mida_results_parse(text, len, &rs, &n, &error), -EINVAL);
                cr_expect(error && strstr(error, cases[i].error), "%s: %s", cases[i].file, error);
                free(error);
                free(text);
        }
}

Test(list, documented_example)
{
        size_t len;
        char *text = slurp("list-example.json", &len), *error = NULL;
        struct mida_experiment_list l;

        cr_assert_eq(mida_experiment_list_parse(text, len, &l, &error), 0, "%s", error);
        cr_expect_eq(l.count, 2);
        cr_assert_eq(l.n, 2);
        cr_expect_eq(l.experiments[0].test_id, 1234);
        cr_expect_str_eq(l.experiments[0].test_name, "Homepage CTA Button Color Test");
        cr_expect_eq(l.experiments[0].status, 1);
        cr_expect(!l.experiments[0].is_completed);
        cr_expect_eq(l.experiments[1].status, 0);
        cr_expect(l.experiments[1].is_completed);
        mida_experiment_list_free(&l);
        free(text);
}

static int parse_list_text(const char *text, struct mida_experiment_list *l, char **error)
{
        return mida_experiment_list_parse(text, strlen(text), l, error);
}

Test(list, wrappings_and_errors)
{
        struct mida_experiment_list l;
        char *error = NULL;

        cr_assert_eq(parse_list_text("{\"data\": {\"experiments\": [{\"test_id\": 7, \"status\": \"live\"}]}}", &l,
                                     &error), 0, "%s", error);
        cr_expect(l.n == 1 && l.experiments[0].test_id == 7 && l.experiments[0].status == 1 && l.count == 1);
        mida_experiment_list_free(&l);
        cr_assert_eq(parse_list_text("{\"success\": true, \"data\": [{\"test_id\": 8}]}", &l, &error), 0);
        cr_expect(l.n == 1 && l.experiments[0].status == -1);
        mida_experiment_list_free(&l);
        cr_assert_eq(parse_list_text("[]", &l, &error), 0);
        cr_expect_eq(l.n, 0);
        mida_experiment_list_free(&l);

        cr_expect_eq(parse_list_text("{\"experiments\": [{\"test_id\": 1}, {\"test_id\": \"x\"}]}", &l, &error),
                     -EINVAL);
        cr_expect_str_eq(error, "experiments[1].test_id: expected an integer");
        cr_expect_eq(parse_list_text("{\"count\": 0}", &l, &error), -EINVAL);
        cr_expect_str_eq(error, "experiments: missing");
        cr_expect_eq(parse_list_text("<html>", &l, &error), -EINVAL);
        cr_expect_str_eq(error, "not JSON: looks like an HTML page");
        cr_expect_eq(parse_list_text("{\"success\": false, \"error\": \"Invalid API key\"}", &l, &error), -EINVAL);
        cr_expect_str_eq(error, "the API reported a failure: Invalid API key");
        free(error);
}

/* Found by tests/fuzz (fuzz-list): a value quoted in a message carried its
 * newlines into the journal. Messages stay one line. */
Test(list, quoted_values_keep_messages_one_line)
{
        struct mida_experiment_list l;
        char *error = NULL;

        cr_expect_eq(parse_list_text("{\"experiments\": [{\"test_id\": 1, \"status\": \"a\\nb\rc\"}]}", &l, &error),
                     -EINVAL);
        cr_expect_str_eq(error, "experiments[0].status: unknown status \"a b c\"");
        cr_expect_eq(parse_list_text("{\"experiments\": [{\"test_id\": 1, \"status\": \"2024\n\n\"}]}", &l, &error),
                     -EINVAL);
        cr_expect_str_eq(error, "experiments[0].status: unknown status \"2024  \"");
        free(error);
        EXPECT_ERROR("{\"test_id\": 1, \"variants\": [{\"variant_id\": \"0\\n\"}, {\"variant_id\": \"0\\n\"}]}",
                     "variants[1].variant_id: duplicate \"0 \"");
}

Test(action_response, only_success_true_confirms)
{
        static const char *const confirmed[] = {
                "{\"success\": true, \"test_id\": 1234, \"status\": 0}",
                "{\"success\":true,\"test_id\":1234,\"serving_variant_id\":\"1\",\"traffic_allocation\":25,"
                "\"is_serving\":true,\"message\":\"Winner is now served\"}",
        };
        static const char *const unconfirmed[] = {
                "", "garbage", "{\"success\": false}", "{\"test_id\": 1234}", "[true]",
                "{\"success\": \"true\"}", "<html>502</html>", "{\"success\": true",
        };

        for (size_t i = 0; i < sizeof(confirmed) / sizeof(confirmed[0]); i++)
                cr_expect(mida_action_confirmed(confirmed[i], strlen(confirmed[i])), "%s", confirmed[i]);
        for (size_t i = 0; i < sizeof(unconfirmed) / sizeof(unconfirmed[0]); i++)
                cr_expect_not(mida_action_confirmed(unconfirmed[i], strlen(unconfirmed[i])), "%s", unconfirmed[i]);
        cr_expect_not(mida_action_confirmed(NULL, 0));
}
