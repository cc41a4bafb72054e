/* The Prometheus text format (metrics.c) against a strict checker written
 * separately (prom_check.c), an exact expected file, escaping, missing
 * figures, and the atomic writer. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/metrics.h"
#include "prom_check.h"

static char *format(const struct metrics_input *in, size_t *len)
{
        char *text = NULL;
        size_t n = 0;

        cr_assert_eq(metrics_format(in, &text, &n), 0);
        cr_assert_not_null(text);
        cr_assert_eq(strlen(text), n);
        if (len)
                *len = n;
        return text;
}

static void expect_valid(const char *text)
{
        char err[512] = "";

        cr_expect_eq(prom_check(text, strlen(text), err, sizeof(err)), 0, "%s\n%s", err, text);
}

static void expect_invalid(const char *text, const char *why)
{
        char err[512] = "";

        cr_expect_eq(prom_check(text, strlen(text), err, sizeof(err)), -1, "accepted: %s", text);
        cr_expect(strstr(err, why), "'%s' does not say '%s'", err, why);
}

static const struct metrics_variant checkout_variants[] = {
        { .variant_id = "0", .visitors = 1000, .conversions = 100, .lift = NAN, .lift_low = NAN,
          .lift_high = NAN, .p_value = NAN, .p_value_adjusted = NAN, .prob_beat_control = NAN },
        { .variant_id = "1", .visitors = 1010, .conversions = 121, .lift = 0.1980198019801980,
          .lift_low = -0.05, .lift_high = 0.5, .p_value = 0.25, .p_value_adjusted = 0.5,
          .prob_beat_control = 0.9123 },
};

static const struct metrics_variant pricing_variants[] = {
        /* A control without conversions: no lift, p or chance to beat. */
        { .variant_id = "0", .visitors = 50, .conversions = 0, .lift = NAN, .lift_low = NAN,
          .lift_high = NAN, .p_value = NAN, .p_value_adjusted = NAN, .prob_beat_control = NAN },
        { .variant_id = "1", .visitors = -1, .conversions = -1, .lift = NAN, .lift_low = NAN,
          .lift_high = NAN, .p_value = NAN, .p_value_adjusted = NAN, .prob_beat_control = 0.5 },
};

static const struct metrics_experiment experiments[] = {
        { .id = 1001, .name = "Checkout \"big\" button", .srm_p = 0.75,
          .variants = checkout_variants, .n_variants = 2 },
        { .id = 1002, .name = NULL, .srm_p = NAN, .variants = pricing_variants, .n_variants = 2 },
};

static const struct metrics_labelled rules[] = { { "winner", 1 }, { "harm", 0 } };
static const struct metrics_labelled poll_errors[] = { { "auth", 2 }, { "server", 0 } };
static const struct metrics_labelled actions[] = { { "pause", 1 }, { "serve-winner", 0 } };
static const struct metrics_labelled health[] = { { "api_key_rejected", 1 }, { "api_failing", 0 } };

static struct metrics_input sample_input(void)
{
        return (struct metrics_input) {
                .version = "1.2.3",
                .experiments = experiments, .n_experiments = 2,
                .rules_firing = rules, .n_rules = 2,
                .poll_errors = poll_errors, .n_poll_errors = 2,
                .actions = actions, .n_actions = 2,
                .health = health, .n_health = 2,
                .poll_duration_seconds = 1.5,
                .last_cycle_timestamp = 1709251200,
                .deliveries_pending = 3,
                .deliveries_failed_total = 0,
        };
}

