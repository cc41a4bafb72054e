#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_format.h"

#define REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD */

int format_percent(double fraction, bool with_sign, char *buf, size_t size)
{
        double pct = fraction * 100;
        int decimals = fabs(pct) < 1 ? 2 : 1;

        if (!isfinite(pct))
                return snprintf(buf, size, "%s", TEXT_MISSING);
        /* No "+0.00%" or "-0.00%" for a value that rounds to nothing. */
        if (fabs(pct) < 0.005)
                return snprintf(buf, size, "0.0%%");
        return snprintf(buf, size, with_sign ? "%+.*f%%" : "%.*f%%", decimals, pct);
}

int format_p_value(double p, char *buf, size_t size)
{
        if (!isfinite(p))
                return snprintf(buf, size, "%s", TEXT_MISSING);
        if (p < 0.0001)
                return snprintf(buf, size, "< 0.0001");
        return snprintf(buf, size, p < 0.001 ? "%.4f" : "%.3f", p);
}

int format_rfc3339(time_t t, char *buf, size_t size)
{
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return 0;
}

int format_utc_minute(time_t t, char *buf, size_t size)
{
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
                return -EINVAL;
        return 0;
}

static bool is_continuation(unsigned char c)
{
        return (c & 0xc0) == 0x80;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one
 * (overlong forms, surrogates and values above U+10FFFF included). */
static size_t utf8_sequence_length(const unsigned char *s)
{
        unsigned char c = s[0];
        unsigned char lo = 0x80, hi = 0xbf;   /* allowed range of the second byte */
        size_t len;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4;
        else
                return 0;
        if (c == 0xe0)
                lo = 0xa0;
        else if (c == 0xed)
                hi = 0x9f;
        else if (c == 0xf0)
                lo = 0x90;
        else if (c == 0xf4)
                hi = 0x8f;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (!is_continuation(s[i]))
                        return 0;
        return len;
}

static bool is_unwanted_control(unsigned char c)
{
        return (c < 0x20 || c == 0x7f) && c != '\n' && c != '\t';
}

char *text_sanitize(const char *s, bool single_line)
{
        const unsigned char *in = (const unsigned char *) (s ? s : "");
        /* Each input byte becomes at most the three bytes of U+FFFD. */
        char *out = malloc(strlen((const char *) in) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        while (*in) {
                size_t len = utf8_sequence_length(in);

                if (single_line && (*in == '\n' || *in == '\t' || *in == '\r')) {
                        *o++ = ' ';
                        in++;
                } else if (len == 0 || (len == 1 && is_unwanted_control(*in))) {
                        memcpy(o, REPLACEMENT, 3);
                        o += 3;
                        in++;
                } else {
                        memcpy(o, in, len);
                        o += len;
                        in += len;
                }
        }
        *o = '\0';
        return out;
}

/* UTF-16 code units of the character whose lead byte is c. */
static size_t units_of(unsigned char c)
{
        return c >= 0xf0 ? 2 : 1;
}

static size_t bytes_of(unsigned char c)
{
        return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

size_t text_length(const char *s)
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (!is_continuation(*p))
                        n += units_of(*p);
        return n;
}

char *text_truncate(const char *s, size_t max_length)
{
        const unsigned char *u = (const unsigned char *) s;
        size_t units = 0, cut = 0;
        const char *amp;
        char *out;

        if (text_length(s) <= max_length)
                return strdup(s);
        /* Keep whole characters, leaving one unit for the ellipsis. */
        while (u[cut] && units + units_of(u[cut]) + 1 <= max_length) {
                units += units_of(u[cut]);
                cut += bytes_of(u[cut]);
        }
        /* An entity ("&amp;" is the longest) cut in half would show as text. */
        amp = memrchr(s, '&', cut);
        if (amp && cut - (size_t) (amp - s) < 5 && !memchr(amp, ';', cut - (size_t) (amp - s)))
                cut = (size_t) (amp - s);
        out = malloc(cut + sizeof(TEXT_ELLIPSIS));
        if (!out)
                return NULL;
        memcpy(out, s, cut);
        memcpy(out + cut, TEXT_ELLIPSIS, sizeof(TEXT_ELLIPSIS));
        return out;
}

char *mrkdwn_escape(const char *s)
{
        char *clean = text_sanitize(s, true), *out, *o;

        if (!clean)
                return NULL;
        /* "&amp;" is the longest replacement: five bytes for one. */
        out = malloc(strlen(clean) * 5 + 1);
        if (!out) {
                free(clean);
                return NULL;
        }
        o = out;
        for (const char *p = clean; *p; p++) {
                const char *entity = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;

                if (entity) {
                        o = stpcpy(o, entity);
                } else {
                        *o++ = *p;
                }
        }
        *o = '\0';
        free(clean);
        return out;
}

int json_add(json_object *o, const char *key, json_object *v)
{
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int json_append(json_object *array, json_object *v)
{
        if (!v || json_object_array_add(array, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

json_object *json_object_build(const struct json_member *members, size_t n)
{
        json_object *o = json_object_new_object();
        size_t i = 0;

        for (; o && i < n; i++) {
                if (members[i].absent)
                        continue;
                if (json_add(o, members[i].key, members[i].value) < 0) {
                        json_object_put(o);
                        o = NULL;
                }
        }
        for (; i < n; i++)   /* what a failure left untaken */
                json_object_put(members[i].value);
        return o;
}

int json_add_text(json_object *o, const char *key, const char *s)
{
        char *clean;
        int r;

        if (!s)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        clean = text_sanitize(s, false);
        if (!clean)
                return -ENOMEM;
        r = json_add(o, key, json_object_new_string(clean));
        free(clean);
        return r;
}

json_object *json_add_object(json_object *o, const char *key)
{
        json_object *child = json_object_new_object();

        return json_add(o, key, child) < 0 ? NULL : child;
}

int json_add_time(json_object *o, const char *key, time_t t)
{
        char buf[32];

        if (t <= 0 || format_rfc3339(t, buf, sizeof(buf)) < 0)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return json_add(o, key, json_object_new_string(buf));
}
