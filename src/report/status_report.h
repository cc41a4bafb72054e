/* Room report/: what people read of the monitor, from state.db opened
 * read-only — everything `status` shows (status_read.h) and its JSON, an
 * experiment's history as a series of analyses with its table, JSON and
 * sparkline; for the command line and the web page alike.
 * May use: daemon/ (the health conditions' texts), store/, stats/,
 * config/, util/.
 * Used by: web/, cli/.
 *
 * This file: the parts of `status` beyond the watch list and the daemon
 * summary: health, firing alerts, silences, queued deliveries and the
 * latest actions. Nothing here is a secret: delivery
 * bodies are never kept, only counted.
 *
 * The rows are copies of the store's typed rows (alert_rows.h,
 * action_rows.h, health_rows.h), their strings owned by the report. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "daemon/health.h"
#include "store/action_rows.h"
#include "store/alert_rows.h"
#include "store/health_rows.h"
#include "store/meta.h"
#include "store/silence_rows.h"

struct store;

struct status_report {
        struct store_health_row *health;
        size_t n_health;
        bool health_unreadable;          /* a condition this program cannot read */
        struct store_alert_row *alerts;  /* firing and pending */
        size_t n_alerts;
        uint64_t generation;             /* of the event ids, as `status --json` always showed */
        char salt[STORE_SALT_SIZE];
        struct store_action_row *actions; /* in intended_at order */
        size_t n_actions;
        bool circuit_open;
        size_t deliveries_pending;
        char pending_notifiers[256];     /* "ops: 2, growth: 1" */
        char last_delivery_error[256];   /* of the oldest queued delivery that failed */
        struct store_silence_row *silences;   /* in force or to come, in id order */
        size_t n_silences;
};

/* Reads r from s. Returns 0, or -errno with *what naming the part that
 * could not be read ("the alerts"; r is then cleared). A health row this
 * program cannot read is not an error: health_unreadable, and the others
 * are read. */
int status_report_read(struct store *s, struct status_report *r, const char **what);

/* t (wall-clock seconds) as "2026-11-30 05:25:30 UTC", or "never" for 0. */
void status_format_time(int64_t t, char *buf, size_t size);
void status_report_clear(struct status_report *r);

/* "Health: OK" or "Health: DEGRADED" with one line per condition. */
void status_report_print_health(FILE *out, const struct status_report *r, const struct health_settings *s);
/* Firing alerts (those held back marked), silences, pending deliveries,
 * the latest actions. */
void status_report_print_rest(FILE *out, const struct status_report *r);
/* What an action did, in the words the daemon journals it with
 * (actions.h): "paused", "would pause (dry run)", "failed: HTTP 403 ...".
 * Returns buf. */
const char *status_report_describe_action(const struct store_action_row *row, char *buf, size_t size);
/* Adds "health", "alerts", "silences", "deliveries" and "actions" to root. Returns 0
 * or -ENOMEM. */
int status_report_add_json(json_object *root, const struct status_report *r);
