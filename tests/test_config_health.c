/* The health group and monitor.metrics_file: values, defaults, and every
 * error as FILE:LINE. The files are in tests/data/config. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/duration.h"

#define SEC DURATION_USEC_PER_SEC
#define DATA TEST_DATA_DIR "/config/"

static void no_credentials(void)
{
        unsetenv("CREDENTIALS_DIRECTORY");
        unsetenv("STATE_DIRECTORY");
}

TestSuite(config_health, .init = no_credentials);

static int load(const char *name, struct config **c, struct config_diag *diag)
{
        char path[512];

        snprintf(path, sizeof(path), DATA "%s", name);
        return config_load(path, c, diag);
}

/* Message i is exactly "DATA/name:line: text". */
static void expect_message(const struct config_diag *d, size_t i, const char *name, unsigned line,
                           const char *text)
{
        char want[1024];

        cr_assert_lt(i, d->n_messages, "no message %zu", i);
        snprintf(want, sizeof(want), DATA "%s:%u: %s", name, line, text);
        cr_expect_str_eq(d->messages[i].text, want);
        cr_expect_eq(d->messages[i].line, line);
}

Test(config_health, values)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(load("health.conf", &c, &diag), 0, "%s", diag.n_messages ? diag.messages[0].text : "");
        cr_expect_eq(diag.n_messages, 0);
        cr_expect_str_eq(c->monitor.metrics_file, "/var/lib/prometheus/node-exporter/mida.prom");
        cr_assert_eq(c->health.n_notify, 2);
        cr_expect_eq(c->health.notify[0], 1);   /* pager */
        cr_expect_eq(c->health.notify[1], 0);   /* ops */
        cr_expect_eq(c->health.after_usec, 10 * 60 * SEC);
        cr_expect_eq(c->health.repeat_usec, 0);
        cr_expect_eq(c->health.stalled_after_usec, 6 * 3600 * SEC);
        config_diag_clear(&diag);
        config_free(c);
}

Test(config_health, defaults_without_group)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(load("minimal.conf", &c, &diag), 0);
        cr_expect_null(c->monitor.metrics_file);
        cr_expect_eq(c->health.n_notify, 0);
        cr_expect_eq(c->health.after_usec, 3600 * SEC);
        cr_expect_eq(c->health.repeat_usec, 24 * 3600 * SEC);
        cr_expect_eq(c->health.stalled_after_usec, 24 * 3600 * SEC);
        config_diag_clear(&diag);
        config_free(c);
}

Test(config_health, every_error_with_its_line)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(load("health-errors.conf", &c, &diag), -EINVAL);
        cr_assert_null(c);
        for (size_t i = 0; i < diag.n_messages; i++)
                cr_log_info("%s", diag.messages[i].text);
        cr_expect_eq(diag.n_errors, 5);
        expect_message(&diag, 0, "health-errors.conf", 2,
                       "'metrics_file' in monitor must be an absolute file name, e.g. "
                       "\"/var/lib/prometheus/node-exporter/mida.prom\"");
        expect_message(&diag, 1, "health-errors.conf", 7,
                       "unknown setting 'stalled_afer' in health (did you mean 'stalled_after'?)");
        expect_message(&diag, 2, "health-errors.conf", 5,
                       "unknown notifier 'opz' in notify of health (did you mean 'ops'?)");
        expect_message(&diag, 3, "health-errors.conf", 6,
                       "'after' in health is not a duration: '1 hour' (use e.g. \"90s\", \"15m\", \"1h\", \"2d\" or seconds)");
        expect_message(&diag, 4, "health-errors.conf", 8,
                       "'stalled_after' in health must be a duration such as \"90s\", \"15m\", \"1h\", \"2d\", not true or false");
        config_diag_clear(&diag);
}

Test(config_health, metrics_file_directory_is_an_error)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(load("metrics-dir.conf", &c, &diag), -EINVAL);
        cr_expect_eq(diag.n_errors, 1);
        expect_message(&diag, 0, "metrics-dir.conf", 2,
                       "'metrics_file' in monitor must be an absolute file name, e.g. "
                       "\"/var/lib/prometheus/node-exporter/mida.prom\"");
        config_diag_clear(&diag);
}

Test(config_health, metrics_file_without_prom_suffix_is_a_warning)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(load("health-metrics-warning.conf", &c, &diag), 0);
        cr_assert_eq(diag.n_warnings, 1);
        cr_expect_eq(diag.n_errors, 0);
        expect_message(&diag, 0, "health-metrics-warning.conf", 3,
                       "warning: 'metrics_file' in monitor does not end in \".prom\"; "
                       "node_exporter's textfile collector reads only *.prom files");
        cr_expect_str_eq(c->monitor.metrics_file, "/tmp/mida.txt");
        config_diag_clear(&diag);
        config_free(c);
}