Test(metrics, exact_exposition)
{
        static const char expected[] =
"# HELP mida_visitors Visitors of the variant, as the Mida API reports them.\n"
"# TYPE mida_visitors gauge\n"
"mida_visitors{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"0\"} 1000\n"
"mida_visitors{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 1010\n"
"mida_visitors{experiment_id=\"1002\",experiment_name=\"\",variant_id=\"0\"} 50\n"
"# HELP mida_conversions Conversions of the variant, as the Mida API reports them.\n"
"# TYPE mida_conversions gauge\n"
"mida_conversions{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"0\"} 100\n"
"mida_conversions{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 121\n"
"mida_conversions{experiment_id=\"1002\",experiment_name=\"\",variant_id=\"0\"} 0\n"
"# HELP mida_lift Relative lift of the variant's conversion rate over the control's (0.05 is +5%).\n"
"# TYPE mida_lift gauge\n"
"mida_lift{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 0.198019801980198\n"
"# HELP mida_lift_low Lower bound of the lift's confidence interval.\n"
"# TYPE mida_lift_low gauge\n"
"mida_lift_low{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} -0.05\n"
"# HELP mida_lift_high Upper bound of the lift's confidence interval.\n"
"# TYPE mida_lift_high gauge\n"
"mida_lift_high{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 0.5\n"
"# HELP mida_p_value p-value of the variant against the control, before the multiple-variant correction.\n"
"# TYPE mida_p_value gauge\n"
"mida_p_value{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 0.25\n"
"# HELP mida_p_value_adjusted p-value after the multiple-variant correction; significant when below alpha.\n"
"# TYPE mida_p_value_adjusted gauge\n"
"mida_p_value_adjusted{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 0.5\n"
"# HELP mida_prob_beat_control Posterior probability that the variant converts better than the control.\n"
"# TYPE mida_prob_beat_control gauge\n"
"mida_prob_beat_control{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"1\"} 0.9123\n"
"mida_prob_beat_control{experiment_id=\"1002\",experiment_name=\"\",variant_id=\"1\"} 0.5\n"
"# HELP mida_srm_p p-value of the sample-ratio-mismatch test of the experiment.\n"
"# TYPE mida_srm_p gauge\n"
"mida_srm_p{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\"} 0.75\n"
"# HELP mida_alerts_firing Alerts of the rule firing now.\n"
"# TYPE mida_alerts_firing gauge\n"
"mida_alerts_firing{rule=\"winner\"} 1\n"
"mida_alerts_firing{rule=\"harm\"} 0\n"
"# HELP mida_health_degraded 1 while the health condition holds (the monitor cannot monitor properly), else 0.\n"
"# TYPE mida_health_degraded gauge\n"
"mida_health_degraded{condition=\"api_key_rejected\"} 1\n"
"mida_health_degraded{condition=\"api_failing\"} 0\n"
"# HELP mida_poll_errors_total Failed requests to the Mida API since the daemon started, by kind.\n"
"# TYPE mida_poll_errors_total counter\n"
"mida_poll_errors_total{kind=\"auth\"} 2\n"
"mida_poll_errors_total{kind=\"server\"} 0\n"
"# HELP mida_poll_duration_seconds Duration of the last poll cycle.\n"
"# TYPE mida_poll_duration_seconds gauge\n"
"mida_poll_duration_seconds 1.5\n"
"# HELP mida_deliveries_pending Notifications queued or being delivered.\n"
"# TYPE mida_deliveries_pending gauge\n"
"mida_deliveries_pending 3\n"
"# HELP mida_deliveries_failed_total Notifications given up (permanent failure or too old) since the daemon started.\n"
"# TYPE mida_deliveries_failed_total counter\n"
"mida_deliveries_failed_total 0\n"
"# HELP mida_actions_total Actions taken on experiments (pause, serve-winner), as recorded in the ledger.\n"
"# TYPE mida_actions_total counter\n"
"mida_actions_total{action=\"pause\"} 1\n"
"mida_actions_total{action=\"serve-winner\"} 0\n"
"# HELP mida_last_cycle_timestamp_seconds Time the last poll cycle finished, in seconds since the epoch.\n"
"# TYPE mida_last_cycle_timestamp_seconds gauge\n"
"mida_last_cycle_timestamp_seconds 1709251200\n"
"# HELP mida_build_info Always 1; the version of mida-monitor as a label.\n"
"# TYPE mida_build_info gauge\n"
"mida_build_info{version=\"1.2.3\"} 1\n";
        struct metrics_input in = sample_input();
        char *text = format(&in, NULL);

        cr_expect_str_eq(text, expected);
        expect_valid(text);
        free(text);
}

