/* What Alertmanager, PagerDuty and Teams refuse, as far as a notifier can get
 * it wrong. Error texts name the offending member. */
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "isotime.h"
#include "receiver_shapes.h"

#define PD_SUMMARY_MAX 1024
#define TEAMS_CARD_TYPE "application/vnd.microsoft.card.adaptive"

static const char *const alert_members[] = {
        "labels", "annotations", "startsAt", "endsAt", "generatorURL", NULL,
};
static const char *const pd_actions[] = { "trigger", "acknowledge", "resolve", NULL };
static const char *const pd_severities[] = { "critical", "error", "warning", "info", NULL };
static const char *const pd_strings[] = { "component", "group", "class", NULL };
static const char *const card_versions[] = { "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", NULL };

__attribute__((format(printf, 3, 4)))
static const char *bad(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return err;
}

/* The services count characters, not bytes. */
static size_t utf8_chars(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xC0) != 0x80;
        return n;
}

static bool one_of(const char *s, const char *const *list)
{
        for (; *list; list++)
                if (!strcmp(s, *list))
                        return true;
        return false;
}

static bool blank(const char *s)
{
        return !s || !*s;
}

static bool has_member(struct json_object *o, const char *key)
{
        return json_object_object_get_ex(o, key, NULL);
}

/* The string member `key`, or NULL when it is absent or not a string. */
static const char *str_member(struct json_object *o, const char *key)
{
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static bool string_is(struct json_object *o, const char *key, const char *want)
{
        const char *s = str_member(o, key);
        return s && !strcmp(s, want);
}

/* The array member `key` if it has elements, else NULL. */
static struct json_object *nonempty_array(struct json_object *o, const char *key)
{
        struct json_object *a;
        if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
            !json_object_array_length(a))
                return NULL;
        return a;
}

/* The whole body as one JSON value: json_tokener_parse would ignore
 * trailing garbage, and the services do not. */
static bool parse_body(const char *body, struct json_object **out)
{
        struct json_tokener *tok = json_tokener_new();
        if (!tok)
                return false;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        *out = json_tokener_parse_ex(tok, body, (int)strlen(body));
        size_t end = json_tokener_get_parse_end(tok);
        bool ok = json_tokener_get_error(tok) == json_tokener_success &&
                  !body[end + strspn(body + end, " \t\r\n")];
        json_tokener_free(tok);
        if (!ok) {
                json_object_put(*out);
                *out = NULL;
        }
        return ok;
}

static bool read_digits(const char **p, int n, int *out)
{
        *out = 0;
        for (int i = 0; i < n; i++, (*p)++) {
                if (**p < '0' || **p > '9')
                        return false;
                *out = *out * 10 + (**p - '0');
        }
        return true;
}

static bool skip_char(const char **p, const char *chars)
{
        if (!**p || !strchr(chars, **p))
                return false;
        (*p)++;
        return true;
}

/* "HH:MM:SS[.frac]" as seconds into the day. Go's parser, which Alertmanager
 * uses, refuses leap second 60, so this does too. */
static bool read_clock(const char **p, double *secs)
{
        int h, m, s;
        if (!read_digits(p, 2, &h) || !skip_char(p, ":") || !read_digits(p, 2, &m) ||
            !skip_char(p, ":") || !read_digits(p, 2, &s) || h > 23 || m > 59 || s > 59)
                return false;
        *secs = h * 3600 + m * 60 + s;
        if (**p != '.')
                return true;
        (*p)++;
        if (**p < '0' || **p > '9')
                return false;
        /* by hand: strtod would follow the locale's decimal point */
        for (double scale = 0.1; **p >= '0' && **p <= '9'; (*p)++, scale /= 10)
                *secs += (**p - '0') * scale;
        return true;
}

/* "Z" or "+HH:MM" / "-HH:MM" as seconds east of UTC. */
static bool read_offset(const char **p, double *offset)
{
        int sign, h, m;
        *offset = 0;
        if (skip_char(p, "Zz"))
                return true;
        sign = **p == '-' ? -1 : 1;
        if (!skip_char(p, "+-") || !read_digits(p, 2, &h) || !skip_char(p, ":") ||
            !read_digits(p, 2, &m) || h > 23 || m > 59)
                return false;
        *offset = sign * (h * 3600 + m * 60);
        return true;
}

/* RFC 3339 date-time (2026-12-07T20:01:02Z, ...02.5+01:00) as epoch seconds;
 * isotime_parse knows only "Z" and "+00:00", so only its day check is reused. */
static bool rfc3339_parse(const char *s, double *t)
{
        char day[11];
        double date, clock, offset;
        const char *p = s + 10;
        if (strlen(s) < 20)
                return false;
        memcpy(day, s, 10);
        day[10] = '\0';
        if (isodate_parse_day(day, &date) < 0 || !skip_char(&p, "Tt") || !read_clock(&p, &clock) ||
            !read_offset(&p, &offset) || *p)
                return false;
        *t = date + clock - offset;
        return true;
}

