/* The digest as one Slack message: a header, the monitor's health and the
 * period, the alerts and actions, then one section per experiment while
 * the blocks last; the rest are listed in one closing section. Every text
 * is escaped and cut like slack_payload()'s (notify_slack.c). */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_format.h"

/* Room for each entry of a list, so that one huge name does not crowd out
 * the others; and for the "…and 1,234 more alerts" that ends a cut list. */
#define LIST_ITEM_MAX 300
#define LIST_TAIL_MAX 64
/* Header, context, alerts and actions: the experiments get the rest. */
#define FIXED_BLOCKS 4
/* Bytes of mrkdwn past which a section being written is cut anyway. */
#define SECTION_BYTES_MAX (4 * SLACK_MAX_SECTION_TEXT)

_Static_assert(FIXED_BLOCKS + 2 <= SLACK_MAX_BLOCKS, "no room for an experiment and the overflow section");

/* Writes prefix and text (taken; NULL: an allocation failed) escaped for mrkdwn. */
static int put_escaped(FILE *f, const char *prefix, char *text)
{
        char *escaped = text ? mrkdwn_escape(text) : NULL;

        free(text);
        if (!escaped)
                return -ENOMEM;
        fprintf(f, "%s%s", prefix, escaped);
        free(escaped);
        return 0;
}

/* The memstream f's text (in *buf) closed and cut to max; NULL when r < 0 or on ENOMEM. */
static char *finish(FILE *f, char **buf, int r, size_t max)
{
        char *cut = NULL;

        if (fclose(f) == 0 && r >= 0)
                cut = text_truncate(*buf, max);
        free(*buf);
        return cut;
}

/* Each line of text escaped (mrkdwn_escape makes one line of what it gets). */
static char *escape_lines(const char *text, size_t max)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r = 0;

        if (!f)
                return NULL;
        for (const char *p = text; *p && r >= 0;) {
                size_t len = strcspn(p, "\n");

                r = put_escaped(f, p == text ? "" : "\n", strndup(p, len));
                p += len + (p[len] == '\n');
        }
        return finish(f, &buf, r, max);
}

/* The whole text digest, as far as it fits. */
static char *fallback_text(const struct digest *d)
{
        char *text = digest_text(d), *cut = text ? text_truncate(text, SLACK_MAX_TEXT) : NULL;
        char *escaped = cut ? escape_lines(cut, SLACK_MAX_TEXT) : NULL;

        free(text);
        free(cut);
        return escaped;
}

static json_object *header_block(const struct digest *d)
{
        char *title = digest_title(d), *raw = NULL, *cut;

        /* plain_text: not escaped. */
        if (title && asprintf(&raw, ":bar_chart: %s", title) < 0)
                raw = NULL;
        cut = raw ? text_truncate(raw, SLACK_MAX_HEADER) : NULL;
        free(title);
        free(raw);
        return slack_block("header", "text", slack_text_object("plain_text", cut));
}

static char *counts_text(const struct digest *d)
{
        char experiments[32], alerts[32], actions[32], *text = NULL;

        digest_format_count((long long) d->n_experiments, experiments, sizeof(experiments));
        digest_format_count((long long) d->n_alerts, alerts, sizeof(alerts));
        digest_format_count((long long) d->n_actions, actions, sizeof(actions));
        if (asprintf(&text, "%s experiment%s, %s alert%s, %s action%s", experiments, d->n_experiments == 1 ? "" : "s",
                     alerts, d->n_alerts == 1 ? "" : "s", actions, d->n_actions == 1 ? "" : "s") < 0)
                return NULL;
        return text;
}

/* ":white_check_mark: Monitor on host1: OK · since 2026-11-30 09:00 UTC · 3 experiments, …" */
static char *context_text(const struct digest *d)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return NULL;
        r = put_escaped(f, d->healthy ? ":white_check_mark: " : ":warning: ", digest_monitor_line(d));
        if (r >= 0)
                r = put_escaped(f, " \xc2\xb7 ", digest_period(d));
        if (r >= 0)
                r = put_escaped(f, " \xc2\xb7 ", counts_text(d));
        return finish(f, &buf, r, SLACK_MAX_SECTION_TEXT);
}

static json_object *section(char *text)
{
        return slack_block("section", "text", slack_text_object("mrkdwn", text));
}

/* A list in one section: prefix, then item(d, i) for i in [from, to)
 * escaped, cut and joined by sep while they fit, then "…and N more what". */
struct list {
        const char *prefix;   /* mrkdwn */
        const char *sep;
        const char *what;     /* "alerts", or "" */
        size_t from, to;
        char *(*item)(const struct digest *d, size_t i);
};

static char *list_text(const struct digest *d, const struct list *l)
{
        size_t length = text_length(l->prefix), i = l->from;
        char *buf = NULL, count[32];
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r = 0;

        if (!f)
                return NULL;
        fputs(l->prefix, f);
        for (; i < l->to && r >= 0; i++) {
                char *raw = l->item(d, i), *entry = raw ? slack_escape_cut(raw, LIST_ITEM_MAX) : NULL;
                size_t more = entry ? text_length(l->sep) + text_length(entry) : 0;

                free(raw);
                r = entry ? 0 : -ENOMEM;
                if (entry && length + more + LIST_TAIL_MAX > SLACK_MAX_SECTION_TEXT) {
                        free(entry);
                        break;
                }
                if (entry)
                        fprintf(f, "%s%s", i > l->from ? l->sep : "", entry);
                length += more;
                free(entry);
        }
        digest_format_count((long long) (l->to - i), count, sizeof(count));
        if (r >= 0 && i < l->to)
                fprintf(f, "%s" TEXT_ELLIPSIS "and %s more%s%s", i > l->from ? l->sep : "", count, *l->what ? " " : "",
                        l->what);
        return finish(f, &buf, r, SLACK_MAX_SECTION_TEXT);
}