Test(metrics, missing_figures_have_no_sample)
{
        struct metrics_input in = sample_input();
        char *text = format(&in, NULL);

        cr_expect_null(strstr(text, "NaN"));
        cr_expect_null(strstr(text, "mida_srm_p{experiment_id=\"1002\""));
        cr_expect_null(strstr(text, "mida_visitors{experiment_id=\"1002\",experiment_name=\"\",variant_id=\"1\"}"));
        cr_expect_null(strstr(text, "mida_lift{experiment_id=\"1001\",experiment_name=\"Checkout \\\"big\\\" button\",variant_id=\"0\"}"));
        free(text);

        /* Nothing known yet: every family still there, and valid. */
        in = (struct metrics_input) { .version = "1", .poll_duration_seconds = NAN,
                                      .deliveries_pending = NAN, .deliveries_failed_total = NAN };
        text = format(&in, NULL);
        expect_valid(text);
        cr_expect(strstr(text, "# TYPE mida_poll_duration_seconds gauge\n# HELP mida_deliveries_pending"));
        cr_expect_null(strstr(text, "\nmida_last_cycle_timestamp_seconds "));
        free(text);
}

Test(metrics, label_values_escaped_and_valid_utf8)
{
        struct metrics_variant v = { .variant_id = "a\\b", .visitors = 1, .conversions = 0,
                                     .lift = NAN, .lift_low = NAN, .lift_high = NAN, .p_value = NAN,
                                     .p_value_adjusted = NAN, .prob_beat_control = NAN };
        struct metrics_experiment x = { .id = 7, .name = "line1\nline2 \"q\" back\\slash caf\xc3\xa9 bad\xff\xc3",
                                        .srm_p = NAN, .variants = &v, .n_variants = 1 };
        struct metrics_labelled rule = { "r\"1", 0 };
        struct metrics_input in = { .version = "0.1\n", .experiments = &x, .n_experiments = 1,
                                    .rules_firing = &rule, .n_rules = 1, .poll_duration_seconds = NAN,
                                    .deliveries_pending = NAN, .deliveries_failed_total = NAN };
        char *text = format(&in, NULL);

        expect_valid(text);
        cr_expect(strstr(text, "mida_visitors{experiment_id=\"7\",experiment_name=\"line1\\nline2 \\\"q\\\" "
                               "back\\\\slash caf\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd\",variant_id=\"a\\\\b\"} 1\n"),
                  "%s", text);
        cr_expect(strstr(text, "mida_alerts_firing{rule=\"r\\\"1\"} 0\n"));
        cr_expect(strstr(text, "mida_build_info{version=\"0.1\\n\"} 1\n"));
        free(text);
}

Test(metrics, long_names_cut_at_a_character)
{
        char name[600];
        struct metrics_variant v = { .variant_id = "0", .visitors = 5, .conversions = -1,
                                     .lift = NAN, .lift_low = NAN, .lift_high = NAN, .p_value = NAN,
                                     .p_value_adjusted = NAN, .prob_beat_control = NAN };
        struct metrics_experiment x = { .id = 1, .name = name, .srm_p = NAN, .variants = &v, .n_variants = 1 };
        struct metrics_input in = { .version = "1", .experiments = &x, .n_experiments = 1,
                                    .poll_duration_seconds = NAN, .deliveries_pending = NAN,
                                    .deliveries_failed_total = NAN };
        char *text, *start, *end;

        /* "é" is two bytes: byte 200 falls inside one at an odd offset. */
        name[0] = 'x';
        for (size_t i = 1; i + 2 < sizeof(name); i += 2)
                memcpy(name + i, "\xc3\xa9", 2), name[i + 2] = 0;
        text = format(&in, NULL);
        expect_valid(text);
        start = strstr(text, "experiment_name=\"") + strlen("experiment_name=\"");
        end = strchr(start, '"');
        cr_expect_eq(end - start, 199, "%d bytes", (int) (end - start));
        free(text);
}

