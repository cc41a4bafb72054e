/* Notification payloads (pure formatting; delivery is elsewhere): the
 * versioned webhook JSON documented in docs/webhook-payload.md, and Slack
 * incoming-webhook messages with Block Kit blocks kept within Slack's
 * limits whatever the input. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

enum alert_event_kind {
        ALERT_EVENT_FIRED,
        ALERT_EVENT_RESOLVED,
        ALERT_EVENT_ACTION,          /* an action was taken (or would be, in dry run) */
        ALERT_EVENT_ACTION_FAILED,
        ALERT_EVENT_TEST,            /* test-notify */
        ALERT_EVENT_LIFECYCLE,       /* an experiment started, stopped, was concluded or disappeared */
};

/* A figure that may be missing (degenerate data). */
struct alert_figure {
        bool present;
        double value;
};

/* One event as the notifiers see it. Strings are borrowed; NULL means
 * absent. Counts below 0 and times of 0 mean absent. */
struct alert_event {
        const char *id;                /* unique per event, e.g. "evt_<hex>" */
        enum alert_event_kind kind;
        const char *rule;
        const char *severity;          /* "info" | "warning" | "critical" */
        long long experiment_id;       /* Mida test_id; <= 0: no experiment */
        const char *experiment_name;
        const char *experiment_url;
        const char *variant_id;        /* NULL for an experiment-level rule */
        const char *variant_name;
        struct alert_figure lift, lift_low, lift_high, p_value, prob_beat_control,
                            conversion_rate, control_rate;   /* fractions */
        struct alert_figure srm_p;     /* the experiment's sample-ratio p-value */
        struct alert_figure days_to_decision;   /* if the observed rates held */
        bool underpowered;             /* days_to_decision beyond the decision_horizon */
        long long visitors;            /* whole experiment */
        long long variant_visitors;
        const char *action;            /* "pause" | "serve-winner" */
        const char *action_result;     /* "paused", "would pause (dry run)", "failed: 403 plan limit" */
        time_t created_at, fired_at, resolved_at;
        bool dry_run;
        /* For notifiers that keep alert state only: a firing alert
         * re-posted so that Alertmanager does not expire it, or a
         * resolution nobody is told of (notify_resolved = false, or the
         * experiment is no longer watched) that still ends the alert in
         * Alertmanager and the incident in PagerDuty. */
        bool state_only;
        /* An event about the monitor itself (health), not an experiment's
         * figures: its summary is summary_text and it has no facts;
         * subject is what it is about when not an experiment (a notifier's
         * name, "mida-monitor"), NULL otherwise. */
        const char *summary_text;
        const char *subject;
        /* ALERT_EVENT_LIFECYCLE: what happened ("started", "stopped",
         * "concluded", "disappeared") and the experiment's status now
         * ("live", "inactive", "draft", "gone"); rule is then the label
         * people read, "Experiment started". */
        const char *lifecycle;
        const char *experiment_status;
        /* Alertmanager's endsAt for a firing alert re-posted less often
         * than every cycle (health); 0: the notifier's alert_lifetime
         * after it is sent. */
        time_t expires_at;
};

/* What a payload needs besides the events. */
struct notify_context {
        time_t now;
        const char *instance;        /* this host's name */
};

#define WEBHOOK_PAYLOAD_VERSION 1

/* The wire name of a kind: "fired", "resolved", "action", "action-failed",
 * "test"; NULL for a value out of range. */
const char *alert_event_kind_name(enum alert_event_kind kind);

/* What a heading starts with: "Resolved: ", "Action: ", "Action failed: ",
 * "Test: ", or "" for a fired alert. */
const char *alert_event_heading_prefix(enum alert_event_kind kind);

/* The experiment's name, or "experiment <id>" written into buf when it
 * has none. */
const char *alert_event_experiment(const struct alert_event *ev, char *buf, size_t size);

/* One line saying what happened, for Slack's notification text and the
 * webhook's "summary", e.g. "winner fired on Checkout (variant B): lift
 * +12.3% (+4.1% … +20.5%)". Plain text, valid UTF-8, not escaped.
 * Returns a malloc'd string, NULL on ENOMEM. */
char *alert_event_summary(const struct alert_event *ev);

/* "rule on experiment", plain text; malloc'd, NULL on ENOMEM. */
char *alert_event_short(const struct alert_event *ev);

/* prefix followed by item(event) for each event, cut(…, item_max) each
 * (a lone one may use all of max_length) and joined by "; ", stopping
 * once past max_length and cut to it: the "and 3 more alerts: …" lines.
 * malloc'd, NULL on ENOMEM. */
char *alert_event_list(const char *prefix, const struct alert_event *const *events, size_t n,
                       char *(*item)(const struct alert_event *), char *(*cut)(const char *, size_t),
                       size_t item_max, size_t max_length);

/* The lift with its interval as the payloads show it:
 * "+12.3% (+4.1% … +20.5%)", "+12.3%" without an interval, TEXT_MISSING
 * without a lift. Returns the length written (truncated like snprintf). */
int format_lift(const struct alert_event *ev, char *buf, size_t size);

/* The webhook body (schema in docs/webhook-payload.md). Returns a new
 * object (json_object_put it), NULL on ENOMEM. */