static char *alert_item(const struct digest *d, size_t i)
{
        return digest_alert_line(&d->alerts[i]);
}

static char *action_item(const struct digest *d, size_t i)
{
        return digest_action_line(&d->actions[i]);
}

static char *experiment_item(const struct digest *d, size_t i)
{
        return digest_experiment_label(&d->experiments[i]);
}

/* "*Alerts since the last digest* (500)" and a bulleted line per alert, or "none". */
static json_object *events_block(const struct digest *d, const char *title, size_t n,
                                 char *(*item)(const struct digest *d, size_t i), const char *what)
{
        char count[32], prefix[128];

        digest_format_count((long long) n, count, sizeof(count));
        if (n)
                snprintf(prefix, sizeof(prefix), "*%s* (%s)\n\xe2\x80\xa2 ", title, count);
        else
                snprintf(prefix, sizeof(prefix), "*%s*\nnone", title);
        return section(list_text(d, &(struct list) { prefix, "\n\xe2\x80\xa2 ", what, 0, n, item }));
}

/* " · text" unless text is empty; takes text. */
static int put_part(FILE *f, int r, char *text)
{
        if (r < 0 || (text && !*text)) {
                free(text);
                return r;
        }
        return put_escaped(f, " \xc2\xb7 ", text);
}

/* "• B: lift … · 12,210 visitors, … · time to decision ~4 days …" */
static int put_variant(FILE *f, const struct digest_variant *v)
{
        int r = put_escaped(f, "\n\xe2\x80\xa2 ", digest_variant_figures(v));

        r = put_part(f, r, digest_variant_outlook(v));
        return put_part(f, r, digest_variant_decision(v));
}

/* "*<url|Checkout redesign (#123)>* — live, day 12, …" and a line per variant. */
static char *experiment_text(const struct digest_experiment *e)
{
        char *buf = NULL, *label = digest_experiment_label(e), *link = label ? slack_link(e->url, label) : NULL;
        size_t size = 0;
        FILE *f = link ? open_memstream(&buf, &size) : NULL;
        int r;

        free(label);
        if (!f) {
                free(link);
                return NULL;
        }
        fprintf(f, "%s%s", e->live ? "" : "*Stopped:* ", link);
        free(link);
        r = put_escaped(f, " \xe2\x80\x94 ", digest_experiment_state(e));
        /* Thousands of variants would be cut anyway: stop writing well past the limit. */
        for (size_t i = 0; i < e->n_variants && r >= 0 && size <= SECTION_BYTES_MAX; i++) {
                r = put_variant(f, &e->variants[i]);
                fflush(f);
        }
        return finish(f, &buf, r, SLACK_MAX_SECTION_TEXT);
}

static json_object *overflow_block(const struct digest *d, size_t from)
{
        char count[32], prefix[128], stopped_text[64] = "";
        size_t stopped = 0;

        for (size_t i = from; i < d->n_experiments; i++)
                stopped += !d->experiments[i].live;
        digest_format_count((long long) (d->n_experiments - from), count, sizeof(count));
        if (stopped)
                snprintf(stopped_text, sizeof(stopped_text), " (%zu stopped)", stopped);
        snprintf(prefix, sizeof(prefix), TEXT_ELLIPSIS "and %s more experiment%s%s: ", count,
                 d->n_experiments - from == 1 ? "" : "s", stopped_text);
        return section(list_text(d, &(struct list) { prefix, "; ", "", from, d->n_experiments, experiment_item }));
}

static int append_experiments(json_object *blocks, const struct digest *d)
{
        size_t room = SLACK_MAX_BLOCKS - FIXED_BLOCKS;
        size_t shown = d->n_experiments <= room ? d->n_experiments : room - 1;
        int r = 0;

        if (d->n_experiments == 0)
                return json_append(blocks, section(strdup("*Experiments*\nnone")));
        for (size_t i = 0; i < shown && r >= 0; i++)
                r = json_append(blocks, section(experiment_text(&d->experiments[i])));
        if (r >= 0 && shown < d->n_experiments)
                r = json_append(blocks, overflow_block(d, shown));
        return r;
}

static int fill_slack(json_object *message, const struct digest *d)
{
        json_object *blocks;
        int r = slack_message_begin(message, fallback_text(d), &blocks);

        if (r >= 0)
                r = json_append(blocks, header_block(d));
        if (r >= 0)
                r = json_append(blocks, slack_context_block(context_text(d)));
        if (r >= 0)
                r = json_append(blocks, events_block(d, "Alerts since the last digest", d->n_alerts, alert_item,
                                                     "alerts"));
        if (r >= 0)
                r = json_append(blocks, events_block(d, "Actions since the last digest", d->n_actions, action_item,
                                                     "actions"));
        if (r >= 0)
                r = append_experiments(blocks, d);
        return r;
}

json_object *digest_slack(const struct digest *d)
{
        json_object *message = json_object_new_object();

        if (message && fill_slack(message, d) < 0) {
                json_object_put(message);
                return NULL;
        }
        return message;
}