/* An optional RFC 3339 member: false when present but not one; *t is NAN
 * when absent. */
static bool optional_time(struct json_object *o, const char *key, double *t)
{
        struct json_object *v;
        *t = NAN;
        if (!json_object_object_get_ex(o, key, &v))
                return true;
        return json_object_is_type(v, json_type_string) && rfc3339_parse(json_object_get_string(v), t);
}

/* Prometheus' legacy label name syntax, [a-zA-Z_][a-zA-Z0-9_]*. */
static bool label_name_ok(const char *s)
{
        for (const char *c = s; *c; c++) {
                bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_';
                if (!alpha && (c == s || *c < '0' || *c > '9'))
                        return false;
        }
        return *s != '\0';
}

static const char *check_labels(struct json_object *a, size_t i, char *err, size_t errlen)
{
        struct json_object *labels;
        if (!json_object_object_get_ex(a, "labels", &labels) || !json_object_is_type(labels, json_type_object))
                return bad(err, errlen, "alert %zu: labels must be an object", i);
        json_object_object_foreach(labels, name, value) {
                if (!label_name_ok(name))
                        return bad(err, errlen, "alert %zu: invalid label name \"%.64s\"", i, name);
                if (!json_object_is_type(value, json_type_string))
                        return bad(err, errlen, "alert %zu: label %.64s is not a string", i, name);
        }
        if (blank(str_member(labels, "alertname")))
                return bad(err, errlen, "alert %zu: labels.alertname is missing or empty", i);
        return NULL;
}

static const char *check_annotations(struct json_object *a, size_t i, char *err, size_t errlen)
{
        struct json_object *annotations;
        if (!json_object_object_get_ex(a, "annotations", &annotations))
                return NULL;
        if (!json_object_is_type(annotations, json_type_object))
                return bad(err, errlen, "alert %zu: annotations must be an object", i);
        json_object_object_foreach(annotations, name, value)
                if (!json_object_is_type(value, json_type_string))
                        return bad(err, errlen, "alert %zu: annotation %.64s is not a string", i, name);
        return NULL;
}

static const char *check_times(struct json_object *a, size_t i, char *err, size_t errlen)
{
        double start, end;
        if (!optional_time(a, "startsAt", &start))
                return bad(err, errlen, "alert %zu: startsAt is not an RFC 3339 time", i);
        if (!optional_time(a, "endsAt", &end))
                return bad(err, errlen, "alert %zu: endsAt is not an RFC 3339 time", i);
        if (!isnan(start) && !isnan(end) && end < start)
                return bad(err, errlen, "alert %zu: endsAt is before startsAt", i);
        return NULL;
}

/* Alertmanager's swagger types generatorURL as a URI string: null fails. */
static const char *check_generator_url(struct json_object *a, size_t i, char *err, size_t errlen)
{
        const char *url = str_member(a, "generatorURL");
        if (!has_member(a, "generatorURL") ||
            (url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8))))
                return NULL;
        return bad(err, errlen, "alert %zu: generatorURL must be an http:// or https:// URL", i);
}

static const char *check_alert(struct json_object *a, size_t i, char *err, size_t errlen)
{
        if (!json_object_is_type(a, json_type_object))
                return bad(err, errlen, "alert %zu is not an object", i);
        json_object_object_foreach(a, key, value) {
                (void)value;
                if (!one_of(key, alert_members))
                        return bad(err, errlen, "alert %zu: unknown field \"%.64s\"", i, key);
        }
        if (check_labels(a, i, err, errlen) || check_annotations(a, i, err, errlen) ||
            check_times(a, i, err, errlen) || check_generator_url(a, i, err, errlen))
                return err;
        return NULL;
}

const char *alertmanager_check_alerts(const char *body, char *err, size_t errlen)
{
        struct json_object *alerts;
        const char *why = NULL;
        if (!parse_body(body, &alerts))
                return bad(err, errlen, "body is not JSON");
        if (!json_object_is_type(alerts, json_type_array))
                why = bad(err, errlen, "body must be a JSON array of alerts");
        for (size_t i = 0; !why && i < json_object_array_length(alerts); i++)
                why = check_alert(json_object_array_get_idx(alerts, i), i, err, errlen);
        json_object_put(alerts);
        return why;
}

static const char *check_pd_dedup_key(struct json_object *ev, bool required, char *key,
                                      char *err, size_t errlen)
{
        const char *k = str_member(ev, "dedup_key");
        if (has_member(ev, "dedup_key") && !k)
                return bad(err, errlen, "'dedup_key' is not a string");
        if (required && blank(k))
                return bad(err, errlen, "'dedup_key' is required for acknowledge and resolve events");
        if (k && utf8_chars(k) > PAGERDUTY_DEDUP_KEY_CHARS)
                return bad(err, errlen, "'dedup_key' is longer than %d characters", PAGERDUTY_DEDUP_KEY_CHARS);
        snprintf(key, PAGERDUTY_DEDUP_KEY_SIZE, "%s", k ? k : "");
        return NULL;
}

