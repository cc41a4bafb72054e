/* A digest: the scheduled summary of every watched experiment that a
 * `digests` entry of the config sends (and `mida-monitor digest NAME
 * --print` previews), as the notifiers see it, and its renderers. Pure
 * formatting: the daemon (daemon/digest_build.c) fills the model from the
 * store; nothing here reads the store or the network.
 *
 * Strings are borrowed from whoever built the model; NULL means absent.
 * A figure of struct alert_figure with present == false is shown as
 * TEXT_MISSING ("–") or null in JSON; counts below 0 and times of 0 mean
 * absent. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "config/config.h"
#include "notify_payload.h"

#define DIGEST_PAYLOAD_VERSION 1

struct digest_variant {
        const char *variant_id;
        const char *name;
        bool control;
        long long visitors, conversions;
        /* Non-control variants (absent on the control): */
        struct alert_figure lift, lift_low, lift_high, p_value, prob_beat_control;
        bool significant;
        bool below_guards;             /* below min_visitors/min_conversions/min_days: no finding yet */
        /* Time to decision if the observed rates held (absent with
         * decision_reason saying why: "already decided", "flat traffic"). */
        struct alert_figure visitors_to_decision, days_to_decision;
        bool underpowered;
        const char *decision_reason;
        /* The lift at the previous digest (absent when there was none, or
         * the variant had no counts then). */
        struct alert_figure lift_then;
};

struct digest_experiment {
        long long id;
        const char *name;
        const char *url;               /* the experiment in Mida's dashboard */
        bool live;                     /* false: stopped since the previous digest */
        const char *status;            /* "live", "inactive", "concluded", "draft", "gone" */
        long days_running;             /* -1 unknown */
        long long visitors;            /* whole experiment now */
        long long visitors_gained;     /* since the previous digest; -1 unknown */
        struct alert_figure srm_p;
        size_t n_variants;
        const struct digest_variant *variants;   /* in the result's order, control included */
};

/* An alert that fired or resolved since the previous digest. */
struct digest_alert {
        const char *rule;
        long long experiment_id;
        const char *experiment_name;
        const char *variant_id;        /* NULL for an experiment-level rule */
        bool resolved;                 /* false: fired */
        time_t at;
};

/* An action taken (or attempted, or only logged in dry run) since the
 * previous digest. */
struct digest_action {
        const char *rule;
        long long experiment_id;
        const char *experiment_name;
        const char *action;            /* "pause", "serve-winner" */
        const char *state;             /* "done", "failed", "dry-run", "intended" */
        const char *error;             /* why it failed, NULL otherwise */
        time_t at;
};

struct digest {
        const char *name;              /* the digest's name in the config */
        const char *id;                /* the event id: the webhook-id, the dedupe key */
        time_t scheduled_for;          /* the slot it is for; 0 for one sent by hand */
        time_t generated_at;
        time_t since;                  /* the previous digest's time; 0: none yet */
        const char *instance;          /* this host's name */
        bool healthy;
        const char *health;            /* "OK" or what is wrong, one line */
        size_t n_experiments;
        const struct digest_experiment *experiments;   /* live first, then stopped */
        size_t n_alerts;
        const struct digest_alert *alerts;             /* oldest first */
        size_t n_actions;
        const struct digest_action *actions;           /* oldest first */
};

/* The plain-text digest: `digest --print`, Slack's fallback, the e-mail
 * body. Lines of at most ~100 columns, valid UTF-8. malloc'd, NULL on
 * ENOMEM. */
char *digest_text(const struct digest *d);

/* The webhook body, `event: "digest"` (docs/webhook-payload.md), also
 * what `digest --print --json` prints. A new object, NULL on ENOMEM. */
json_object *digest_json(const struct digest *d);

/* One Slack message: Block Kit within SLACK_MAX_BLOCKS and Slack's other
 * limits whatever the number of experiments (the ones that do not fit are
 * summarised in one closing section), with a "text" fallback. A new
 * object, NULL on ENOMEM. */
json_object *digest_slack(const struct digest *d);

/* What notifier n is sent: Slack's message, the webhook body, a Teams
 * message, or for e-mail the RFC 5322 message (subject "Digest NAME: ...").
 * NULL for a type that takes no digests (alertmanager, pagerduty: they
 * page and route alerts: notifier_type_takes_digests) or on ENOMEM. */
char *digest_render(const struct config_notifier *n, const struct notify_context *ctx, const struct digest *d);

/* The text digest's pieces, shared by its renderers (digest_text.c):
 * plain text, one line, valid UTF-8, not escaped; malloc'd, NULL on
 * ENOMEM. */

/* n with thousands separators, "24,310"; TEXT_MISSING below 0. Returns
 * the length written (truncated like snprintf). */
int digest_format_count(long long n, char *buf, size_t size);
/* "2026-12-07 09:00 UTC"; TEXT_MISSING for t <= 0. */
int digest_format_time(time_t t, char *buf, size_t size);

/* "Digest weekly — 2026-12-07 09:00 UTC": the slot, or when generated
 * for one sent by hand. */
char *digest_title(const struct digest *d);
/* "since 2026-11-30 09:00 UTC", or "the first digest". */
char *digest_period(const struct digest *d);
/* "Monitor on host1: OK", or what is wrong. */
char *digest_monitor_line(const struct digest *d);
/* "Checkout redesign (#123)", "experiment #123" without a name. */
char *digest_experiment_label(const struct digest_experiment *e);
/* "live, day 12, 24,310 visitors (+8,100 since the last digest)" and the
 * sample-ratio p when known. */
char *digest_experiment_state(const struct digest_experiment *e);
/* "B: lift +4.1% (-0.5% … +8.9%), p 0.031, 91.0% chance to beat control,
 * significant"; "A (control): 12,100 visitors, 1,210 conversions". */
char *digest_variant_figures(const struct digest_variant *v);
/* Under a non-control variant's figures: its counts and the lift at the
 * previous digest, "12,210 visitors, 1,320 conversions; lift then +2.0% →
 * now +4.1%"; and the time to decision, "time to decision ~4 days at
 * current traffic if the lift holds", "underpowered: beyond the decision
 * horizon, …", "time to decision: flat traffic". "" for the control, and
 * for a decision nothing is known of. */
char *digest_variant_outlook(const struct digest_variant *v);
char *digest_variant_decision(const struct digest_variant *v);
/* "fired: winner on Checkout redesign (#123), variant B, 2026-12-06 14:02 UTC" */
char *digest_alert_line(const struct digest_alert *a);
/* "pause on Checkout redesign (#123), rule harm: failed (403 plan limit), 2026-12-06 14:02 UTC" */
char *digest_action_line(const struct digest_action *a);

enum digest_line_kind {
        DIGEST_LINE_TITLE,     /* the first line: the title and (period) */
        DIGEST_LINE_NOTE,      /* right under it: the monitor's health */
        DIGEST_LINE_HEADING,   /* a section: "Alerts since the last digest (3)" */
        DIGEST_LINE_ITEM,      /* in a section: an experiment, an alert, an action, "none" */
        DIGEST_LINE_DETAIL,    /* under an experiment: a variant's figures */
        DIGEST_LINE_MORE,      /* under a variant's figures: its outlook, its decision */
};

/* Calls line(kind, text, userdata) for each line of the text digest in
 * order (live experiments, stopped ones, alerts, actions), text made of
 * the pieces above. line returns 0 to go on, < 0 to stop with that
 * error. Returns 0, -ENOMEM, or line's error. */
int digest_lines(const struct digest *d, int (*line)(enum digest_line_kind kind, const char *text, void *userdata),
                 void *userdata);
