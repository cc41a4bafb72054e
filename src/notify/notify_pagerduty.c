/* PagerDuty Events API v2. The dedup_key is the alert's identity, so a
 * retried or repeated trigger never opens a second incident and the
 * resolve closes the one the trigger opened. The routing_key is a secret:
 * it is not in the queued body (which lives in state.db) but added when
 * the request is made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_facts.h"
#include "event_id.h"
#include "notify_payload.h"
#include "util/text_format.h"

#define PAGERDUTY_MAX_SUMMARY 1024

void pagerduty_dedup_key(const struct alert_event *ev, const char *instance, char buf[static PAGERDUTY_DEDUP_KEY_SIZE])
{
        const char *rule = ev->rule ? ev->rule : "alert";
        const char *suffix = ev->kind == ALERT_EVENT_ACTION_FAILED ? "/action-failed" : "";
        int n;

        if (ev->kind == ALERT_EVENT_TEST)
                n = snprintf(buf, PAGERDUTY_DEDUP_KEY_SIZE, "mida-monitor/test/%s", instance ? instance : "");
        else if (ev->subject && ev->experiment_id <= 0)
                n = snprintf(buf, PAGERDUTY_DEDUP_KEY_SIZE, "mida-monitor/%s/%s", rule, ev->subject);
        else
                n = snprintf(buf, PAGERDUTY_DEDUP_KEY_SIZE, "mida-monitor/%s/%lld/%s%s", rule, ev->experiment_id,
                             ev->variant_id ? ev->variant_id : "", suffix);
        if (n >= 0 && n < PAGERDUTY_DEDUP_KEY_SIZE)
                return;
        /* A variant id from the API made it too long: a digest of the same
         * parts is just as stable. */
        char id[24], hash[NOTIFY_EVENT_ID_SIZE];
        const char *parts[] = { rule, id, ev->variant_id, suffix, ev->subject };

        snprintf(id, sizeof(id), "%lld", ev->experiment_id);
        notify_derived_event_id(hash, parts, 5);
        snprintf(buf, PAGERDUTY_DEDUP_KEY_SIZE, "mida-monitor/%s", hash + 4);
}

static const char *pagerduty_severity(const char *severity)
{
        if (severity && (strcmp(severity, "critical") == 0 || strcmp(severity, "info") == 0))
                return severity;
        return "warning";
}

static json_object *figure(struct alert_figure f)
{
        json_object *d = f.present ? json_object_new_double(f.value) : NULL;

        /* Ten significant digits, as in the webhook payload. */
        if (d)
                json_object_set_serializer(d, json_object_double_to_json_string, (void *) "%.10g", NULL);
        return d;
}

static json_object *count(long long n)
{
        return n >= 0 ? json_object_new_int64(n) : NULL;
}

/* The figures, as numbers for PagerDuty's event rules; absent ones left out. */
static json_object *custom_details(const struct alert_event *ev)
{
        char name[40];

        return JSON_OBJECT(
                JSON_MEMBER("rule", json_object_new_string(ev->rule ? ev->rule : "")),
                JSON_OPTIONAL("experiment_id", ev->experiment_id > 0, json_object_new_int64(ev->experiment_id)),
                JSON_MEMBER("experiment", json_object_new_string(alert_event_experiment(ev, name, sizeof(name)))),
                JSON_OPTIONAL("variant_id", ev->variant_id, json_object_new_string(ev->variant_id)),
                JSON_OPTIONAL("variant", ev->variant_name, json_object_new_string(ev->variant_name)),
                JSON_OPTIONAL("lift", ev->lift.present, figure(ev->lift)),
                JSON_OPTIONAL("lift_low", ev->lift_low.present, figure(ev->lift_low)),
                JSON_OPTIONAL("lift_high", ev->lift_high.present, figure(ev->lift_high)),
                JSON_OPTIONAL("p_value", ev->p_value.present, figure(ev->p_value)),
                JSON_OPTIONAL("prob_beat_control", ev->prob_beat_control.present, figure(ev->prob_beat_control)),
                JSON_OPTIONAL("conversion_rate", ev->conversion_rate.present, figure(ev->conversion_rate)),
                JSON_OPTIONAL("control_rate", ev->control_rate.present, figure(ev->control_rate)),
                JSON_OPTIONAL("srm_p", ev->srm_p.present, figure(ev->srm_p)),
                JSON_OPTIONAL("visitors", ev->visitors >= 0, count(ev->visitors)),
                JSON_OPTIONAL("variant_visitors", ev->variant_visitors >= 0, count(ev->variant_visitors)),
                JSON_OPTIONAL("action", ev->action, json_object_new_string(ev->action)),
                JSON_OPTIONAL("action_result", ev->action_result, json_object_new_string(ev->action_result)),
                JSON_MEMBER("dry_run", json_object_new_boolean(ev->dry_run)));
}

static json_object *trigger_payload(const struct alert_event *ev, const struct notify_context *ctx)
{
        char *summary = alert_event_summary(ev), *cut = summary ? text_truncate(summary, PAGERDUTY_MAX_SUMMARY) : NULL;
        char when[32], group[40];
        json_object *o = NULL;

        snprintf(group, sizeof(group), "experiment %lld", ev->experiment_id);
        if (cut && format_rfc3339(alert_event_time(ev), when, sizeof(when)) == 0)
                o = JSON_OBJECT(JSON_MEMBER("summary", json_object_new_string(cut)),
                                JSON_MEMBER("source", json_object_new_string(ctx->instance ? ctx->instance : "localhost")),
                                JSON_MEMBER("severity", json_object_new_string(pagerduty_severity(ev->severity))),
                                JSON_MEMBER("timestamp", json_object_new_string(when)),
                                JSON_MEMBER("component", json_object_new_string("mida-monitor")),
                                JSON_OPTIONAL("group", ev->experiment_id > 0, json_object_new_string(group)),
                                JSON_MEMBER("class", json_object_new_string(ev->rule ? ev->rule : "alert")),
                                JSON_MEMBER("custom_details", custom_details(ev)));
        free(summary);
        free(cut);
        return o;
}

json_object *pagerduty_payload(const struct alert_event *ev, const struct notify_context *ctx)
{
        char key[PAGERDUTY_DEDUP_KEY_SIZE];
        bool resolve = ev->kind == ALERT_EVENT_RESOLVED;

        if (ev->kind == ALERT_EVENT_ACTION || (ev->state_only && !resolve))
                return NULL;
        pagerduty_dedup_key(ev, ctx->instance, key);
        return JSON_OBJECT(JSON_MEMBER("event_action", json_object_new_string(resolve ? "resolve" : "trigger")),
                           JSON_MEMBER("dedup_key", json_object_new_string(key)),
                           JSON_MEMBER("client", json_object_new_string("mida-monitor")),
                           JSON_OPTIONAL("payload", !resolve, trigger_payload(ev, ctx)));
}

char *pagerduty_add_routing_key(const char *body, const char *routing_key)
{
        json_object *o = json_tokener_parse(body);

        if (!o || !json_object_is_type(o, json_type_object) ||
            json_add(o, "routing_key", json_object_new_string(routing_key)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return notify_json_text(o);
}
