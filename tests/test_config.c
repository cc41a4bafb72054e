/* Config loading: valid files, defaults, and every kind of error with its
 * exact FILE:LINE. The files are in tests/data/config. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/duration.h"

#define SEC DURATION_USEC_PER_SEC
#define DATA TEST_DATA_DIR "/config/"

struct expected {
        unsigned line;
        const char *message;   /* the text after "FILE:LINE: " */
};

static void no_credentials(void)
{
        unsetenv("CREDENTIALS_DIRECTORY");
        unsetenv("STATE_DIRECTORY");
}

TestSuite(config, .init = no_credentials);

static struct config *load_ok(const char *path)
{
        struct config_diag diag = {};
        struct config *c = NULL;
        int r = config_load(path, &c, &diag);

        cr_assert_eq(r, 0, "%s: load failed (%d): %s", path, r,
                     diag.n_messages ? diag.messages[0].text : "(no message)");
        cr_assert_eq(diag.n_messages, 0, "%s: unexpected message: %s", path, diag.messages[0].text);
        config_diag_clear(&diag);
        return c;
}

/* Loads a file that must fail with exactly these errors, in this order. */
static void expect_errors(const char *name, const struct expected *e, size_t n)
{
        struct config_diag diag = {};
        struct config *c = NULL;
        char path[512];
        int r;

        snprintf(path, sizeof(path), DATA "%s", name);
        r = config_load(path, &c, &diag);
        cr_assert_eq(r, -EINVAL, "%s: expected -EINVAL, got %d", name, r);
        cr_assert_null(c);
        for (size_t i = 0; i < diag.n_messages; i++)
                cr_log_info("%s", diag.messages[i].text);
        cr_assert_eq(diag.n_errors, n, "%s: %zu errors, expected %zu", name, diag.n_errors, n);
        for (size_t i = 0; i < n; i++) {
                char want[1024];

                snprintf(want, sizeof(want), "%s:%u: %s", path, e[i].line, e[i].message);
                cr_expect_eq(diag.messages[i].line, e[i].line, "%s: error %zu line", name, i);
                cr_expect_str_eq(diag.messages[i].text, want);
        }
        config_diag_clear(&diag);
}

#define EXPECT_ERRORS(name, ...) do { \
                const struct expected e_[] = { __VA_ARGS__ }; \
                expect_errors(name, e_, sizeof(e_) / sizeof(e_[0])); \
        } while (0)

Test(config, minimal_file_gets_every_default)
{
        struct config *c = load_ok(DATA "minimal.conf");

        cr_expect_str_eq(c->mida.base_url, "https://api-us.mida.so/v2");
        cr_expect_str_eq(c->mida.project_key, "proj_1");
        cr_expect_str_eq(c->mida.api_key, "test-key");
        cr_expect_eq(c->mida.timeout_usec, 30 * SEC);
        cr_expect_eq(c->mida.connect_timeout_usec, 10 * SEC);
        cr_expect_eq(c->mida.max_connections, 4);
        cr_expect_eq(c->mida.max_requests_per_second, 5.0);
        cr_expect_eq(c->mida.max_response_size, 8u << 20);
        cr_expect_null(c->mida.ca_file);
        cr_expect_eq(c->monitor.interval_usec, 15 * 60 * SEC);
        cr_expect(c->monitor.experiments_live);
        cr_expect_eq(c->monitor.n_exclude, 0);
        cr_expect_str_eq(c->monitor.state_directory, "/var/lib/mida-monitor-minimal", "NAME.conf: instance NAME");
        cr_expect_not(c->monitor.dry_run);
        cr_expect_eq(c->monitor.max_actions_per_hour, 3);
        cr_expect_null(c->monitor.metrics_file);
        cr_expect_eq(c->monitor.spread, 0.5);
        cr_expect_eq(c->monitor.history_retention_usec, 400 * 24 * 3600 * SEC);
        cr_expect_eq(c->statistics.method, STATS_METHOD_SEQUENTIAL);
        cr_expect_eq(c->statistics.alpha, 0.05);
        cr_expect_eq(c->statistics.sequential_tuning, 5000);
        cr_expect_eq(c->statistics.correction, STATS_CORRECTION_HOLM);
        cr_expect_eq(c->statistics.srm_alpha, 0.001);
        cr_expect_eq(c->statistics.min_visitors, 100);
        cr_expect_eq(c->statistics.min_conversions, 25);
        cr_expect_eq(c->statistics.n_weights, 0);
        cr_expect_eq(c->n_notifiers, 0);
        cr_expect_eq(c->n_rules, 0);
        cr_expect_eq(c->health.n_notify, 0);
        cr_expect_eq(c->health.after_usec, 3600 * SEC);
        cr_expect_eq(c->health.repeat_usec, 24 * 3600 * SEC);
        cr_expect_eq(c->health.stalled_after_usec, 24 * 3600 * SEC);
        config_free(c);
}