/* The payload's optional members. */
static const char *check_pd_extras(struct json_object *p, char *err, size_t errlen)
{
        struct json_object *details;
        double t;
        if (!optional_time(p, "timestamp", &t))
                return bad(err, errlen, "'payload.timestamp' is not an RFC 3339 time");
        for (const char *const *k = pd_strings; *k; k++)
                if (has_member(p, *k) && !str_member(p, *k))
                        return bad(err, errlen, "'payload.%s' is not a string", *k);
        if (json_object_object_get_ex(p, "custom_details", &details) &&
            !json_object_is_type(details, json_type_object))
                return bad(err, errlen, "'payload.custom_details' is not an object");
        return NULL;
}

static const char *check_pd_payload(struct json_object *ev, char *err, size_t errlen)
{
        struct json_object *p;
        if (!json_object_object_get_ex(ev, "payload", &p) || !json_object_is_type(p, json_type_object))
                return bad(err, errlen, "'payload' is missing or not an object");
        const char *summary = str_member(p, "summary"), *severity = str_member(p, "severity");
        if (blank(summary))
                return bad(err, errlen, "'payload.summary' is missing or blank");
        if (utf8_chars(summary) > PD_SUMMARY_MAX)
                return bad(err, errlen, "'payload.summary' is longer than %d characters", PD_SUMMARY_MAX);
        if (blank(str_member(p, "source")))
                return bad(err, errlen, "'payload.source' is missing or blank");
        if (!severity || !one_of(severity, pd_severities))
                return bad(err, errlen, "'payload.severity' must be critical, error, warning or info");
        return check_pd_extras(p, err, errlen);
}

static const char *check_pd_event(struct json_object *ev, char *key, char *err, size_t errlen)
{
        if (!json_object_is_type(ev, json_type_object))
                return bad(err, errlen, "body must be a JSON object");
        if (blank(str_member(ev, "routing_key")))
                return bad(err, errlen, "'routing_key' is missing or blank");
        const char *action = str_member(ev, "event_action");
        if (!action || !one_of(action, pd_actions))
                return bad(err, errlen, "'event_action' must be trigger, acknowledge or resolve");
        bool trigger = !strcmp(action, "trigger");
        if (check_pd_dedup_key(ev, !trigger, key, err, errlen))
                return err;
        /* acknowledge and resolve need no payload: PagerDuty ignores it */
        return trigger ? check_pd_payload(ev, err, errlen) : NULL;
}

const char *pagerduty_check_event(const char *body, char *dedup_key, char *err, size_t errlen)
{
        struct json_object *ev;
        *dedup_key = '\0';
        if (!parse_body(body, &ev))
                return bad(err, errlen, "body is not JSON");
        const char *why = check_pd_event(ev, dedup_key, err, errlen);
        json_object_put(ev);
        return why;
}

static const char *check_card(struct json_object *card, size_t i, char *err, size_t errlen)
{
        const char *version = str_member(card, "version");
        struct json_object *body = nonempty_array(card, "body");
        if (!string_is(card, "type", "AdaptiveCard"))
                return bad(err, errlen, "attachments[%zu].content.type must be \"AdaptiveCard\"", i);
        if (!version || !one_of(version, card_versions))
                return bad(err, errlen, "attachments[%zu].content.version must be \"1.0\" to \"1.5\"", i);
        if (!body)
                return bad(err, errlen, "attachments[%zu].content.body must be a non-empty array", i);
        for (size_t j = 0; j < json_object_array_length(body); j++)
                if (!str_member(json_object_array_get_idx(body, j), "type"))
                        return bad(err, errlen, "attachments[%zu].content.body[%zu] has no string type", i, j);
        return NULL;
}

static const char *check_attachment(struct json_object *att, size_t i, char *err, size_t errlen)
{
        struct json_object *content;
        if (!string_is(att, "contentType", TEAMS_CARD_TYPE))
                return bad(err, errlen, "attachments[%zu].contentType must be \"" TEAMS_CARD_TYPE "\"", i);
        if (!json_object_object_get_ex(att, "content", &content) ||
            !json_object_is_type(content, json_type_object))
                return bad(err, errlen, "attachments[%zu].content must be an object", i);
        return check_card(content, i, err, errlen);
}

static const char *check_teams(struct json_object *msg, char *err, size_t errlen)
{
        struct json_object *atts = nonempty_array(msg, "attachments");
        if (!string_is(msg, "type", "message"))
                return bad(err, errlen, "type must be \"message\"");
        if (!atts)
                return bad(err, errlen, "attachments must be a non-empty array");
        for (size_t i = 0; i < json_object_array_length(atts); i++)
                if (check_attachment(json_object_array_get_idx(atts, i), i, err, errlen))
                        return err;
        return NULL;
}

const char *teams_check_message(const char *body, char *err, size_t errlen)
{
        struct json_object *msg;
        if (!parse_body(body, &msg))
                return bad(err, errlen, "body is not JSON");
        const char *why = check_teams(msg, err, errlen);
        json_object_put(msg);
        return why;
}
