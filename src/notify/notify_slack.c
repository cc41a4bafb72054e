/* Slack incoming-webhook messages with Block Kit blocks. Every string that
 * reaches the payload is sanitized, escaped where Slack reads mrkdwn, and
 * cut to Slack's limits: the payload is valid whatever the names hold. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_format.h"
#include "alert_facts.h"
#include "notify_payload.h"

/* Room for each entry of the lists in the fallback text and the overflow
 * section, so that one huge name does not crowd out the others. */
#define LIST_ITEM_MAX 300
/* A link longer than this is left out rather than cut (a cut URL is wrong). */
#define LINK_URL_MAX 1500
#define LINK_LABEL_MAX 1000

/* Per event: a divider (from the second on), header, section and context;
 * plus one overflow section. The structure alone keeps within the limit. */
_Static_assert(4 * SLACK_MAX_ALERTS_SHOWN - 1 + 1 <= SLACK_MAX_BLOCKS, "too many blocks per message");

json_object *slack_text_object(const char *type, char *text)
{
        json_object *o = text ? json_object_new_object() : NULL;

        if (o && (json_add(o, "type", json_object_new_string(type)) < 0 ||
                  json_add(o, "text", json_object_new_string(text)) < 0 ||
                  (strcmp(type, "plain_text") == 0 &&
                   json_add(o, "emoji", json_object_new_boolean(1)) < 0))) {
                json_object_put(o);
                o = NULL;
        }
        free(text);
        return o;
}

json_object *slack_block(const char *type, const char *key, json_object *value)
{
        json_object *b = json_object_new_object();

        if (!b || json_add(b, "type", json_object_new_string(type)) < 0) {
                json_object_put(b);
                json_object_put(value);
                return NULL;
        }
        if (key && json_add(b, key, value) < 0) {
                json_object_put(b);
                return NULL;
        }
        return b;
}

char *slack_escape_cut(const char *s, size_t max)
{
        char *escaped = mrkdwn_escape(s), *cut;

        if (!escaped)
                return NULL;
        cut = text_truncate(escaped, max);
        free(escaped);
        return cut;
}

static const char *header_emoji(const struct alert_event *ev)
{
        switch (ev->kind) {
        case ALERT_EVENT_RESOLVED: return ":white_check_mark:";
        case ALERT_EVENT_ACTION: return ":gear:";
        case ALERT_EVENT_ACTION_FAILED: return ":x:";
        case ALERT_EVENT_TEST: return ":test_tube:";
        case ALERT_EVENT_LIFECYCLE: return ":clipboard:";
        case ALERT_EVENT_FIRED: break;
        }
        if (ev->severity && strcmp(ev->severity, "critical") == 0)
                return ":rotating_light:";
        if (ev->severity && strcmp(ev->severity, "warning") == 0)
                return ":warning:";
        return ":information_source:";
}

static json_object *header_block(const struct alert_event *ev)
{
        char *raw = NULL, *clean, id[40];

        if (asprintf(&raw, "%s %s%s \xe2\x80\x94 %s", header_emoji(ev), alert_event_heading_prefix(ev->kind),
                     ev->rule ? ev->rule : "alert", alert_event_experiment(ev, id, sizeof(id))) < 0)
                return NULL;
        /* plain_text: no escaping, but one line of valid UTF-8. */
        clean = text_sanitize(raw, true);
        free(raw);
        if (!clean)
                return NULL;
        raw = text_truncate(clean, SLACK_MAX_HEADER);
        free(clean);
        return slack_block("header", "text", slack_text_object("plain_text", raw));
}

/* The URL as a mrkdwn link target: '|' ends a target and blanks or
 * non-ASCII bytes would break it, so those are percent-encoded. */
static char *link_target(const char *url)
{
        char *encoded = malloc(strlen(url) * 3 + 1), *o = encoded, *escaped;

        if (!encoded)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) url; *p; p++)
                if (*p == '|' || *p <= 0x20 || *p >= 0x7f)
                        o += sprintf(o, "%%%02X", *p);
                else
                        *o++ = (char) *p;
        *o = '\0';
        escaped = mrkdwn_escape(encoded);
        free(encoded);
        return escaped;
}

/* "*<url|Checkout redesign>*", or the bold name alone without a usable URL. */
char *slack_link(const char *url, const char *text)
{
        char *label, *target = NULL, *line = NULL;
        int r;

        label = slack_escape_cut(text, LINK_LABEL_MAX);
        if (!label)
                return NULL;
        if (url && !(target = link_target(url))) {
                free(label);
                return NULL;
        }
        if (target && *target && strlen(target) <= LINK_URL_MAX)
                r = asprintf(&line, "*<%s|%s>*", target, label);
        else
                r = asprintf(&line, "*%s*", label);
        free(label);
        free(target);
        return r < 0 ? NULL : line;
}

static char *experiment_line(const struct alert_event *ev)
{
        char id[40];

        return slack_link(ev->experiment_url, alert_event_experiment(ev, id, sizeof(id)));
}

