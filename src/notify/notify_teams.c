/* Microsoft Teams workflow messages: one Adaptive Card 1.4 per message, in
 * the envelope the "Post to a channel when a webhook request is received"
 * workflow takes. The same facts as Slack's message, cut to lengths that
 * keep a card of TEAMS_MAX_ALERTS_SHOWN alerts well under Teams' 28 KB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_facts.h"
#include "notify_payload.h"
#include "util/text_format.h"

#define HEADING_MAX 150
#define FACT_MAX 500
#define OVERFLOW_MAX 2000
#define OVERFLOW_ITEM_MAX 200

/* Adaptive Cards' colours: attention (red), warning, good (green), default. */
static const char *heading_color(const struct alert_event *ev)
{
        if (ev->kind == ALERT_EVENT_RESOLVED)
                return "good";
        if (ev->kind == ALERT_EVENT_ACTION_FAILED || (ev->severity && strcmp(ev->severity, "critical") == 0))
                return "attention";
        if (ev->kind == ALERT_EVENT_FIRED && ev->severity && strcmp(ev->severity, "warning") == 0)
                return "warning";
        return "default";
}

json_object *teams_text_block(char *text, enum teams_text_style style, const char *color)
{
        bool heading = style == TEAMS_TEXT_HEADING;
        char *clean = text ? text_sanitize(text, true) : NULL, *cut = clean ? text_truncate(clean, HEADING_MAX * 20) : NULL;
        json_object *o = cut ? JSON_OBJECT(JSON_MEMBER("type", json_object_new_string("TextBlock")),
                                           JSON_MEMBER("text", json_object_new_string(cut)),
                                           JSON_MEMBER("wrap", json_object_new_boolean(1)),
                                           JSON_OPTIONAL("weight", heading, json_object_new_string("Bolder")),
                                           JSON_OPTIONAL("size", heading, json_object_new_string("Medium")),
                                           JSON_OPTIONAL("isSubtle", style == TEAMS_TEXT_SUBTLE, json_object_new_boolean(1)),
                                           JSON_OPTIONAL("color", color, json_object_new_string(color)),
                                           JSON_OPTIONAL("separator", heading, json_object_new_boolean(1)))
                             : NULL;

        free(text);
        free(clean);
        free(cut);
        return o;
}

static json_object *heading(const struct alert_event *ev)
{
        char *text = NULL, name[40];

        if (asprintf(&text, "%s%s \xe2\x80\x94 %.*s", alert_event_heading_prefix(ev->kind), ev->rule ? ev->rule : "alert",
                     HEADING_MAX, alert_event_experiment(ev, name, sizeof(name))) < 0)
                text = NULL;
        return teams_text_block(text, TEAMS_TEXT_HEADING, heading_color(ev));
}

static json_object *fact_set(const struct alert_event *ev)
{
        struct alert_facts facts;
        json_object *list = json_object_new_array();
        int r = list ? alert_facts_build(ev, &facts) : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < facts.n; i++) {
                char *value = text_truncate(facts.items[i].value, FACT_MAX);
                json_object *fact = value ? JSON_OBJECT(JSON_MEMBER("title", json_object_new_string(facts.items[i].label)),
                                                        JSON_MEMBER("value", json_object_new_string(value)))
                                          : NULL;

                free(value);
                if (!fact || json_object_array_add(list, fact) < 0) {
                        json_object_put(fact);
                        r = -ENOMEM;
                }
        }
        if (list)
                alert_facts_clear(&facts);
        if (r < 0) {
                json_object_put(list);
                return NULL;
        }
        return JSON_OBJECT(JSON_MEMBER("type", json_object_new_string("FactSet")), JSON_MEMBER("facts", list));
}

/* "critical · fired 2026-11-23T02:24:01Z · dry run: nothing was changed" */
static json_object *context(const struct alert_event *ev)
{
        char when[32] = "", *text = NULL;

        if (format_rfc3339(alert_event_time(ev), when, sizeof(when)) < 0)
                when[0] = 0;
        if (asprintf(&text, "%s \xc2\xb7 %s %s%s", ev->severity ? ev->severity : "info", alert_event_kind_name(ev->kind),
                     when, ev->dry_run ? " \xc2\xb7 dry run: nothing was changed" : "") < 0)
                text = NULL;
        return teams_text_block(text, TEAMS_TEXT_SUBTLE, NULL);
}

static char *overflow_text(const struct alert_event *const *events, size_t n)
{
        char prefix[64];

        snprintf(prefix, sizeof(prefix), TEXT_ELLIPSIS "and %zu more alert%s: ", n, n == 1 ? "" : "s");
        return alert_event_list(prefix, events, n, alert_event_short, text_truncate, OVERFLOW_ITEM_MAX, OVERFLOW_MAX);
}

static json_object *card_body(const struct alert_event *const *events, size_t n)
{
        size_t shown = n < TEAMS_MAX_ALERTS_SHOWN ? n : TEAMS_MAX_ALERTS_SHOWN;
        json_object *body = json_object_new_array();
        int r = body ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < shown; i++) {
                r = json_append(body, heading(events[i]));
                if (r >= 0 && !events[i]->summary_text)
                        r = json_append(body, fact_set(events[i]));
                else if (r >= 0)
                        r = json_append(body, teams_text_block(alert_event_summary(events[i]), TEAMS_TEXT_SUBTLE, NULL));
                if (r >= 0)
                        r = json_append(body, context(events[i]));
        }
        if (r >= 0 && n > shown)
                r = json_append(body, teams_text_block(overflow_text(events + shown, n - shown), TEAMS_TEXT_SUBTLE, NULL));
        if (r < 0) {
                json_object_put(body);
                return NULL;
        }
        return body;
}

json_object *teams_message(json_object *body)
{
        json_object *card, *attachment, *attachments;

        card = JSON_OBJECT(JSON_MEMBER("$schema", json_object_new_string("http://adaptivecards.io/schemas/adaptive-card.json")),
                           JSON_MEMBER("type", json_object_new_string("AdaptiveCard")),
                           JSON_MEMBER("version", json_object_new_string("1.4")),
                           JSON_MEMBER("body", body),
                           JSON_MEMBER("msteams", JSON_OBJECT(JSON_MEMBER("width", json_object_new_string("Full")))));
        attachment = JSON_OBJECT(JSON_MEMBER("contentType", json_object_new_string("application/vnd.microsoft.card.adaptive")),
                                 JSON_MEMBER("content", card));
        attachments = json_object_new_array();
        if (attachments && json_append(attachments, attachment) < 0) {
                json_object_put(attachments);
                attachments = NULL;
        } else if (!attachments) {
                json_object_put(attachment);
        }
        return JSON_OBJECT(JSON_MEMBER("type", json_object_new_string("message")),
                           JSON_MEMBER("attachments", attachments));
}

json_object *teams_payload(const struct alert_event *const *events, size_t n)
{
        return n == 0 ? NULL : teams_message(card_body(events, n));
}
