/* The Prometheus text format: see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/atomic_file.h"
#include "util/grow.h"

/* Experiment names come from the API: bounded, so one long name cannot
 * blow up the file. */
#define MAX_LABEL_BYTES 200

/* The text being built: doubling growth, so formatting stays linear. */
struct out {
        char *data;
        size_t len, cap;
        bool failed;
};

static void out_write(struct out *o, const char *s, size_t n)
{
        if (o->failed)
                return;
        if (grow_bytes(&o->data, &o->cap, o->len + n + 1, 4096) < 0) {
                o->failed = true;
                return;
        }
        memcpy(o->data + o->len, s, n);
        o->len += n;
        o->data[o->len] = 0;
}

static void out_puts(struct out *o, const char *s)
{
        out_write(o, s, strlen(s));
}

static void out_putc(struct out *o, char c)
{
        out_write(o, &c, 1);
}

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct out *o, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(buf))
                o->failed = true;   /* callers print names and numbers only */
        else
                out_write(o, buf, (size_t) n);
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 when
 * it is not one (overlong forms, surrogates and > U+10FFFF included). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
        size_t len;
        unsigned cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return len;
}

/* A label value between quotes: \ " and newline escaped, invalid UTF-8
 * replaced by U+FFFD, at most MAX_LABEL_BYTES of input (cut at a
 * character boundary). */
static void put_label_value(struct out *f, const char *value)
{
        const unsigned char *s = (const unsigned char *) (value ? value : "");
        size_t n = strlen((const char *) s), i = 0;

        if (n > MAX_LABEL_BYTES) {
                n = MAX_LABEL_BYTES;
                while (n > 0 && (s[n] & 0xc0) == 0x80)   /* not inside a character */
                        n--;
        }
        out_putc(f, '"');
        while (i < n) {
                size_t len = utf8_sequence(s + i, n - i);

                if (len == 0) {
                        out_puts(f, "\xef\xbf\xbd");
                        i++;
                        continue;
                }
                if (s[i] == '\\')
                        out_puts(f, "\\\\");
                else if (s[i] == '"')
                        out_puts(f, "\\\"");
                else if (s[i] == '\n')
                        out_puts(f, "\\n");
                else
                        out_write(f, (const char *) s + i, len);
                i += len;
        }
        out_putc(f, '"');
}

/* The shortest text that reads back as v; integers without an exponent
 * up to 2^53; Prometheus' spelling of the infinities. */
