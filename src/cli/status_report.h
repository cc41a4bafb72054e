/* The parts of `status` beyond state.json, read from the state directory
 * without changing anything: health (health.json), firing alerts
 * (alerts.json), pending deliveries (outbox/) and the latest actions
 * (actions.json). A file that is missing or unreadable reads as empty, with
 * a note; nothing here is a secret (outbox bodies are never shown). */
#pragma once
#include <json-c/json.h>
#include <stdio.h>

#include "actions/actions.h"
#include "daemon/health.h"
#include "rules/rules.h"

struct status_report {
        struct health_state health;
        bool health_unreadable;
        struct rules_state alerts;
        struct action_ledger actions;
        size_t deliveries_pending, deliveries_failed;   /* outbox/ and outbox/failed/ */
        char pending_notifiers[256];   /* "ops: 2, growth: 1" */
        char last_delivery_error[256]; /* of the oldest pending delivery that failed */
};

void status_report_read(const char *dir, struct status_report *r);

/* t (wall-clock seconds) as "2026-11-30 05:25:30 UTC", or "never" for 0. */
void status_format_time(int64_t t, char *buf, size_t size);
void status_report_clear(struct status_report *r);

/* "Health: OK" or "Health: DEGRADED" with one line per condition. */
void status_report_print_health(FILE *out, const struct status_report *r, const struct health_settings *s);
/* Firing alerts, pending deliveries, the latest actions. */
void status_report_print_rest(FILE *out, const struct status_report *r);
/* Adds "health", "alerts", "deliveries" and "actions" to root. */
void status_report_add_json(json_object *root, const struct status_report *r);