Test(config, state_directory_defaults_to_systemd_one)
{
        struct config *c;

        setenv("STATE_DIRECTORY", "/var/lib/private/mida-monitor:/var/lib/other", 1);
        c = load_ok(DATA "minimal.conf");
        cr_expect_str_eq(c->monitor.state_directory, "/var/lib/private/mida-monitor");
        config_free(c);
}

/* A copy of minimal.conf called name, in a fresh directory. */
static struct config *load_copy_named(const char *name)
{
        char dir[] = "/tmp/mida-config-XXXXXX", path[256], cmd[600];
        struct config *c;

        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", DATA "minimal.conf", path);
        cr_assert_eq(system(cmd), 0);
        c = load_ok(path);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
        return c;
}

/* Outside systemd, the state directory mida-monitor.service or the
 * instance mida-monitor@NAME.service would give. */
Test(config, state_directory_follows_the_config_name)
{
        const char *names[][2] = {
                { "mida-monitor.conf", "/var/lib/mida-monitor" },
                { "clientA.conf", "/var/lib/mida-monitor-clientA" },
                { "settings", "/var/lib/mida-monitor" },
                { ".conf", "/var/lib/mida-monitor" },
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                struct config *c = load_copy_named(names[i][0]);
                cr_expect_str_eq(c->monitor.state_directory, names[i][1], "%s", names[i][0]);
                config_free(c);
        }
}

Test(config, full_file_values)
{
        struct config *c = load_ok(DATA "full.conf");

        cr_expect_str_eq(c->mida.base_url, "http://127.0.0.1:8080/v2");
        cr_expect_eq(c->mida.timeout_usec, 12 * SEC);
        cr_expect_eq(c->mida.connect_timeout_usec, 2 * SEC);
        cr_expect_eq(c->mida.max_connections, 8);
        cr_expect_eq(c->mida.max_requests_per_second, 0.0);
        cr_expect_eq(c->mida.max_response_size, 65536);

        cr_expect_eq(c->monitor.interval_usec, 5400 * SEC);
        cr_expect_not(c->monitor.experiments_live);
        cr_assert_eq(c->monitor.n_experiments, 2);
        cr_expect_str_eq(c->monitor.experiments[0], "1234");
        cr_expect_str_eq(c->monitor.experiments[1], "5678");
        cr_assert_eq(c->monitor.n_exclude, 1);
        cr_expect_str_eq(c->monitor.exclude[0], "99");
        cr_expect_str_eq(c->monitor.state_directory, "/tmp/mida-state");
        cr_expect(c->monitor.dry_run);
        cr_expect_eq(c->monitor.max_actions_per_hour, 0);
        cr_expect_str_eq(c->monitor.metrics_file, "/tmp/mida.prom");
        cr_expect_eq(c->monitor.spread, 1.0);
        cr_expect_eq(c->monitor.history_retention_usec, 30 * 24 * 3600 * SEC);

        cr_expect_eq(c->statistics.method, STATS_METHOD_FIXED);
        cr_expect_eq(c->statistics.alpha, 0.1);
        cr_expect_eq(c->statistics.sequential_tuning, 20000);
        cr_expect_eq(c->statistics.correction, STATS_CORRECTION_BONFERRONI);
        cr_expect_eq(c->statistics.srm_alpha, 0.01);
        cr_expect_eq(c->statistics.min_visitors, 0);
        cr_expect_eq(c->statistics.min_conversions, 5);
        cr_assert_eq(c->statistics.n_weights, 3);
        cr_expect_eq(c->statistics.weights[1], 2.0);

        cr_assert_eq(c->n_notifiers, 2);
        cr_expect_str_eq(c->notifiers[0].name, "growth");
        cr_expect_eq(c->notifiers[0].type, NOTIFIER_SLACK);
        cr_expect_str_eq(c->notifiers[0].url, "https://hooks.slack.com/services/T/B/X");
        cr_expect_null(c->notifiers[0].secret);
        cr_expect_eq(c->notifiers[0].max_age_usec, 24 * 3600 * SEC);
        cr_expect_eq(c->notifiers[1].type, NOTIFIER_WEBHOOK);
        cr_expect_str_eq(c->notifiers[1].url, "http://[::1]:9000/hook");
        cr_expect_eq(c->notifiers[1].secret_size, 24);
        cr_expect_eq(c->notifiers[1].max_age_usec, 2 * 86400 * SEC);

        cr_assert_eq(c->n_rules, 2);
        cr_expect_str_eq(c->rules[0].name, "winner");
        cr_expect_str_eq(c->rules[0].when, "significant && lift > 0.02");
        cr_expect_eq(c->rules[0].when_line, 38);
        cr_expect_eq(c->rules[0].when_column, 36);   /* the first character after the quote */
        cr_expect_str_eq(c->rules[0].when_file, DATA "full.conf");
        cr_expect_eq(c->rules[0].for_usec, 3600 * SEC);
        cr_expect_eq(c->rules[0].severity, RULE_SEVERITY_INFO);
        cr_assert_eq(c->rules[0].n_notify, 1);
        cr_expect_eq(c->rules[0].notify[0], 0);
        cr_expect_eq(c->rules[0].action, RULE_ACTION_SERVE_WINNER);
        cr_expect_eq(c->rules[0].traffic_allocation, 80);
        cr_expect_eq(c->rules[0].repeat_usec, 6 * 3600 * SEC);
        cr_expect_not(c->rules[0].notify_resolved);
        cr_assert_eq(c->rules[0].n_experiments, 2);
        cr_expect_str_eq(c->rules[0].experiments[0], "Pricing*");
        cr_expect_eq(c->rules[1].when_line, 42);
        cr_expect_eq(c->rules[1].when_column, 19);
        cr_expect_eq(c->rules[1].line, 41);
        cr_assert_eq(c->rules[1].n_notify, 1);   /* a single name as a string */
        cr_expect_eq(c->rules[1].notify[0], 1);
        cr_expect_eq(c->rules[1].severity, RULE_SEVERITY_CRITICAL);
        cr_expect_eq(c->rules[1].action, RULE_ACTION_PAUSE);
        cr_expect_eq(c->rules[1].traffic_allocation, 100);
        cr_expect_eq(c->rules[1].for_usec, 0);
        cr_expect_eq(c->rules[1].repeat_usec, 0);
        cr_expect(c->rules[1].notify_resolved);
        cr_expect_eq(c->rules[1].n_experiments, 0);

        cr_assert_eq(c->health.n_notify, 2);
        cr_expect_eq(c->health.notify[0], 1);
        cr_expect_eq(c->health.notify[1], 0);
        cr_expect_eq(c->health.after_usec, 30 * 60 * SEC);
        cr_expect_eq(c->health.repeat_usec, 0);
        cr_expect_eq(c->health.stalled_after_usec, 2 * 86400 * SEC);
        config_free(c);
}