static void put_value(struct out *f, double v)
{
        char buf[40];

        if (isnan(v)) {
                out_puts(f, "NaN");
                return;
        }
        if (isinf(v)) {
                out_puts(f, v > 0 ? "+Inf" : "-Inf");
                return;
        }
        if (v == floor(v) && fabs(v) < 9007199254740992.0) {
                out_printf(f, "%.0f", v == 0 ? 0.0 : v);   /* no "-0" */
                return;
        }
        for (int precision = 15; precision <= 17; precision++) {
                snprintf(buf, sizeof(buf), "%.*g", precision, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        out_puts(f, buf);
}

enum family_type { GAUGE, COUNTER };

static void put_family(struct out *f, const char *name, enum family_type type, const char *help)
{
        out_printf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type == COUNTER ? "counter" : "gauge");
}

/* name{experiment_id="…",experiment_name="…"[,variant_id="…"]} value */
static void put_experiment_sample(struct out *f, const char *name, const struct metrics_experiment *x,
                                  const char *variant_id, double value)
{
        if (isnan(value))
                return;
        out_printf(f, "%s{experiment_id=\"%lld\",experiment_name=", name, x->id);
        put_label_value(f, x->name);
        if (variant_id) {
                out_puts(f, ",variant_id=");
                put_label_value(f, variant_id);
        }
        out_puts(f, "} ");
        put_value(f, value);
        out_putc(f, '\n');
}

static double count_value(long long n)
{
        return n < 0 ? NAN : (double) n;
}

/* One per-variant family over every experiment. */
static void put_variant_family(struct out *f, const struct metrics_input *in, const char *name,
                               enum family_type type, const char *help, size_t offset, bool is_count)
{
        put_family(f, name, type, help);
        for (size_t i = 0; i < in->n_experiments; i++) {
                const struct metrics_experiment *x = &in->experiments[i];
                for (size_t j = 0; j < x->n_variants; j++) {
                        const struct metrics_variant *v = &x->variants[j];
                        const char *field = (const char *) v + offset;
                        double value = is_count ? count_value(*(const long long *) (const void *) field)
                                                : *(const double *) (const void *) field;
                        put_experiment_sample(f, name, x, v->variant_id ? v->variant_id : "", value);
                }
        }
}

/* A family with one label and one sample per entry. */
static void put_labelled_family(struct out *f, const char *name, enum family_type type, const char *help,
                                const char *label, const struct metrics_labelled *items, size_t n)
{
        put_family(f, name, type, help);
        for (size_t i = 0; i < n; i++) {
                if (isnan(items[i].value))
                        continue;
                out_printf(f, "%s{%s=", name, label);
                put_label_value(f, items[i].label);
                out_puts(f, "} ");
                put_value(f, items[i].value);
                out_putc(f, '\n');
        }
}

static void put_single(struct out *f, const char *name, enum family_type type, const char *help, double value)
{
        put_family(f, name, type, help);
        if (isnan(value))
                return;
        out_puts(f, name);
        out_putc(f, ' ');
        put_value(f, value);
        out_putc(f, '\n');
}

#define VARIANT_FIELD(field) offsetof(struct metrics_variant, field)

int metrics_format(const struct metrics_input *in, char **ret, size_t *ret_len)
{
        struct out out = { 0 }, *f = &out;

        put_variant_family(f, in, "mida_visitors", GAUGE,
                           "Visitors of the variant, as the Mida API reports them.",
                           VARIANT_FIELD(visitors), true);
        put_variant_family(f, in, "mida_conversions", GAUGE,
                           "Conversions of the variant, as the Mida API reports them.",
                           VARIANT_FIELD(conversions), true);
        put_variant_family(f, in, "mida_lift", GAUGE,
                           "Relative lift of the variant's conversion rate over the control's (0.05 is +5%).",
                           VARIANT_FIELD(lift), false);
        put_variant_family(f, in, "mida_lift_low", GAUGE,
                           "Lower bound of the lift's confidence interval.",
                           VARIANT_FIELD(lift_low), false);
        put_variant_family(f, in, "mida_lift_high", GAUGE,
                           "Upper bound of the lift's confidence interval.",
                           VARIANT_FIELD(lift_high), false);
        put_variant_family(f, in, "mida_p_value", GAUGE,
                           "p-value of the variant against the control, before the multiple-variant correction.",
                           VARIANT_FIELD(p_value), false);
        put_variant_family(f, in, "mida_p_value_adjusted", GAUGE,
                           "p-value after the multiple-variant correction; significant when below alpha.",
                           VARIANT_FIELD(p_value_adjusted), false);
        put_variant_family(f, in, "mida_prob_beat_control", GAUGE,
                           "Posterior probability that the variant converts better than the control.",
                           VARIANT_FIELD(prob_beat_control), false);

        put_family(f, "mida_srm_p", GAUGE, "p-value of the sample-ratio-mismatch test of the experiment.");
        for (size_t i = 0; i < in->n_experiments; i++)
                put_experiment_sample(f, "mida_srm_p", &in->experiments[i], NULL, in->experiments[i].srm_p);

        put_labelled_family(f, "mida_alerts_firing", GAUGE, "Alerts of the rule firing now.",
                            "rule", in->rules_firing, in->n_rules);
        put_labelled_family(f, "mida_health_degraded", GAUGE,
                            "1 while the health condition holds (the monitor cannot monitor properly), else 0.",
                            "condition", in->health, in->n_health);
        put_labelled_family(f, "mida_poll_errors_total", COUNTER,
                            "Failed requests to the Mida API since the daemon started, by kind.",
                            "kind", in->poll_errors, in->n_poll_errors);
        put_single(f, "mida_poll_duration_seconds", GAUGE, "Duration of the last poll cycle.",
                   in->poll_duration_seconds);
        put_single(f, "mida_deliveries_pending", GAUGE, "Notifications queued or being delivered.",
                   in->deliveries_pending);
        put_single(f, "mida_deliveries_failed_total", COUNTER,
                   "Notifications given up (permanent failure or too old) since the daemon started.",
                   in->deliveries_failed_total);
        put_labelled_family(f, "mida_actions_total", COUNTER,
                            "Actions taken on experiments (pause, serve-winner), as recorded in the ledger.",
                            "action", in->actions, in->n_actions);
        put_single(f, "mida_last_cycle_timestamp_seconds", GAUGE,
                   "Time the last poll cycle finished, in seconds since the epoch.",
                   in->last_cycle_timestamp > 0 ? in->last_cycle_timestamp : NAN);
        put_family(f, "mida_build_info", GAUGE, "Always 1; the version of mida-monitor as a label.");
        out_puts(f, "mida_build_info{version=");
        put_label_value(f, in->version ? in->version : "");
        out_puts(f, "} 1\n");

        if (out.failed) {
                free(out.data);
                return -ENOMEM;
        }
        *ret = out.data;
        if (ret_len)
                *ret_len = out.len;
        return 0;
}

const char *metrics_poll_error_kind(int http_status)
{
        if (http_status == 401 || http_status == 403)
                return "auth";
        if (http_status == 429)
                return "rate_limited";
        if (http_status >= 500)
                return "server";
        if (http_status >= 400)
                return "client";
        if (http_status >= 200 && http_status < 300)
                return "invalid_response";
        return "transport";
}

int metrics_write_file(const char *path, const char *data, size_t len)
{
        const char *slash = path ? strrchr(path, '/') : NULL;
        char *dir;
        int r;

        if (!slash || !slash[1])
                return -EINVAL;
        dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        r = atomic_write_file(dir, slash + 1, data, len, 0644);
        free(dir);
        return r;
}
