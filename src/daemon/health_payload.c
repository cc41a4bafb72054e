/* Health notifications: see health_payload.h. */
#include "health_payload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"
#include "util/text_format.h"
#include "notify/notify_payload.h"

static bool recovered(const struct health_transition *t)
{
        return t->kind == HEALTH_RECOVERED || t->kind == HEALTH_CLEARED;
}

static bool about_experiment(const struct health_transition *t)
{
        return t->condition == HEALTH_EXPERIMENT_FAILING || t->condition == HEALTH_EXPERIMENT_STALLED;
}

char *health_summary(const struct health_transition *t)
{
        char what[400], since[32] = "", *text = NULL, *clean;
        int n;

        health_describe(t->condition, t->subject, t->name, what, sizeof(what));
        if (format_rfc3339((time_t) t->since, since, sizeof(since)) < 0)
                snprintf(since, sizeof(since), "an unknown time");
        if (recovered(t))
                n = asprintf(&text, "mida-monitor recovered: %s no more (since %s)", what, since);
        else
                n = asprintf(&text, "mida-monitor %s: %s%s%s%s, since %s",
                             t->kind == HEALTH_REPEAT ? "still degraded" : "degraded", what,
                             t->detail ? " (" : "", t->detail ? t->detail : "", t->detail ? ")" : "", since);
        if (n < 0)
                return NULL;
        /* Names and errors come from outside: one line of valid UTF-8. */
        clean = text_sanitize(text, true);
        free(text);
        return clean;
}




static int add_experiment(json_object *o, const struct health_transition *t)
{
        json_object *e;
        char *end;
        long long id;

        if (!about_experiment(t))
                return json_object_object_add(o, "experiment", NULL) < 0 ? -ENOMEM : 0;
        id = strtoll(t->subject, &end, 10);
        e = json_add_object(o, "experiment");
        if (!e || json_add(e, "id", *end ? json_object_new_string(t->subject) : json_object_new_int64(id)) < 0 ||
            json_add_text(e, "name", t->name) < 0 || json_add_text(e, "url", NULL) < 0)
                return -ENOMEM;
        return 0;
}

/* Same keys as an alert's, all null: receivers may rely on them. */
static int add_empty_analysis(json_object *o)
{
        static const char *const keys[] = {
                "lift", "lift_low", "lift_high", "p_value", "prob_beat_control", "conversion_rate",
                "control_rate", "srm_p", "visitors", "variant_visitors",
        };
        json_object *a = json_add_object(o, "analysis");

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (json_object_object_add(a, keys[i], NULL) < 0)
                        return -ENOMEM;
        return 0;
}

static int add_health(json_object *o, const struct health_transition *t)
{
        json_object *h = json_add_object(o, "health");
        char what[400];

        if (!h || json_add_text(h, "condition", health_condition_to_string(t->condition)) < 0 ||
            json_add_text(h, "subject", t->subject[0] ? t->subject : NULL) < 0 ||
            json_add_text(h, "description", health_describe(t->condition, t->subject, t->name, what, sizeof(what))) < 0 ||
            json_add_text(h, "detail", t->detail) < 0 || json_add_time(h, "since", (time_t) t->since) < 0 ||
            json_add(h, "repeat", json_object_new_boolean(t->kind == HEALTH_REPEAT)) < 0)
                return -ENOMEM;
        return 0;
}

