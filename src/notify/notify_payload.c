/* The webhook payload and the one-line summary shared with Slack. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_format.h"
#include "notify_payload.h"

const char *alert_event_kind_name(enum alert_event_kind kind)
{
        static const char *const names[] = {
                [ALERT_EVENT_FIRED] = "fired",
                [ALERT_EVENT_RESOLVED] = "resolved",
                [ALERT_EVENT_ACTION] = "action",
                [ALERT_EVENT_ACTION_FAILED] = "action-failed",
                [ALERT_EVENT_TEST] = "test",
                [ALERT_EVENT_LIFECYCLE] = "lifecycle",
        };

        return (unsigned) kind < sizeof(names) / sizeof(names[0]) ? names[kind] : NULL;
}

const char *alert_event_heading_prefix(enum alert_event_kind kind)
{
        switch (kind) {
        case ALERT_EVENT_RESOLVED: return "Resolved: ";
        case ALERT_EVENT_ACTION: return "Action: ";
        case ALERT_EVENT_ACTION_FAILED: return "Action failed: ";
        case ALERT_EVENT_TEST: return "Test: ";
        case ALERT_EVENT_LIFECYCLE: return "";
        case ALERT_EVENT_FIRED: break;
        }
        return "";
}

static double figure_or_nan(struct alert_figure f)
{
        return f.present ? f.value : NAN;
}

int format_lift(const struct alert_event *ev, char *buf, size_t size)
{
        char lift[32], low[32], high[32];

        format_percent(figure_or_nan(ev->lift), true, lift, sizeof(lift));
        if (!ev->lift.present || !isfinite(ev->lift.value) || !ev->lift_low.present || !ev->lift_high.present)
                return snprintf(buf, size, "%s", lift);
        format_percent(ev->lift_low.value, true, low, sizeof(low));
        format_percent(ev->lift_high.value, true, high, sizeof(high));
        return snprintf(buf, size, "%s (%s " TEXT_ELLIPSIS " %s)", lift, low, high);
}

/* An experiment-level rule (SRM, traffic) has no lift to show. */
static int experiment_summary(char **text, const char *rule, const char *subject, const struct alert_event *ev)
{
        char p[32];

        if (!ev->srm_p.present)
                return asprintf(text, "%s fired on %s", rule, subject);
        format_p_value(ev->srm_p.value, p, sizeof(p));
        return asprintf(text, "%s fired on %s: sample-ratio p %s, %lld visitors", rule, subject, p, ev->visitors);
}

static const char *lifecycle_phrase(const struct alert_event *ev)
{
        const char *what = ev->lifecycle ? ev->lifecycle : "";

        if (strcmp(what, "started") == 0)
                return "started: it is live";
        if (strcmp(what, "stopped") == 0)
                return strcmp(ev->experiment_status ? ev->experiment_status : "", "draft") == 0
                       ? "stopped outside mida-monitor: it is a draft again"
                       : "stopped outside mida-monitor: it is inactive (paused or deactivated)";
        if (strcmp(what, "concluded") == 0)
                return "was concluded in the Mida dashboard";
        return "disappeared from the experiment list (deleted, or no longer in this project)";
}

/* subject: "Checkout (variant B)" or "experiment 1234". */
static char *summary_from(const struct alert_event *ev, const char *subject)
{
        const char *rule = ev->rule ? ev->rule : "rule", *action = ev->action ? ev->action : "action";
        const char *result = ev->action_result ? ev->action_result : "";
        char lift[96], *text = NULL;
        int r = -1;

        format_lift(ev, lift, sizeof(lift));
        switch (ev->kind) {
        case ALERT_EVENT_FIRED:
                if (ev->lift.present || ev->variant_id)
                        r = asprintf(&text, "%s fired on %s: lift %s", rule, subject, lift);
                else
                        r = experiment_summary(&text, rule, subject, ev);
                break;
        case ALERT_EVENT_RESOLVED:
                r = asprintf(&text, "%s resolved on %s", rule, subject);
                break;
        case ALERT_EVENT_ACTION:
        case ALERT_EVENT_ACTION_FAILED:
                r = asprintf(&text, "%s: %s %s on %s%s%s", rule, action,
                             ev->kind == ALERT_EVENT_ACTION ? "taken" : "failed", subject,
                             *result ? ": " : "", result);
                break;
        case ALERT_EVENT_TEST:
                r = asprintf(&text, "test notification from mida-monitor (rule %s)", rule);
                break;
        case ALERT_EVENT_LIFECYCLE:
                r = asprintf(&text, "%s %s", subject, lifecycle_phrase(ev));
                break;
        }
        return r < 0 ? NULL : text;
}

