/* Health notifications (pure formatting): the webhook payload, version 1
 * of docs/webhook-payload.md with event "health-degraded" or
 * "health-recovered" and a "health" object, and a Slack message within
 * Slack's limits. */
#pragma once
#include <json-c/json.h>
#include <time.h>

#include "config/config.h"
#include "health.h"

/* One line saying what happened, e.g. "mida-monitor degraded: the Mida
 * API rejects the API key (HTTP 401: Invalid or missing API key), since
 * 2026-11-23T02:24:01Z". Valid UTF-8, not escaped. malloc'd, NULL on ENOMEM. */
char *health_summary(const struct health_transition *t);

/* The webhook body for t (ALERT, REPEAT or RECOVERED) under event id.
 * Returns a new object, NULL on ENOMEM. */
json_object *health_webhook_payload(const char *id, const struct health_transition *t, time_t created);

/* A Slack incoming-webhook message for t. New object, NULL on ENOMEM. */
json_object *health_slack_payload(const struct health_transition *t);

/* What is sent to notifier n (of config c) for t: the payloads above for
 * Slack and webhooks; for the other types t as an alert event without
 * figures (rule "mida-monitor-CONDITION", fired or resolved). malloc'd,
 * NULL on ENOMEM. */
char *health_render(const struct config *c, const struct config_notifier *n, const char *id,
                    const struct health_transition *t, time_t created);
