/* Text helpers shared by the Slack and webhook payloads: figures as people
 * read them, and user-provided text made safe for a JSON/Slack payload.
 * All pure; strings returned are malloc'd (free them), NULL on ENOMEM. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

/* Shown in place of a figure that is missing. */
#define TEXT_MISSING "\xe2\x80\x94"   /* "—" */
#define TEXT_ELLIPSIS "\xe2\x80\xa6"  /* "…" */

/* A fraction as a percentage: 0.123 → "+12.3%" with with_sign, "12.3%"
 * without. One decimal, two below 1%; values that round to zero print
 * without a sign; a non-finite value prints TEXT_MISSING. Returns the
 * length written (truncated to size like snprintf). */
int format_percent(double fraction, bool with_sign, char *buf, size_t size);

/* A p-value: "0.012", "0.0004", "< 0.0001"; TEXT_MISSING when not finite. */
int format_p_value(double p, char *buf, size_t size);

/* "2026-11-23T02:24:01Z". Returns 0, or -EINVAL when t cannot be
 * represented or size is too small (< 21). */
int format_rfc3339(time_t t, char *buf, size_t size);

/* "2026-11-23 02:24 UTC", as digests, their journal lines and the status
 * page show a time. Returns 0, or -EINVAL as format_rfc3339. */
int format_utc_minute(time_t t, char *buf, size_t size);

/* A copy of s that is valid UTF-8: each byte of an invalid sequence, and
 * each ASCII control character, becomes U+FFFD, except that \n and \t are
 * kept, or become spaces with single_line. NULL s gives "". */
char *text_sanitize(const char *s, bool single_line);

/* Length as Slack counts it, in UTF-16 code units (a conservative count for
 * its "characters" limits). s must be valid UTF-8. */
size_t text_length(const char *s);

/* A copy of valid UTF-8 s cut to at most max_length (as text_length
 * counts), ending in "…" when cut; never splits a character, nor a Slack
 * entity ("&amp;") produced by mrkdwn_escape. max_length must be >= 1. */
char *text_truncate(const char *s, size_t max_length);

/* s sanitized (as text_sanitize, single line) with Slack's mrkdwn control characters
 * escaped: & → &amp;, < → &lt;, > → &gt;. NULL s gives "". */
char *mrkdwn_escape(const char *s);

/* Adds v under key, taking ownership. json-c's NULL is JSON null, so a
 * NULL v here means its constructor failed: returns -ENOMEM (as for a
 * failed insertion), else 0. */
int json_add(json_object *o, const char *key, json_object *v);
/* Appends v to array, taking ownership; a NULL v (its constructor failed)
 * or a failed insertion gives -ENOMEM, else 0. */
int json_append(json_object *array, json_object *v);
/* One member of json_object_build: value is taken (a NULL value means its
 * constructor failed), unless absent, which leaves the member out (value
 * must then be NULL). */
struct json_member {
        const char *key;
        json_object *value;
        bool absent;
};
/* A new object with the members in order; every value is taken, also on
 * failure. NULL on ENOMEM. JSON_OBJECT(...) passes a literal list of
 * JSON_MEMBER(key, value) and JSON_OPTIONAL(key, present, value) (value is
 * evaluated only when present). */
json_object *json_object_build(const struct json_member *members, size_t n);
#define JSON_MEMBER(key, value) { (key), (value), false }
#define JSON_OPTIONAL(key, present, value) { (key), (present) ? (value) : NULL, !(present) }
#define JSON_OBJECT(...) \
        json_object_build((const struct json_member[]) { __VA_ARGS__ }, \
                          sizeof((const struct json_member[]) { __VA_ARGS__ }) / sizeof(struct json_member))
/* Adds s made valid UTF-8 (text_sanitize, newlines kept), or null for a
 * NULL s; 0 or -ENOMEM. */
int json_add_text(json_object *o, const char *key, const char *s);
/* Adds an empty object under key and returns it (borrowed), NULL on ENOMEM. */
json_object *json_add_object(json_object *o, const char *key);
/* Adds t as RFC 3339 UTC text, or null for t <= 0; 0 or -ENOMEM. */
int json_add_time(json_object *o, const char *key, time_t t);
