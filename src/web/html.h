/* The HTML of the site's pages: a growing buffer, the escaping of every
 * text that comes from the API or the store (experiment and variant names,
 * rule names, comments, errors), and the skeleton each page shares. Pure.
 *
 * The pages carry no inline style or script (the listener sends
 * Content-Security-Policy: default-src 'self'): they link /static/style.css
 * and, where a chart is drawn, /static/app.js. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct html {
        char *data;
        size_t len, cap;
        bool failed;                  /* out of memory: html_finish gives NULL */
};

/* Markup the page writes itself (never data). */
void html_raw(struct html *h, const char *markup);
void html_printf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s made valid UTF-8 (control characters replaced) with & < > " ' escaped:
 * safe as element text and as a quoted attribute value. NULL writes nothing. */
void html_text(struct html *h, const char *s);
/* A rule's name, with " (variant V)" for a variant's alert (variant_id
 * not NULL or ""), both escaped. */
void html_rule_variant(struct html *h, const char *rule, const char *variant_id);
/* The same as a new string (free it), or NULL on ENOMEM. */
char *html_escape(const char *s);
/* <time datetime="2026-11-30T05:25:30Z">2026-11-30 05:25 UTC</time>, or
 * "never" for t <= 0. */
void html_time(struct html *h, int64_t t);
/* A double as a data-* attribute value: the shortest text that reads back
 * exact, or "" when not valid (JavaScript reads "" as no value). */
void html_number_attr(struct html *h, const char *name, double value, bool valid);

/* From the doctype to the opening of <main>; title is data (escaped). */
void html_page_begin(struct html *h, const char *title, bool with_script);
/* Closes <main>, the body and the document. */
void html_page_end(struct html *h);

/* A whole page that says one thing (a 404, a 503): title and message
 * are escaped. The page (malloc'd, *len set), or NULL on ENOMEM. */
char *html_message_page(const char *title, const char *message, size_t *len);

/* The page (malloc'd, *len set), or NULL when out of memory; h is emptied
 * either way. */
char *html_finish(struct html *h, size_t *len);
void html_clear(struct html *h);
