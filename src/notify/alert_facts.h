/* The facts an alert shows, as label and plain-text value (Variant, Lift,
 * p-value, Visitors, ...), in one place so that Slack, Teams, e-mail and
 * Alertmanager's description say the same thing. Pure; the values are
 * valid UTF-8 and not escaped for any format: each notifier escapes and
 * cuts them as its receiver needs. */
#pragma once
#include <stddef.h>

#include "notify_payload.h"

#define ALERT_FACTS_MAX 8

struct alert_fact {
        const char *label;   /* static */
        char *value;         /* malloc'd */
};

struct alert_facts {
        struct alert_fact items[ALERT_FACTS_MAX];
        size_t n;
};

/* Fills f with ev's facts; 0, or -ENOMEM (f is then empty). */
int alert_facts_build(const struct alert_event *ev, struct alert_facts *f);
void alert_facts_clear(struct alert_facts *f);

/* "Label: value" lines joined by sep (e.g. "\n"); malloc'd, NULL on ENOMEM. */
char *alert_facts_lines(const struct alert_facts *f, const char *sep);

/* prefix then "~4 days at current traffic if the lift holds", the days
 * rounded up; malloc'd, NULL on ENOMEM. */
char *alert_decision_text(const char *prefix, double days_to_decision);

/* When the event happened: fired_at for FIRED, resolved_at for RESOLVED,
 * else (or when unset) created_at. */
time_t alert_event_time(const struct alert_event *ev);
