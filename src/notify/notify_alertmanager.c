/* Alertmanager API v2 alerts. Alertmanager keeps the state: an alert is
 * firing while its endsAt lies ahead, so a firing alert is re-posted every
 * cycle, and a resolution is endsAt = the time it resolved. A firing
 * alert's endsAt is set when it is sent, not when it is queued: a post that
 * waited out an outage in the outbox must not arrive already expired (and
 * make Alertmanager announce a resolution that did not happen). Grouping
 * and routing are Alertmanager's job: each event is one alert of the
 * array, never a summary of several. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_facts.h"
#include "event_id.h"
#include "notify_payload.h"
#include "util/text_format.h"


static bool for_alertmanager(const struct alert_event *ev)
{
        return ev->kind == ALERT_EVENT_FIRED || ev->kind == ALERT_EVENT_RESOLVED ||
               ev->kind == ALERT_EVENT_ACTION_FAILED || ev->kind == ALERT_EVENT_TEST;
}

/* 0 for a firing alert: alertmanager_set_ends_at() fills it in. */
static time_t ends_at(const struct alert_event *ev, const struct notify_context *ctx)
{
        if (ev->kind == ALERT_EVENT_RESOLVED)
                return ev->resolved_at ? ev->resolved_at : ctx->now;
        return ev->expires_at;
}

static json_object *time_string(time_t t)
{
        char text[32];

        return format_rfc3339(t, text, sizeof(text)) == 0 ? json_object_new_string(text) : NULL;
}

/* The alert's identity in Alertmanager: one per rule × experiment ×
 * variant; a failed action is an alert of its own. */
static json_object *labels(const struct alert_event *ev, const struct notify_context *ctx)
{
        char id[32], name[40];
        json_object *o = json_object_new_object();
        bool test = ev->kind == ALERT_EVENT_TEST;
        int r = o ? 0 : -ENOMEM;

        snprintf(id, sizeof(id), "%lld", ev->experiment_id);
        if (r >= 0)
                r = json_add_text(o, "alertname", test ? "mida-monitor-test" : ev->rule ? ev->rule : "alert");
        if (r >= 0 && ev->experiment_id > 0)
                r = json_add_text(o, "experiment_id", id);
        if (r >= 0 && !test && (ev->experiment_id > 0 || ev->experiment_name))
                r = json_add_text(o, "experiment", alert_event_experiment(ev, name, sizeof(name)));
        if (r >= 0 && ev->subject)
                r = json_add_text(o, "subject", ev->subject);
        if (r >= 0 && ev->variant_id)
                r = json_add_text(o, "variant_id", ev->variant_id);
        if (r >= 0)
                r = json_add_text(o, "severity", ev->severity ? ev->severity : "warning");
        if (r >= 0 && ev->kind == ALERT_EVENT_ACTION_FAILED)
                r = json_add_text(o, "event", "action-failed");
        if (r >= 0)
                r = json_add_text(o, "instance", ctx->instance ? ctx->instance : "localhost");
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *annotations(const struct alert_event *ev)
{
        struct alert_facts facts;
        char *summary = alert_event_summary(ev), *description = NULL;
        json_object *o = NULL;

        if (summary && alert_facts_build(ev, &facts) == 0) {
                /* Without figures (health), the summary says it all. */
                description = facts.n > 0 ? alert_facts_lines(&facts, "\n") : strdup(summary);
                alert_facts_clear(&facts);
        }
        if (description)
                o = JSON_OBJECT(JSON_MEMBER("summary", json_object_new_string(summary)),
                                JSON_MEMBER("description", json_object_new_string(description)));
        free(summary);
        free(description);
        return o;
}

static json_object *alert(const struct alert_event *ev, const struct notify_context *ctx)
{
        time_t starts = ev->fired_at ? ev->fired_at : ev->created_at ? ev->created_at : ctx->now;
        time_t ends = ends_at(ev, ctx);

        /* A resolution reported with a clock step backwards must not end
         * before it started: Alertmanager rejects that alert. */
        return JSON_OBJECT(JSON_MEMBER("labels", labels(ev, ctx)), JSON_MEMBER("annotations", annotations(ev)),
                           JSON_MEMBER("startsAt", time_string(starts)),
                           JSON_OPTIONAL("endsAt", ends != 0, time_string(ends < starts ? starts : ends)));
}

json_object *alertmanager_payload(const struct alert_event *const *events, size_t n,
                                  const struct notify_context *ctx)
{
        json_object *array = json_object_new_array();

        for (size_t i = 0; array && i < n; i++) {
                json_object *a;

                if (!for_alertmanager(events[i]))
                        continue;
                a = alert(events[i], ctx);
                if (!a || json_object_array_add(array, a) < 0) {
                        json_object_put(a);
                        json_object_put(array);
                        return NULL;
                }
        }
        if (array && json_object_array_length(array) == 0) {
                json_object_put(array);
                return NULL;
        }
        return array;
}

char *alertmanager_set_ends_at(const char *body, time_t ends)
{
        json_object *array = json_tokener_parse(body);
        size_t n = array && json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;

        if (n == 0) {
                json_object_put(array);
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *alert = json_object_array_get_idx(array, i);

                if (json_object_is_type(alert, json_type_object) && !json_object_object_get_ex(alert, "endsAt", NULL) &&
                    json_add(alert, "endsAt", time_string(ends)) < 0) {
                        json_object_put(array);
                        return NULL;
                }
        }
        return notify_json_text(array);
}
