/* Payload checks for the receiver's Alertmanager, PagerDuty and Teams hooks:
 * each refuses what the real service answers 400 for, so a notifier's
 * mistakes show up in tests rather than in production. */
#pragma once
#include <stddef.h>

#define SHAPE_ERR_MAX 256
#define PAGERDUTY_DEDUP_KEY_CHARS 255
/* UTF-8: up to four bytes a character, plus the NUL */
#define PAGERDUTY_DEDUP_KEY_SIZE (4 * PAGERDUTY_DEDUP_KEY_CHARS + 1)

/* Each returns NULL when `body` is acceptable, else `err` holding a short
 * reason. */

/* Alertmanager API v2 POST /api/v2/alerts: a JSON array of alerts, each with
 * labels (alertname required), optional annotations, startsAt, endsAt
 * (RFC 3339, endsAt not before startsAt) and generatorURL (http[s]://). */
const char *alertmanager_check_alerts(const char *body, char *err, size_t errlen);
/* PagerDuty Events API v2: routing_key, event_action, dedup_key and, for a
 * trigger, the payload. `dedup_key` (PAGERDUTY_DEDUP_KEY_SIZE bytes) receives
 * the event's dedup_key, "" when it has none. */
const char *pagerduty_check_event(const char *body, char *dedup_key, char *err, size_t errlen);
/* Teams workflow webhook: a "message" with adaptive card attachments. */
const char *teams_check_message(const char *body, char *err, size_t errlen);