const char *alert_event_experiment(const struct alert_event *ev, char *buf, size_t size)
{
        if (ev->experiment_name)
                return ev->experiment_name;
        if (ev->experiment_id <= 0 && ev->subject)
                return ev->subject;
        snprintf(buf, size, "experiment %lld", ev->experiment_id);
        return buf;
}

char *alert_event_summary(const struct alert_event *ev)
{
        const char *variant = ev->variant_name ? ev->variant_name : ev->variant_id;
        char id[40], *subject, *text, *clean;

        if (ev->summary_text)
                return text_sanitize(ev->summary_text, true);
        if (asprintf(&subject, "%s%s%s%s", alert_event_experiment(ev, id, sizeof(id)),
                     variant ? " (variant " : "", variant ? variant : "", variant ? ")" : "") < 0)
                return NULL;
        text = summary_from(ev, subject);
        free(subject);
        if (!text)
                return NULL;
        /* Names come from the API: one line of valid UTF-8 whatever they hold. */
        clean = text_sanitize(text, true);
        free(text);
        return clean;
}

char *alert_event_short(const struct alert_event *ev)
{
        char id[40], *text = NULL;

        if (asprintf(&text, "%s on %s", ev->rule ? ev->rule : "alert",
                     alert_event_experiment(ev, id, sizeof(id))) < 0)
                return NULL;
        return text;
}

char *alert_event_list(const char *prefix, const struct alert_event *const *events, size_t n,
                       char *(*item)(const struct alert_event *), char *(*cut)(const char *, size_t),
                       size_t item_max, size_t max_length)
{
        char *buf = NULL, *whole;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        bool failed = !f;

        if (f)
                fputs(prefix, f);
        for (size_t i = 0; i < n && !failed && size <= max_length * 4; i++) {
                char *raw = item(events[i]);
                char *entry = raw ? cut(raw, n == 1 ? max_length : item_max) : NULL;

                failed = !entry;
                if (entry)
                        fprintf(f, "%s%s", i ? "; " : "", entry);
                free(raw);
                free(entry);
                fflush(f);
        }
        if (f && fclose(f) != 0)
                failed = true;
        if (failed) {
                free(buf);
                return NULL;
        }
        whole = text_truncate(buf, max_length);
        free(buf);
        return whole;
}