Test(config, example_config_passes_check)
{
        char path[512];
        struct config_diag diag = {};
        struct config *c = NULL;

        snprintf(path, sizeof(path), "%s/../../etc/mida-monitor.conf", TEST_DATA_DIR);
        cr_assert_eq(config_load_with_flags(path, CONFIG_LOAD_CHECK_ONLY, &c, &diag), 0,
                     "%s", diag.n_messages ? diag.messages[0].text : "");
        cr_expect_eq(diag.n_errors, 0);
        /* Only the note that credentials could not be checked here. */
        cr_assert_eq(diag.n_warnings, 1);
        cr_expect(strstr(diag.messages[0].text, "mida-api-key, slack-growth-url, ops-webhook-url, ops-webhook-secret"));
        cr_expect(c->monitor.experiments_live);
        cr_expect_eq(c->n_notifiers, 2);
        cr_expect_eq(c->n_rules, 3);
        cr_expect_null(c->mida.api_key);
        config_diag_clear(&diag);
        config_free(c);
}

Test(config, syntax_error_uses_libconfig_line)
{
        EXPECT_ERRORS("syntax-error.conf", { 4, "syntax error" });
}

/* libconfig 1.5 ends the process on these; they must be plain errors. */
Test(config, include_of_a_directory_or_with_a_nul_is_an_error)
{
        EXPECT_ERRORS("include-directory.conf", { 3, "@include \"\": not a regular file" });
        EXPECT_ERRORS("include-nul.conf", { 2, "contains a NUL byte: not a text file" });
}

Test(config, unknown_key_suggests_nearest)
{
        EXPECT_ERRORS("unknown-key.conf",
                      { 3, "unknown setting 'intervall' in monitor (did you mean 'interval'?)" },
                      { 4, "unknown setting 'frobnicate' in monitor" });
}

Test(config, wrong_type)
{
        EXPECT_ERRORS("wrong-type.conf",
                      { 4, "'max_connections' in mida must be an integer, not a string" },
                      { 7, "'dry_run' in monitor must be true or false, not a string" });
}

