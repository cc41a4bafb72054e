#include "notify_email.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "alert_facts.h"
#include "util/text_format.h"

#define QP_LINE_MAX 76
#define SUBJECT_MAX 200            /* characters, before encoding */
#define ENCODED_WORD_BYTES 45      /* UTF-8 bytes per encoded word: 60 base64 characters */

/* RFC 5322's date, in English whatever the locale. */
static void format_mail_date(time_t t, char *buf, size_t size)
{
        static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        struct tm tm;

        if (!gmtime_r(&t, &tm)) {
                snprintf(buf, size, "Thu, 01 Jan 1970 00:00:00 +0000");
                return;
        }
        snprintf(buf, size, "%s, %02d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *kind_word(enum alert_event_kind kind)
{
        if (kind == ALERT_EVENT_LIFECYCLE)
                return "";   /* the rule says it: "Experiment started" */
        return kind == ALERT_EVENT_ACTION_FAILED ? "action failed" : alert_event_kind_name(kind);
}

/* raw (taken) as one line of valid UTF-8, cut to SUBJECT_MAX. */
static char *subject_line(char *raw)
{
        char *clean = raw ? text_sanitize(raw, true) : NULL, *cut = clean ? text_truncate(clean, SUBJECT_MAX) : NULL;

        free(raw);
        free(clean);
        return cut;
}

char *email_subject(const struct alert_event *ev)
{
        char name[40], *raw = NULL;

        if (asprintf(&raw, "[mida-monitor] %s | %s%s%s | %s", ev->severity ? ev->severity : "info",
                     ev->rule ? ev->rule : "alert", *kind_word(ev->kind) ? " " : "", kind_word(ev->kind),
                     alert_event_experiment(ev, name, sizeof(name))) < 0)
                return NULL;
        return subject_line(raw);
}

static bool printable_ascii(const char *s)
{
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
                        return false;
        return true;
}

/* "Subject: " and the text, as RFC 2047 encoded words when it is not
 * plain ASCII, each on its own folded line and none splitting a character. */
static void write_subject(FILE *f, const char *subject)
{
        size_t len = strlen(subject);

        if (printable_ascii(subject)) {
                fprintf(f, "Subject: %s\r\n", subject);
                return;
        }
        fputs("Subject:", f);
        for (size_t at = 0; at < len;) {
                unsigned char b64[4 * ENCODED_WORD_BYTES / 3 + 4];
                size_t n = len - at < ENCODED_WORD_BYTES ? len - at : ENCODED_WORD_BYTES;

                while (at + n < len && ((unsigned char) subject[at + n] & 0xC0) == 0x80)
                        n--;   /* back to the start of a character */
                EVP_EncodeBlock(b64, (const unsigned char *) subject + at, (int) n);
                fprintf(f, "%s=?UTF-8?B?%s?=", at ? "\r\n " : " ", b64);
                at += n;
        }
        fputs("\r\n", f);
}

/* Adds one encoded unit (a character or "=XX") to the line, breaking it
 * softly ("=" CRLF) first when it would pass QP_LINE_MAX. */
static void qp_put(FILE *f, const char *unit, size_t *column)
{
        size_t n = strlen(unit);

        if (*column + n > QP_LINE_MAX - 1) {
                fputs("=\r\n", f);
                *column = 0;
        }
        fputs(unit, f);
        *column += n;
}

static bool qp_literal(unsigned char c, char next)
{
        /* A blank is literal unless it ends a line, where transports strip it. */
        if (c == ' ' || c == '\t')
                return next != '\n' && next != '\0';
        return c >= 33 && c <= 126 && c != '=';
}

char *quoted_printable(const char *s)
{
        char *buf = NULL, unit[4];
        size_t size = 0, column = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;

                if (c == '\n') {
                        fputs("\r\n", f);
                        column = 0;
                        continue;
                }
                if (c == '\r')
                        continue;
                if (qp_literal(c, p[1]))
                        snprintf(unit, sizeof(unit), "%c", c);
                else
                        snprintf(unit, sizeof(unit), "=%02X", c);
                /* A dot alone at a line's start is SMTP's end of data; "=2E" is the same dot. */
                if (c == '.' && column == 0)
                        snprintf(unit, sizeof(unit), "=2E");
                qp_put(f, unit, &column);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* The plain text: what happened, the facts, and where it comes from. */
static char *body_text(const struct alert_event *ev, const struct notify_context *ctx)
{
        char *summary = alert_event_summary(ev), *facts_text = NULL, *buf = NULL, when[32] = "";
        struct alert_facts facts;
        size_t size = 0;
        FILE *f;

        if (summary && alert_facts_build(ev, &facts) == 0) {
                facts_text = alert_facts_lines(&facts, "\n");
                alert_facts_clear(&facts);
        }
        f = facts_text ? open_memstream(&buf, &size) : NULL;
        if (f) {
                (void) format_rfc3339(alert_event_time(ev), when, sizeof(when));
                fprintf(f, "%s\n\n%s%s", summary, facts_text, *facts_text ? "\n\n" : "");
                if (ev->kind != ALERT_EVENT_LIFECYCLE)
                        fprintf(f, "Rule: %s (severity %s)\n", ev->rule ? ev->rule : "alert",
                                ev->severity ? ev->severity : "info");
                if (ev->experiment_id > 0)
                        fprintf(f, "Experiment id: %lld\n", ev->experiment_id);
                fprintf(f, "When: %s\n%s\n-- \nmida-monitor on %s\n", when,
                        ev->dry_run ? "Dry run: nothing was changed.\n" : "", ctx->instance ? ctx->instance : "localhost");
                if (fclose(f) != 0) {
                        free(buf);
                        buf = NULL;
                }
        }
        free(summary);
        free(facts_text);
        return buf;
}

static void write_headers(FILE *f, const struct config_notifier *n, const struct notify_context *ctx,
                          const struct email_parts *m, const char *subject)
{
        char date[64];

        format_mail_date(m->date ? m->date : ctx->now, date, sizeof(date));
        fprintf(f, "Date: %s\r\nFrom: mida-monitor <%s>\r\nTo: ", date, n->mail_from ? n->mail_from : "");
        for (size_t i = 0; i < n->n_mail_to; i++)
                fprintf(f, "%s%s", i ? ",\r\n " : "", n->mail_to[i]);
        fprintf(f, "\r\nMessage-ID: <%s@%s>\r\n", m->id ? m->id : "evt", ctx->instance ? ctx->instance : "localhost");
        write_subject(f, subject);
        fprintf(f, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\nAuto-Submitted: auto-generated\r\n"
                   "X-Mida-Monitor-Event: %s\r\n\r\n", m->event ? m->event : "alert");
}

char *email_compose(const struct config_notifier *n, const struct notify_context *ctx, const struct email_parts *m)
{
        char *subject = m->subject ? subject_line(strdup(m->subject)) : NULL;
        char *encoded = subject && m->text ? quoted_printable(m->text) : NULL, *buf = NULL;
        size_t size = 0;
        FILE *f = encoded ? open_memstream(&buf, &size) : NULL;

        if (f) {
                write_headers(f, n, ctx, m, subject);
                fputs(encoded, f);
                if (fclose(f) != 0) {
                        free(buf);
                        buf = NULL;
                }
        }
        free(subject);
        free(encoded);
        return buf;
}

char *email_message(const struct config_notifier *n, const struct alert_event *ev, const struct notify_context *ctx)
{
        char *subject = email_subject(ev), *text = subject ? body_text(ev, ctx) : NULL, *message;

        message = text ? email_compose(n, ctx, &(struct email_parts) { .id = ev->id, .date = ev->created_at,
                                                                      .event = alert_event_kind_name(ev->kind),
                                                                      .subject = subject, .text = text })
                       : NULL;
        free(subject);
        free(text);
        return message;
}