static int add_null(json_object *o, const char *key)
{
        return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

int json_add_figure(json_object *o, const char *key, struct alert_figure f)
{
        json_object *d;

        if (!f.present || !isfinite(f.value))
                return add_null(o, key);
        d = json_object_new_double(f.value);
        /* Ten significant digits rather than json-c's 0.10000000000000001. */
        if (d)
                json_object_set_serializer(d, json_object_double_to_json_string, (void *) "%.10g", NULL);
        return json_add(o, key, d);
}

int json_add_count(json_object *o, const char *key, long long n)
{
        return n < 0 ? add_null(o, key) : json_add(o, key, json_object_new_int64(n));
}

static int add_experiment(json_object *o, const struct alert_event *ev)
{
        json_object *e;

        if (ev->experiment_id <= 0)
                return add_null(o, "experiment");
        e = json_add_object(o, "experiment");
        if (!e || json_add(e, "id", json_object_new_int64(ev->experiment_id)) < 0 ||
            json_add_text(e, "name", ev->experiment_name) < 0 || json_add_text(e, "url", ev->experiment_url) < 0)
                return -ENOMEM;
        return 0;
}

static int add_variant(json_object *o, const struct alert_event *ev)
{
        json_object *v;

        if (!ev->variant_id)
                return add_null(o, "variant");
        v = json_add_object(o, "variant");
        if (!v || json_add_text(v, "id", ev->variant_id) < 0 || json_add_text(v, "name", ev->variant_name) < 0)
                return -ENOMEM;
        return 0;
}

static int add_analysis(json_object *o, const struct alert_event *ev)
{
        json_object *a = json_add_object(o, "analysis");

        if (!a || json_add_figure(a, "lift", ev->lift) < 0 || json_add_figure(a, "lift_low", ev->lift_low) < 0 ||
            json_add_figure(a, "lift_high", ev->lift_high) < 0 || json_add_figure(a, "p_value", ev->p_value) < 0 ||
            json_add_figure(a, "prob_beat_control", ev->prob_beat_control) < 0 ||
            json_add_figure(a, "conversion_rate", ev->conversion_rate) < 0 ||
            json_add_figure(a, "control_rate", ev->control_rate) < 0 || json_add_figure(a, "srm_p", ev->srm_p) < 0 ||
            json_add_figure(a, "days_to_decision", ev->days_to_decision) < 0 ||
            (ev->days_to_decision.present ? json_add(a, "underpowered", json_object_new_boolean(ev->underpowered))
                                          : add_null(a, "underpowered")) < 0 ||
            json_add_count(a, "visitors", ev->visitors) < 0 ||
            json_add_count(a, "variant_visitors", ev->variant_visitors) < 0)
                return -ENOMEM;
        return 0;
}

static int add_action(json_object *o, const struct alert_event *ev)
{
        json_object *a;

        if (!ev->action)
                return add_null(o, "action");
        a = json_add_object(o, "action");
        if (!a || json_add_text(a, "type", ev->action) < 0 || json_add_text(a, "result", ev->action_result) < 0)
                return -ENOMEM;
        return 0;
}

static int add_timestamps(json_object *o, const struct alert_event *ev)
{
        json_object *t = json_add_object(o, "timestamps");

        if (!t || json_add_time(t, "created", ev->created_at) < 0 || json_add_time(t, "fired", ev->fired_at) < 0 ||
            json_add_time(t, "resolved", ev->resolved_at) < 0)
                return -ENOMEM;
        return 0;
}

/* "experiment.started" for a lifecycle notice, else the kind's name. */
static int add_event_name(json_object *o, const struct alert_event *ev)
{
        char name[48];

        if (ev->kind != ALERT_EVENT_LIFECYCLE)
                return json_add_text(o, "event", alert_event_kind_name(ev->kind));
        snprintf(name, sizeof(name), "experiment.%s", ev->lifecycle ? ev->lifecycle : "changed");
        return json_add_text(o, "event", name) < 0 || json_add_text(o, "status", ev->experiment_status) < 0
               ? -ENOMEM : 0;
}

static int fill_webhook(json_object *o, const struct alert_event *ev)
{
        char *summary = alert_event_summary(ev);
        int r = summary ? 0 : -ENOMEM;

        if (r >= 0)
                r = json_add(o, "version", json_object_new_int(WEBHOOK_PAYLOAD_VERSION));
        if (r >= 0)
                r = json_add_text(o, "id", ev->id);
        if (r >= 0)
                r = add_event_name(o, ev);
        if (r >= 0)
                r = json_add_text(o, "rule", ev->kind == ALERT_EVENT_LIFECYCLE ? NULL : ev->rule);
        if (r >= 0)
                r = json_add_text(o, "severity", ev->severity);
        if (r >= 0)
                r = json_add(o, "dry_run", json_object_new_boolean(ev->dry_run));
        if (r >= 0)
                r = json_add_text(o, "summary", summary);
        if (r >= 0)
                r = add_experiment(o, ev);
        if (r >= 0)
                r = add_variant(o, ev);
        if (r >= 0)
                r = add_analysis(o, ev);
        if (r >= 0)
                r = add_action(o, ev);
        if (r >= 0)
                r = add_timestamps(o, ev);
        free(summary);
        return r;
}

json_object *webhook_payload(const struct alert_event *ev)
{
        json_object *o = json_object_new_object();

        if (o && fill_webhook(o, ev) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

char *notify_json_text(json_object *o)
{
        const char *text;
        char *copy = NULL;

        if (!o)
                return NULL;
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text)
                copy = strdup(text);
        json_object_put(o);
        return copy;
}