Test(config, out_of_range)
{
        EXPECT_ERRORS("out-of-range.conf",
                      { 1, "'max_connections' in mida must be between 1 and 64" },
                      { 3, "'interval' in monitor must be at least 30s" },
                      { 6, "'alpha' in statistics must be in (0, 0.5]" },
                      { 11, "'traffic_allocation' in rule 'r' must be between 1 and 100" });
}

Test(config, bad_duration)
{
        EXPECT_ERRORS("bad-duration.conf",
                      { 3, "'interval' in monitor is not a duration: '15 minutes' (use e.g. \"90s\", \"15m\", \"1h\", \"2d\" or seconds)" },
                      { 6, "'after' in health is out of range (negative or too long)" },
                      { 7, "'repeat' in health must be a duration such as \"90s\", \"15m\", \"1h\", \"2d\", not a number" });
}

Test(config, missing_required_points_at_parent_group)
{
        EXPECT_ERRORS("missing-required.conf",
                      { 2, "missing required setting 'project_key' in mida" },
                      { 6, "missing required setting 'type' in notifier 'n' (slack, webhook, alertmanager, pagerduty, teams or email)" },
                      { 6, "missing url in notifier 'n': set one of url, url_file or url_credential" },
                      { 9, "missing required setting 'when' in rule 'r'" });
}

Test(config, missing_mida_group_is_line_1)
{
        EXPECT_ERRORS("missing-mida.conf",
                      { 1, "missing required group 'mida' (project_key and the API key)" });
}

Test(config, url_and_url_file)
{
        EXPECT_ERRORS("url-and-url-file.conf",
                      { 5, "notifier 'n' sets both 'url' and 'url_file'; set only one" });
}

Test(config, duplicate_names)
{
        EXPECT_ERRORS("duplicate-names.conf",
                      { 4, "duplicate notifier name 'ops' (first defined at line 3)" },
                      { 8, "duplicate rule name 'r' (first defined at line 7)" });
}

Test(config, unknown_notifier)
{
        EXPECT_ERRORS("unknown-notifier.conf",
                      { 5, "unknown notifier 'grwoth' in notify of rule 'r' (did you mean 'growth'?)" },
                      { 7, "unknown notifier 'pager' in notify of health" });
}

Test(config, unknown_action_lists_allowed)
{
        EXPECT_ERRORS("unknown-action.conf",
                      { 4, "unknown action 'stop' in rule 'r' (allowed: pause, serve-winner)" });
}

Test(config, plain_http_only_to_loopback)
{
        EXPECT_ERRORS("http-url.conf",
                      { 2, "'base_url' in mida must use https (plain http is allowed only to 127.0.0.0/8, localhost or [::1])" },
                      { 7, "url of notifier 'n' must use https (plain http is allowed only to 127.0.0.0/8, localhost or [::1])" },
                      { 8, "url of notifier 'm' must use https" });
}

Test(config, unreadable_files)
{
        EXPECT_ERRORS("unreadable-file.conf",
                      { 3, "cannot read 'api_key_file' in mida (" DATA "no-such-api-key-file): No such file or directory" },
                      { 4, "cannot read 'ca_file' in mida (/nonexistent/ca.pem): No such file or directory" },
                      { 8, "cannot read 'secret_file' in notifier 'n' (" DATA "no-such-secret-file): No such file or directory" });
}

Test(config, bad_signing_secret_is_not_printed)
{
        EXPECT_ERRORS("bad-secret.conf",
                      { 4, "signing secret of notifier 'hook' is not of the form whsec_<base64>" },
                      { 6, "'secret' in notifier 'slack': only webhook notifiers take it" });
}

Test(config, three_mistakes_three_errors)
{
        EXPECT_ERRORS("three-mistakes.conf",
                      { 7, "unknown setting 'intervall' in monitor (did you mean 'interval'?)" },
                      { 10, "'alpha' in statistics must be in (0, 0.5]" },
                      { 13, "unknown action 'stop' in rule 'r' (allowed: pause, serve-winner)" });
}

Test(config, unreadable_config_file)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_expect_eq(config_load(DATA "does-not-exist.conf", &c, &diag), -ENOENT);
        cr_expect_null(c);
        cr_assert_eq(diag.n_errors, 1);
        cr_expect_str_eq(diag.messages[0].text,
                         DATA "does-not-exist.conf: cannot read the config file: No such file or directory");
        config_diag_clear(&diag);
}

Test(config, diag_accumulates_across_loads)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_expect_eq(config_load(DATA "unknown-action.conf", &c, &diag), -EINVAL);
        cr_expect_eq(config_load(DATA "missing-mida.conf", &c, &diag), -EINVAL);
        cr_expect_eq(diag.n_errors, 2);
        config_diag_clear(&diag);
        cr_expect_eq(diag.n_messages, 0);
        cr_expect_null(diag.messages);
}