Test(metrics, numbers_read_back_exactly)
{
        static const double values[] = { 0.1, 1.0 / 3, 2.0 / 3, 1e-300, 5e-324, 123456789.125,
                                         -0.0, 1e20, 9007199254740993.0, 0.30000000000000004 };
        static const char *const expected[] = { "0.1", "0.3333333333333333", "0.6666666666666666",
                                                "1e-300", "4.94065645841247e-324", "123456789.125", "0",
                                                "1e+20", "9007199254740992", "0.30000000000000004" };
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                struct metrics_input in = { .version = "1", .poll_duration_seconds = values[i],
                                            .deliveries_pending = NAN, .deliveries_failed_total = NAN };
                char *text = format(&in, NULL), buf[64];

                cr_assert_eq(prom_find(text, "mida_poll_duration_seconds", buf, sizeof(buf)), 0);
                cr_expect_str_eq(buf, expected[i]);
                cr_expect_eq(strtod(buf, NULL), values[i] == 0 ? 0 : values[i], "%s", buf);
                free(text);
        }
}

Test(metrics, infinities_spelled_as_prometheus_does)
{
        struct metrics_input in = { .version = "1", .poll_duration_seconds = INFINITY,
                                    .deliveries_pending = -INFINITY, .deliveries_failed_total = NAN };
        char *text = format(&in, NULL);

        expect_valid(text);
        cr_expect(strstr(text, "mida_poll_duration_seconds +Inf\n"));
        cr_expect(strstr(text, "mida_deliveries_pending -Inf\n"));
        free(text);
}

Test(metrics, poll_error_kinds)
{
        cr_expect_str_eq(metrics_poll_error_kind(401), "auth");
        cr_expect_str_eq(metrics_poll_error_kind(403), "auth");
        cr_expect_str_eq(metrics_poll_error_kind(429), "rate_limited");
        cr_expect_str_eq(metrics_poll_error_kind(503), "server");
        cr_expect_str_eq(metrics_poll_error_kind(400), "client");
        cr_expect_str_eq(metrics_poll_error_kind(200), "invalid_response");
        cr_expect_str_eq(metrics_poll_error_kind(0), "transport");
}

/* The checker must itself be strict, or the tests above prove nothing. */
Test(prom_check, rejects_what_the_format_forbids)
{
        expect_invalid("m 1\n", "before its HELP and TYPE");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm NaN\n", "NaN");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm 1 1700000000\n", "timestamp");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{a=\"x\\t\"} 1\n", "bad escape");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{a=\"x\"} 1\nm{a=\"x\"} 2\n", "duplicate series");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{a=\"x\",a=\"y\"} 1\n", "twice");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm 1\n# HELP n h\n# TYPE n gauge\nn 1\nm{a=\"b\"} 2\n",
                       "second time");
        expect_invalid("# HELP m h\n# TYPE m counter\nm 1\n", "_total");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm 1", "newline at the end");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{a=\"\xff\"} 1\n", "UTF-8");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{1a=\"x\"} 1\n", "label name");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{a=\"x\"}  1\n", "missing value");
        expect_invalid("# HELP m h\n# TYPE m gauge\n\nm 1\n", "blank line");
        expect_invalid("# HELP m h\n# TYPE m histogram\n", "only counter and gauge");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm 0x10\n", "bad value");
        expect_invalid("# HELP m h\n# TYPE m gauge\nm{__name__=\"x\"} 1\n", "reserved");
        expect_invalid("# TYPE m gauge\n# HELP m h\n# HELP m h\n", "second HELP");
        expect_invalid("# TYPE m gauge\n# HELP m h\nm 1\n# HELP m h\n", "after its samples");
        expect_invalid("# HELP 1m h\n", "bad metric name");
        expect_valid("# HELP m a \\\\ and \\n\n# TYPE m gauge\nm{a=\"\\\"\\n\\\\\"} -1.5e-3\nm{a=\"y\"} +Inf\n");
}

