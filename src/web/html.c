/* HTML output: see html.h. */
#include "html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/double_format.h"
#include "util/grow.h"
#include "util/text_format.h"

#define HTML_INITIAL 4096

/* Room for n more bytes and the NUL; false (h failed) when out of memory. */
static bool reserve(struct html *h, size_t n)
{
        if (h->failed)
                return false;
        if (grow_bytes(&h->data, &h->cap, h->len + n + 1, HTML_INITIAL) < 0)
                h->failed = true;
        return !h->failed;
}

static void append(struct html *h, const char *s, size_t n)
{
        if (!reserve(h, n))
                return;
        memcpy(h->data + h->len, s, n);
        h->len += n;
        h->data[h->len] = '\0';
}

void html_raw(struct html *h, const char *markup)
{
        append(h, markup, strlen(markup));
}

void html_printf(struct html *h, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !reserve(h, (size_t) n))
                return;
        va_start(ap, fmt);
        vsnprintf(h->data + h->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        h->len += (size_t) n;
}

static const char *entity(char c)
{
        switch (c) {
        case '&': return "&amp;";
        case '<': return "&lt;";
        case '>': return "&gt;";
        case '"': return "&quot;";
        case '\'': return "&#39;";
        default: return NULL;
        }
}

/* Escapes clean (valid UTF-8) into out, which has room for 6 bytes per
 * byte ("&quot;"). */
static size_t escape_into(const char *clean, char *out)
{
        char *o = out;

        for (const char *p = clean; *p; p++) {
                const char *e = entity(*p);

                if (e)
                        o = stpcpy(o, e);
                else
                        *o++ = *p;
        }
        *o = '\0';
        return (size_t) (o - out);
}

char *html_escape(const char *s)
{
        char *clean = text_sanitize(s, false), *out;

        if (!clean)
                return NULL;
        out = malloc(strlen(clean) * 6 + 1);
        if (out)
                escape_into(clean, out);
        free(clean);
        return out;
}

void html_text(struct html *h, const char *s)
{
        char *clean;

        if (!s || h->failed)
                return;
        clean = text_sanitize(s, false);
        if (!clean || !reserve(h, strlen(clean) * 6)) {
                h->failed = true;
                free(clean);
                return;
        }
        h->len += escape_into(clean, h->data + h->len);
        free(clean);
}

void html_rule_variant(struct html *h, const char *rule, const char *variant_id)
{
        html_text(h, rule);
        if (variant_id && *variant_id) {
                html_raw(h, " (variant ");
                html_text(h, variant_id);
                html_raw(h, ")");
        }
}

void html_time(struct html *h, int64_t t)
{
        time_t tt = (time_t) t;
        char iso[32], shown[32];

        if (t <= 0 || format_rfc3339(tt, iso, sizeof(iso)) < 0 || format_utc_minute(tt, shown, sizeof(shown)) < 0) {
                html_raw(h, "never");
                return;
        }
        html_printf(h, "<time datetime=\"%s\">%s</time>", iso, shown);
}

void html_number_attr(struct html *h, const char *name, double value, bool valid)
{
        char buf[DOUBLE_FORMAT_MAX] = "";

        if (valid && isfinite(value))
                double_format_shortest(value, buf);
        html_printf(h, " %s=\"%s\"", name, buf);
}

void html_page_begin(struct html *h, const char *title, bool with_script)
{
        html_raw(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
        html_text(h, title);
        html_raw(h, " \xe2\x80\x94 mida-monitor</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
        /* defer: the tables are parsed before the charts are drawn from them. */
        if (with_script)
                html_raw(h, "<script src=\"/static/chart.js\" defer></script>\n"
                            "<script src=\"/static/app.js\" defer></script>\n");
        html_raw(h, "</head>\n<body>\n<header><nav>"
                    "<a class=\"home\" href=\"/\">mida-monitor</a>"
                    "<a href=\"/api/v1/status\">JSON</a>"
                    "<a href=\"/metrics\">metrics</a>"
                    "</nav></header>\n<main>\n");
}

void html_page_end(struct html *h)
{
        html_raw(h, "</main>\n</body>\n</html>\n");
}

char *html_message_page(const char *title, const char *message, size_t *len)
{
        struct html h = { 0 };

        html_page_begin(&h, title, false);
        html_raw(&h, "<h1>");
        html_text(&h, title);
        html_raw(&h, "</h1>\n<p id=\"message\">");
        html_text(&h, message);
        html_raw(&h, "</p>\n<p><a href=\"/\">All experiments</a></p>\n");
        html_page_end(&h);
        return html_finish(&h, len);
}

char *html_finish(struct html *h, size_t *len)
{
        char *data = h->failed ? NULL : h->data;

        if (!data)
                free(h->data);
        else
                *len = h->len;
        *h = (struct html) { 0 };
        return data;
}

void html_clear(struct html *h)
{
        free(h->data);
        *h = (struct html) { 0 };
}
