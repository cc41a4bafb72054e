/* Metrics in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector: a pure formatter from plain structs,
 * and a writer that replaces the file atomically.
 *
 * Every family has "# HELP" and "# TYPE" lines and appears once, its
 * samples together; names follow the Prometheus conventions (mida_ prefix,
 * base units, _total for counters, _info for the build). Label values are
 * escaped (\\, \", \n) and made valid UTF-8. No sample carries a timestamp
 * (the collector forbids them). A figure that is missing (NaN: too few
 * visitors, no control conversions, ...) has no sample at all rather than
 * a "NaN" a dashboard would plot as a value.
 *
 * Labels are the experiment id and name, the variant id, the rule name, an
 * error kind, an action, a health condition and the version: nothing from
 * the config's secrets can reach them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per variant; figures NaN when missing (lift and the rest are always
 * missing on the control). Counts below 0 are missing. */
struct metrics_variant {
        const char *variant_id;
        long long visitors, conversions;
        double lift, lift_low, lift_high;
        double p_value, p_value_adjusted, prob_beat_control;
};

struct metrics_experiment {
        long long id;
        const char *name;             /* NULL: the label is "" */
        double srm_p;                 /* NaN when missing */
        const struct metrics_variant *variants;
        size_t n_variants;
};

/* One labelled value of a counter or gauge, e.g. { "auth", 3 }. */
struct metrics_labelled {
        const char *label;
        double value;
};

struct metrics_input {
        const char *version;          /* mida_build_info{version} */
        const struct metrics_experiment *experiments;
        size_t n_experiments;
        const struct metrics_labelled *rules_firing;      /* rule name → alerts firing */
        size_t n_rules;
        const struct metrics_labelled *poll_errors;       /* kind → total since start */
        size_t n_poll_errors;
        const struct metrics_labelled *actions;           /* action → total done */
        size_t n_actions;
        const struct metrics_labelled *health;            /* condition → 1 degraded, 0 OK */
        size_t n_health;
        double poll_duration_seconds;    /* the last cycle; NaN: none yet */
        double last_cycle_timestamp;     /* seconds since the epoch; <= 0: none yet */
        double deliveries_pending;       /* NaN: unknown (no outbox) */
        double deliveries_failed_total;  /* NaN: unknown */
};

/* The whole exposition as a NUL-terminated malloc'd string (*ret_len
 * without the NUL). Returns 0 or -ENOMEM. Deterministic: the same input
 * gives the same bytes, in the input's order. */
int metrics_format(const struct metrics_input *in, char **ret, size_t *ret_len);

/* The kind label of a failed poll: "auth" (401, 403), "rate_limited" (429),
 * "server" (5xx), "client" (other 4xx), "invalid_response" (a 200 that
 * could not be parsed), "transport" (0: timeout, connection, TLS). */
const char *metrics_poll_error_kind(int http_status);

/* Writes data to path atomically (mode 0644: the collector runs as another
 * user): a reader sees the old file or the new one, never a half. The
 * temporary file is hidden and does not end in .prom, so the collector
 * never reads it. Returns 0 or -errno. */
int metrics_write_file(const char *path, const char *data, size_t len);
