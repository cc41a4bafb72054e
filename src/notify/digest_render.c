/* What each notifier type is sent for a digest: Slack's message, the
 * webhook body, a Teams card of the text digest's lines, an e-mail of the
 * text digest. Alertmanager and PagerDuty take none: they page and route
 * alerts, and a digest is neither. */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_email.h"
#include "util/text_format.h"

/* Bytes of TextBlocks in the card: Teams takes 28 KB for the whole
 * message, envelope and the closing line included. */
#define TEAMS_BODY_MAX 24000
#define TEAMS_LINE_MAX 500

struct card {
        json_object *body;
        size_t bytes;
        size_t left_out;       /* lines past TEAMS_BODY_MAX */
        bool healthy;
};

static json_object *card_line(const struct card *c, enum digest_line_kind kind, const char *text)
{
        static const enum teams_text_style styles[] = {
                [DIGEST_LINE_TITLE] = TEAMS_TEXT_HEADING, [DIGEST_LINE_NOTE] = TEAMS_TEXT_PLAIN,
                [DIGEST_LINE_HEADING] = TEAMS_TEXT_HEADING, [DIGEST_LINE_ITEM] = TEAMS_TEXT_PLAIN,
                [DIGEST_LINE_DETAIL] = TEAMS_TEXT_SUBTLE, [DIGEST_LINE_MORE] = TEAMS_TEXT_SUBTLE,
        };

        return teams_text_block(text_truncate(text, TEAMS_LINE_MAX), styles[kind],
                                kind == DIGEST_LINE_NOTE && !c->healthy ? "attention" : NULL);
}

/* One TextBlock per line while they fit; the lines after are only counted. */
static int add_card_line(enum digest_line_kind kind, const char *text, void *userdata)
{
        struct card *c = userdata;
        json_object *block;
        const char *json;

        if (c->left_out > 0) {
                c->left_out++;
                return 0;
        }
        block = card_line(c, kind, text);
        json = block ? json_object_to_json_string_ext(block, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                     : NULL;
        if (!json) {
                json_object_put(block);
                return -ENOMEM;
        }
        if (c->bytes + strlen(json) + 1 > TEAMS_BODY_MAX) {
                json_object_put(block);
                c->left_out = 1;
                return 0;
        }
        c->bytes += strlen(json) + 1;
        return json_append(c->body, block);
}

static int add_left_out(struct card *c, const struct digest *d)
{
        char count[32], *text = NULL;

        digest_format_count((long long) c->left_out, count, sizeof(count));
        if (asprintf(&text, TEXT_ELLIPSIS "and %s more line%s, left out to fit in Teams: `mida-monitor digest %s "
                     "--print` shows the whole digest", count, c->left_out == 1 ? "" : "s",
                     d->name ? d->name : "NAME") < 0)
                text = NULL;
        return json_append(c->body, teams_text_block(text, TEAMS_TEXT_SUBTLE, NULL));
}

static json_object *teams_digest(const struct digest *d)
{
        struct card c = { .body = json_object_new_array(), .healthy = d->healthy };
        int r = c.body ? digest_lines(d, add_card_line, &c) : -ENOMEM;

        if (r >= 0 && c.left_out > 0)
                r = add_left_out(&c, d);
        if (r < 0) {
                json_object_put(c.body);
                return NULL;
        }
        return teams_message(c.body);
}

/* "[mida-monitor] Digest weekly: 12 experiments, 3 alerts" */
static char *email_subject_of(const struct digest *d)
{
        char experiments[32], alerts[32], *subject = NULL;

        digest_format_count((long long) d->n_experiments, experiments, sizeof(experiments));
        digest_format_count((long long) d->n_alerts, alerts, sizeof(alerts));
        if (asprintf(&subject, "[mida-monitor] Digest%s%s: %s experiment%s, %s alert%s", d->name ? " " : "",
                     d->name ? d->name : "", experiments, d->n_experiments == 1 ? "" : "s", alerts,
                     d->n_alerts == 1 ? "" : "s") < 0)
                return NULL;
        return subject;
}

static char *email_digest(const struct config_notifier *n, const struct notify_context *ctx, const struct digest *d)
{
        char *subject = email_subject_of(d), *text = subject ? digest_text(d) : NULL, *message = NULL;

        if (text)
                message = email_compose(n, ctx, &(struct email_parts) { .id = d->id, .date = d->generated_at,
                                                                       .event = "digest", .subject = subject,
                                                                       .text = text });
        free(subject);
        free(text);
        return message;
}

char *digest_render(const struct config_notifier *n, const struct notify_context *ctx, const struct digest *d)
{
        if (!n || !ctx || !d)
                return NULL;
        switch (n->type) {
        case NOTIFIER_SLACK: return notify_json_text(digest_slack(d));
        case NOTIFIER_WEBHOOK: return notify_json_text(digest_json(d));
        case NOTIFIER_TEAMS: return notify_json_text(teams_digest(d));
        case NOTIFIER_EMAIL: return email_digest(n, ctx, d);
        case NOTIFIER_ALERTMANAGER:
        case NOTIFIER_PAGERDUTY:
                break;
        }
        return NULL;
}