static struct metrics_experiment *many_experiments(size_t n, struct metrics_variant **ret_variants)
{
        struct metrics_experiment *x = calloc(n, sizeof(*x));
        struct metrics_variant *v = calloc(n * 3, sizeof(*v));
        static char names[3][8] = { "0", "1", "2" };

        cr_assert(x && v);
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < 3; j++) {
                        struct metrics_variant *var = &v[i * 3 + j];
                        *var = (struct metrics_variant) {
                                .variant_id = names[j], .visitors = 10000 + (long long) i,
                                .conversions = 1000 + (long long) j, .lift = j ? 0.0123 * (double) j : NAN,
                                .lift_low = j ? -0.02 : NAN, .lift_high = j ? 0.04 : NAN,
                                .p_value = j ? 0.4 / (double) (i + 1) : NAN,
                                .p_value_adjusted = j ? 0.8 / (double) (i + 1) : NAN,
                                .prob_beat_control = j ? 0.6 : NAN,
                        };
                }
                x[i] = (struct metrics_experiment) { .id = 100000 + (long long) i, .name = "Checkout button colour",
                                                     .srm_p = 0.5, .variants = &v[i * 3], .n_variants = 3 };
        }
        *ret_variants = v;
        return x;
}

static double seconds_since(const struct timespec *t0)
{
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(metrics, thousand_experiments_size_and_time)
{
        struct metrics_variant *v;
        struct metrics_experiment *x = many_experiments(1000, &v);
        struct metrics_input in = sample_input();
        struct timespec t0;
        size_t len;
        char *text;
        double elapsed;

        in.experiments = x;
        in.n_experiments = 1000;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        text = format(&in, &len);
        elapsed = seconds_since(&t0);
        expect_valid(text);
        cr_log_info("metrics for 1000 experiments x 3 variants: %zu bytes in %.1f ms", len, elapsed * 1000);
        /* Generous bounds: a budget, not a benchmark. */
        cr_expect_lt(len, 4u << 20);
        cr_expect_lt(elapsed, 2.0);
        free(text);
        free(x);
        free(v);
}

Test(metrics, writer_replaces_atomically_and_leaves_nothing_behind)
{
        char dir[] = "/tmp/mida-metrics-test.XXXXXX", path[256], *back = NULL;
        struct stat st;
        DIR *d;
        struct dirent *de;
        int entries = 0;

        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/mida.prom", dir);
        cr_expect_eq(metrics_write_file(path, "old\n", 4), 0);
        cr_expect_eq(metrics_write_file(path, "new\n", 4), 0);
        cr_assert_eq(stat(path, &st), 0);
        cr_expect_eq(st.st_mode & 0777, 0644);
        back = calloc(1, 16);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f);
        cr_expect_eq(fread(back, 1, 15, f), 4);
        fclose(f);
        cr_expect_str_eq(back, "new\n");
        free(back);
        d = opendir(dir);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
                        entries++;
        closedir(d);
        cr_expect_eq(entries, 1, "temporary files left in %s", dir);

        cr_expect_eq(metrics_write_file("mida.prom", "x", 1), -EINVAL);
        cr_expect_eq(metrics_write_file("/tmp/", "x", 1), -EINVAL);
        snprintf(path, sizeof(path), "%s/missing/mida.prom", dir);
        cr_expect_eq(metrics_write_file(path, "x", 1), -ENOENT);
        snprintf(path, sizeof(path), "%s/mida.prom", dir);
        unlink(path);
        rmdir(dir);
}