json_object *webhook_payload(const struct alert_event *ev);

/* How the webhook and digest bodies write a figure: a number of ten
 * significant digits, or null when absent or not finite; a count, or null
 * below 0. 0 or -ENOMEM. */
int json_add_figure(json_object *o, const char *key, struct alert_figure f);
int json_add_count(json_object *o, const char *key, long long n);

/* Slack's limits, enforced on every payload slack_payload() builds. */
#define SLACK_MAX_BLOCKS 50
#define SLACK_MAX_HEADER 150
#define SLACK_MAX_SECTION_TEXT 3000
#define SLACK_MAX_FIELD 2000
#define SLACK_MAX_FIELDS 10
#define SLACK_MAX_TEXT 3000         /* our cap on the fallback "text" */
#define SLACK_MAX_ALERTS_SHOWN 10   /* the rest are summarised in one section */

/* One Slack incoming-webhook message for n >= 1 events of one cycle: a
 * "text" fallback and per event (up to SLACK_MAX_ALERTS_SHOWN) a header, a
 * section with the figures and a link to the experiment, and a context
 * line; further events are listed in one closing section. Long content is
 * truncated with "…", never rejected. Returns a new object, NULL for n == 0
 * or on ENOMEM. */
json_object *slack_payload(const struct alert_event *const *events, size_t n);

/* Block Kit pieces shared by slack_payload() and digest_slack(). A text
 * object {"type": type, "text": text} (type "mrkdwn" or "plain_text"),
 * taking text (NULL: an allocation failed); a block {"type": type, key:
 * value}, taking value (key NULL: no value); s sanitized, mrkdwn-escaped
 * and cut to max; "*<url|label>*" with label escaped, or "*label*" without
 * a usable url. New objects or malloc'd strings, NULL on ENOMEM. */
json_object *slack_text_object(const char *type, char *text);
json_object *slack_block(const char *type, const char *key, json_object *value);
/* Adds the fallback "text" (taken; NULL: a failed allocation) and an
 * empty "blocks" array (*blocks) to message. 0 or -ENOMEM. */
int slack_message_begin(json_object *message, char *text, json_object **blocks);
/* A context block of one mrkdwn element; takes text (NULL: a failed
 * allocation, then NULL). */
json_object *slack_context_block(char *text);
char *slack_escape_cut(const char *s, size_t max);
char *slack_link(const char *url, const char *label);

/* The body POSTed for payload o (taken: it is put): plain JSON without
 * escaped slashes, malloc'd; NULL for a NULL o or on ENOMEM. */
char *notify_json_text(json_object *o);

/* Alertmanager API v2: the JSON array of alerts POSTed to /api/v2/alerts,
 * one per event (action reports other than failures are left out). A
 * resolved alert's endsAt is its resolution time; a firing one has none
 * (or its expires_at) until alertmanager_set_ends_at() gives it one as it
 * is sent. New array, NULL when no event is for Alertmanager or on ENOMEM. */
json_object *alertmanager_payload(const struct alert_event *const *events, size_t n,
                                  const struct notify_context *ctx);
/* body (a queued alertmanager_payload) with endsAt = ends on each alert
 * without one. malloc'd; NULL when body is not a non-empty array or ENOMEM. */
char *alertmanager_set_ends_at(const char *body, time_t ends);

/* PagerDuty Events API v2: the event for ev without its routing_key (a
 * secret, added at delivery by pagerduty_add_routing_key()): trigger for
 * fired, action-failed and test, resolve for resolved. New object, NULL
 * for other events or on ENOMEM. */
json_object *pagerduty_payload(const struct alert_event *ev, const struct notify_context *ctx);
/* The dedup_key: stable per rule × experiment × variant (and per failed
 * action), at most 255 characters. */
#define PAGERDUTY_DEDUP_KEY_SIZE 256
void pagerduty_dedup_key(const struct alert_event *ev, const char *instance, char buf[static PAGERDUTY_DEDUP_KEY_SIZE]);
/* body (a queued pagerduty_payload) with "routing_key" set; malloc'd, NULL
 * when body is not a JSON object or on ENOMEM. */
char *pagerduty_add_routing_key(const char *body, const char *routing_key);

#define TEAMS_MAX_ALERTS_SHOWN 10
/* A Teams workflow message: one Adaptive Card 1.4 with, per event (up to
 * TEAMS_MAX_ALERTS_SHOWN), a heading, the facts and a context line; the
 * rest listed in one closing line. New object, NULL for n == 0 or ENOMEM. */
json_object *teams_payload(const struct alert_event *const *events, size_t n);

/* Pieces shared by teams_payload() and the digest: a TextBlock of text
 * (taken; NULL: an allocation failed) made one line and cut, in style and
 * color (NULL: default); and the workflow message carrying one Adaptive
 * Card 1.4 with body (an array, taken). New objects, NULL on ENOMEM. */
enum teams_text_style {
        TEAMS_TEXT_HEADING,   /* bold, medium, with a separator above */
        TEAMS_TEXT_PLAIN,
        TEAMS_TEXT_SUBTLE,
};
json_object *teams_text_block(char *text, enum teams_text_style style, const char *color);
json_object *teams_message(json_object *body);
