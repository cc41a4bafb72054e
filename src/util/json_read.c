/* Typed json-c reads with field-naming errors; see json_read.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/printbuf.h>

#include "double_format.h"
#include "json_read.h"

int json_read_fail(char **error, const char *path, const char *fmt, ...)
{
        char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        /* Messages quote values from the input ("unknown status \"...\""):
         * keep them one line, whatever control characters those hold. */
        for (char *p = msg; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = ' ';
        free(*error);
        *error = NULL;
        if (path && *path) {
                r = asprintf(error, "%s: %s", path, msg);
                free(msg);
                if (r < 0) {
                        *error = NULL;
                        return -ENOMEM;
                }
        } else
                *error = msg;
        return -EINVAL;
}

static bool looks_like_html(const char *text, size_t len)
{
        size_t i = 0;

        while (i < len && strchr(" \t\r\n", text[i]) && text[i])
                i++;
        return i < len && text[i] == '<';
}

static bool only_whitespace(const char *text, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (!text[i] || !strchr(" \t\r\n", text[i]))
                        return false;
        return true;
}

int json_read_document(const char *text, size_t len, json_object **out, char **error)
{
        if (len > INT_MAX)
                return json_read_fail(error, "", "input too large (%zu bytes)", len);
        if (looks_like_html(text, len))
                return json_read_fail(error, "", "not JSON: looks like an HTML page");

        json_tokener *tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

        json_object *obj = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error err = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        int r = 0;

        json_tokener_free(tok);
        if (err == json_tokener_continue)
                r = json_read_fail(error, "", "incomplete JSON: input ends after %zu bytes", len);
        else if (err != json_tokener_success)
                r = json_read_fail(error, "", "not JSON: %s at byte %zu", json_tokener_error_desc(err), end);
        else if (!only_whitespace(text + end, len - end))
                r = json_read_fail(error, "", "unexpected data after the JSON value at byte %zu", end);
        if (r < 0) {
                json_object_put(obj);
                return r;
        }
        *out = obj;
        return 0;
}

const char *json_path_key(char *buf, size_t size, const char *path, const char *key)
{
        snprintf(buf, size, "%s%s%s", path, *path ? "." : "", key);
        return buf;
}

const char *json_path_index(char *buf, size_t size, const char *path, size_t index)
{
        snprintf(buf, size, "%s[%zu]", path, index);
        return buf;
}

/* The member, or NULL when absent or null; 0 then, or -EINVAL if required. */
static int member(json_object *obj, const char *path, const char *key, bool required, json_object **out,
                  char **error)
{
        char where[256];

        *out = NULL;
        if (json_object_object_get_ex(obj, key, out) && *out)
                return 1;
        if (required)
                return json_read_fail(error, json_path_key(where, sizeof(where), path, key), "missing");
        return 0;
}

static int wrong_type(char **error, const char *path, const char *key, const char *expected)
{
        char where[256];

        return json_read_fail(error, json_path_key(where, sizeof(where), path, key), "expected %s", expected);
}

/* Integers beyond ±2^53 are not exact as doubles; counts never get there. */
#define MAX_EXACT_DOUBLE 9007199254740992.0

int json_read_int(json_object *obj, const char *path, const char *key, bool required, long long *out,
                  char **error)
{
        json_object *v;
        int r = member(obj, path, key, required, &v, error);

        if (r <= 0)
                return r;
        if (json_object_is_type(v, json_type_int)) {
                errno = 0;
                int64_t i = json_object_get_int64(v);
                if (errno != 0 || i == INT64_MAX)
                        return wrong_type(error, path, key, "an integer within 64 bits");
                *out = i;
                return 1;
        }
        if (json_object_is_type(v, json_type_double)) {
                double d = json_object_get_double(v);
                if (d == floor(d) && fabs(d) <= MAX_EXACT_DOUBLE) {
                        *out = (long long) d;
                        return 1;
                }
        }
        return wrong_type(error, path, key, "an integer");
}

int json_read_number(json_object *obj, const char *path, const char *key, bool required, double *out,
                     char **error)
{
        json_object *v;
        int r = member(obj, path, key, required, &v, error);

        if (r <= 0)
                return r;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
                return wrong_type(error, path, key, "a number");
        double d = json_object_get_double(v);
        if (!isfinite(d))
                return wrong_type(error, path, key, "a finite number");
        *out = d;
        return 1;
}

int json_read_bool(json_object *obj, const char *path, const char *key, bool required, bool *out,
                   char **error)
{
        json_object *v;
        int r = member(obj, path, key, required, &v, error);

        if (r <= 0)
                return r;
        if (json_object_is_type(v, json_type_boolean)) {
                *out = json_object_get_boolean(v);
                return 1;
        }
        if (json_object_is_type(v, json_type_int)) {
                int64_t i = json_object_get_int64(v);
                if (i == 0 || i == 1) {
                        *out = i == 1;
                        return 1;
                }
        }
        return wrong_type(error, path, key, "true or false");
}

int json_read_string(json_object *obj, const char *path, const char *key, bool required, bool allow_number,
                     char **out, char **error)
{
        json_object *v;
        char *s = NULL;
        int r = member(obj, path, key, required, &v, error);

        if (r <= 0)
                return r;
        if (json_object_is_type(v, json_type_string))
                s = strdup(json_object_get_string(v));
        else if (allow_number && json_object_is_type(v, json_type_int)) {
                if (asprintf(&s, "%" PRId64, json_object_get_int64(v)) < 0)
                        s = NULL;
        } else
                return wrong_type(error, path, key, allow_number ? "a string or an integer" : "a string");
        if (!s)
                return -ENOMEM;
        free(*out);
        *out = s;
        return 1;
}

int json_add_literal(json_object *obj, const char *key, json_object *value)
{
        return json_object_object_add_ex(obj, key, value,
                                         JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/* Formats when serialised, not when created: json_object_new_double_s would
 * keep a copy of the text per number (two allocations each, ~40 numbers per
 * experiment in every analysis state.db records). */
static int shortest_to_json(json_object *o, struct printbuf *pb, int level, int flags)
{
        char buf[DOUBLE_FORMAT_MAX];
        size_t len = double_format_shortest(json_object_get_double(o), buf);

        (void) level;
        (void) flags;
        return printbuf_memappend(pb, buf, (int) len);
}

json_object *json_new_number(double d)
{
        json_object *o = json_object_new_double(d);

        if (o)
                json_object_set_serializer(o, shortest_to_json, NULL, NULL);
        return o;
}