json_object *health_webhook_payload(const char *id, const struct health_transition *t, time_t created)
{
        json_object *o = json_object_new_object(), *ts;
        char *summary = health_summary(t);
        int r = o && summary ? 0 : -ENOMEM;

        if (r >= 0)
                r = json_add(o, "version", json_object_new_int(WEBHOOK_PAYLOAD_VERSION));
        if (r >= 0)
                r = json_add_text(o, "id", id);
        if (r >= 0)
                r = json_add_text(o, "event", recovered(t) ? "health-recovered" : "health-degraded");
        if (r >= 0)
                r = json_add_text(o, "rule", NULL);
        if (r >= 0)
                r = json_add_text(o, "severity", recovered(t) ? "info" : "critical");
        if (r >= 0)
                r = json_add(o, "dry_run", json_object_new_boolean(false));
        if (r >= 0)
                r = json_add_text(o, "summary", summary);
        if (r >= 0)
                r = add_experiment(o, t);
        if (r >= 0)
                r = json_add_text(o, "variant", NULL);
        if (r >= 0)
                r = add_empty_analysis(o);
        if (r >= 0)
                r = json_add_text(o, "action", NULL);
        if (r >= 0)
                r = (ts = json_add_object(o, "timestamps")) ? 0 : -ENOMEM;
        if (r >= 0 && (json_add_time(ts, "created", created) < 0 || json_add_time(ts, "fired", (time_t) t->since) < 0 ||
                       json_add_time(ts, "resolved", recovered(t) ? (time_t) t->at : 0) < 0))
                r = -ENOMEM;
        if (r >= 0)
                r = add_health(o, t);
        free(summary);
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *text_object(const char *type, const char *text)
{
        json_object *o = json_object_new_object();

        if (!o || json_add(o, "type", json_object_new_string(type)) < 0 ||
            json_add(o, "text", json_object_new_string(text)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int add_block(json_object *blocks, const char *type, json_object *text)
{
        json_object *b = json_object_new_object();

        if (!b || !text || json_add(b, "type", json_object_new_string(type)) < 0) {
                json_object_put(b);
                json_object_put(text);
                return -ENOMEM;
        }
        if (strcmp(type, "context") == 0) {
                json_object *elements = json_object_new_array();
                if (!elements || json_object_array_add(elements, text) < 0) {
                        json_object_put(elements);
                        json_object_put(text);
                        json_object_put(b);
                        return -ENOMEM;
                }
                text = elements;
                type = "elements";
        } else {
                type = "text";
        }
        if (json_add(b, type, text) < 0 || json_object_array_add(blocks, b) < 0) {
                json_object_put(b);
                return -ENOMEM;
        }
        return 0;
}

json_object *health_slack_payload(const struct health_transition *t)
{
        char what[400], since[32] = "?", *section = NULL, *summary = health_summary(t);
        char *what_md = NULL, *detail_md = NULL, *header = NULL, *body = NULL, *fallback = NULL;
        json_object *o = json_object_new_object(), *blocks = json_object_new_array();
        int r = o && blocks && summary ? 0 : -ENOMEM;

        health_describe(t->condition, t->subject, t->name, what, sizeof(what));
        format_rfc3339((time_t) t->since, since, sizeof(since));
        if (r >= 0) {
                what_md = mrkdwn_escape(what);
                detail_md = mrkdwn_escape(t->detail ? t->detail : "");
                r = what_md && detail_md ? 0 : -ENOMEM;
        }
        if (r >= 0 && asprintf(&section, "*%s*%s%s\nSince %s", what_md, *detail_md ? "\n" : "", detail_md, since) < 0)
                r = -ENOMEM, section = NULL;
        if (r >= 0) {
                header = text_truncate(recovered(t) ? "mida-monitor recovered"
                                       : t->kind == HEALTH_REPEAT ? "mida-monitor still degraded"
                                       : "mida-monitor degraded", SLACK_MAX_HEADER);
                body = text_truncate(section, SLACK_MAX_SECTION_TEXT);
                fallback = text_truncate(summary, SLACK_MAX_TEXT);
                r = header && body && fallback ? 0 : -ENOMEM;
        }
        if (r >= 0)
                r = json_add(o, "text", json_object_new_string(fallback));
        if (r >= 0)
                r = add_block(blocks, "header", text_object("plain_text", header));
        if (r >= 0)
                r = add_block(blocks, "section", text_object("mrkdwn", body));
        if (r >= 0) {
                char context[120];
                snprintf(context, sizeof(context), "health condition `%s`", health_condition_to_string(t->condition));
                r = add_block(blocks, "context", text_object("mrkdwn", context));
        }
        if (r >= 0) {
                r = json_add(o, "blocks", blocks);
                blocks = NULL;
        }
        json_object_put(blocks);
        free(summary), free(what_md), free(detail_md), free(section), free(header), free(body), free(fallback);
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

#define HEALTH_ALERT_LIFETIME_USEC (7 * 24 * 3600 * 1000000ULL)

/* For the types that take alert events: the transition as one, without
 * figures. A degraded monitor is re-told only every health `repeat`, so
 * Alertmanager must keep the alert that long, not 3 intervals. */
static char *render_as_event(const struct config *c, const struct config_notifier *n, const char *id,
                             const struct health_transition *t, time_t created)
{
        struct notify_context ctx = notify_context_now();
        char rule[64], *summary = health_summary(t), *body;
        char *end;
        long long experiment = about_experiment(t) ? strtoll(t->subject, &end, 10) : 0;
        /* Re-told every `repeat`; without repeats, a week unless it recovers. */
        uint64_t lasts = c->health.repeat_usec ? c->health.repeat_usec + c->monitor.interval_usec
                                               : HEALTH_ALERT_LIFETIME_USEC;
        struct alert_event ev = {
                .id = id, .kind = recovered(t) ? ALERT_EVENT_RESOLVED : ALERT_EVENT_FIRED, .rule = rule,
                /* The same labels degraded and recovered: one alert, one incident. */
                .severity = "critical", .experiment_id = experiment > 0 ? experiment : 0,
                .experiment_name = about_experiment(t) ? t->name : NULL, .visitors = -1, .variant_visitors = -1,
                .created_at = created, .fired_at = (time_t) t->since, .resolved_at = recovered(t) ? (time_t) t->at : 0,
                .summary_text = summary, .subject = about_experiment(t) ? NULL : t->subject && *t->subject ? t->subject : "mida-monitor",
                .expires_at = created + (time_t) (lasts / 1000000),
        };
        const struct alert_event *events[] = { &ev };

        if (!summary)
                return NULL;
        snprintf(rule, sizeof(rule), "mida-monitor-%s", health_condition_to_string(t->condition));
        body = notify_render(n, &ctx, events, 1);
        free(summary);
        return body;
}

char *health_render(const struct config *c, const struct config_notifier *n, const char *id,
                    const struct health_transition *t, time_t created)
{
        switch (n->type) {
        case NOTIFIER_SLACK: return notify_json_text(health_slack_payload(t));
        case NOTIFIER_WEBHOOK: return notify_json_text(health_webhook_payload(id, t, created));
        default: return render_as_event(c, n, id, t, created);
        }
}