/* Takes ownership of value (escaped mrkdwn). */
static int add_field(json_object *fields, const char *label, char *value)
{
        char *text = NULL;

        if (!value)
                return -ENOMEM;
        if (asprintf(&text, "*%s*\n%s", label, value) < 0)
                text = NULL;
        free(value);
        if (!text)
                return -ENOMEM;
        value = text_truncate(text, SLACK_MAX_FIELD);
        free(text);
        if (json_object_array_length(fields) >= SLACK_MAX_FIELDS) {
                free(value);
                return 0;
        }
        return json_append(fields, slack_text_object("mrkdwn", value));
}

static json_object *figures_fields(const struct alert_event *ev)
{
        json_object *fields = json_object_new_array();
        struct alert_facts facts;
        int r = fields ? alert_facts_build(ev, &facts) : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < facts.n; i++)
                r = add_field(fields, facts.items[i].label, slack_escape_cut(facts.items[i].value, SLACK_MAX_FIELD));
        if (fields)
                alert_facts_clear(&facts);
        if (r < 0) {
                json_object_put(fields);
                return NULL;
        }
        return fields;
}

static json_object *section_block(const struct alert_event *ev)
{
        json_object *b = slack_block("section", "text", slack_text_object("mrkdwn", experiment_line(ev)));

        if (b && json_add(b, "fields", figures_fields(ev)) < 0) {
                json_object_put(b);
                return NULL;
        }
        return b;
}

/* "*critical* · fired <!date^…|2026-11-23T02:24:01Z> · dry run: nothing was changed".
 * Slack shows the date in each reader's time zone; the fallback is UTC. */
static char *context_text(const struct alert_event *ev)
{
        char *severity = slack_escape_cut(ev->severity ? ev->severity : "info", 100), *text = NULL, *cut;
        char when[128] = "", iso[32];
        time_t t = alert_event_time(ev);

        if (!severity)
                return NULL;
        if (t && format_rfc3339(t, iso, sizeof(iso)) == 0)
                snprintf(when, sizeof(when), " <!date^%lld^{date_short_pretty} {time}|%s>", (long long) t, iso);
        if (asprintf(&text, "*%s* \xc2\xb7 %s%s%s", severity, alert_event_kind_name(ev->kind), when,
                     ev->dry_run ? " \xc2\xb7 dry run: nothing was changed" : "") < 0)
                text = NULL;
        free(severity);
        if (!text)
                return NULL;
        cut = text_truncate(text, SLACK_MAX_SECTION_TEXT);
        free(text);
        return cut;
}

int slack_message_begin(json_object *message, char *text, json_object **blocks)
{
        int r = text ? json_add(message, "text", json_object_new_string(text)) : -ENOMEM;

        free(text);
        *blocks = r >= 0 ? json_object_new_array() : NULL;
        return json_add(message, "blocks", *blocks);
}

json_object *slack_context_block(char *text)
{
        json_object *elements = json_object_new_array();

        if (!elements) {
                free(text);
                return NULL;
        }
        if (json_append(elements, slack_text_object("mrkdwn", text)) < 0) {
                json_object_put(elements);
                return NULL;
        }
        return slack_block("context", "elements", elements);
}

static int append_event_blocks(json_object *blocks, const struct alert_event *ev, bool divider)
{
        int r = 0;

        if (divider)
                r = json_append(blocks, slack_block("divider", NULL, NULL));
        if (r >= 0)
                r = json_append(blocks, header_block(ev));
        if (r >= 0)
                r = json_append(blocks, section_block(ev));
        if (r >= 0)
                r = json_append(blocks, slack_context_block(context_text(ev)));
        return r;
}

static json_object *overflow_block(const struct alert_event *const *events, size_t n)
{
        char prefix[64];

        snprintf(prefix, sizeof(prefix), TEXT_ELLIPSIS "and %zu more alert%s: ", n, n == 1 ? "" : "s");
        return slack_block("section", "text",
                           slack_text_object("mrkdwn", alert_event_list(prefix, events, n, alert_event_short,
                                                                        slack_escape_cut, LIST_ITEM_MAX,
                                                                        SLACK_MAX_SECTION_TEXT)));
}

static char *fallback_text(const struct alert_event *const *events, size_t n)
{
        char prefix[64] = "";
        size_t notices = 0;

        for (size_t i = 0; i < n; i++)
                notices += events[i]->kind == ALERT_EVENT_LIFECYCLE;
        if (n > 1)
                snprintf(prefix, sizeof(prefix), "%zu %s: ", n, notices == n ? "notices" : "alerts");
        return alert_event_list(prefix, events, n, alert_event_summary, slack_escape_cut, LIST_ITEM_MAX,
                                SLACK_MAX_TEXT);
}

static int fill_slack(json_object *message, const struct alert_event *const *events, size_t n)
{
        size_t shown = n < SLACK_MAX_ALERTS_SHOWN ? n : SLACK_MAX_ALERTS_SHOWN;
        json_object *blocks;
        int r = slack_message_begin(message, fallback_text(events, n), &blocks);

        for (size_t i = 0; i < shown && r >= 0; i++)
                r = append_event_blocks(blocks, events[i], i > 0);
        if (r >= 0 && n > shown)
                r = json_append(blocks, overflow_block(events + shown, n - shown));
        return r;
}

json_object *slack_payload(const struct alert_event *const *events, size_t n)
{
        json_object *message;

        if (n == 0)
                return NULL;
        message = json_object_new_object();
        if (message && fill_slack(message, events, n) < 0) {
                json_object_put(message);
                return NULL;
        }
        return message;
}
