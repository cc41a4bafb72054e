/* Typed reads (and the one number writer) of json-c values whose errors name the field, e.g.
 * "variants[1].visitors: expected an integer". Shared by the parsers of API
 * responses (mida.c, mida_list.c) and of persisted state.
 *
 * Every function returns 1 when the value was read, 0 when it is absent or
 * null and not required, -EINVAL with *error set (malloc'd, caller frees)
 * when it has the wrong type or a required one is missing, -ENOMEM. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses text[0..len) as exactly one JSON value (strict mode; trailing data,
 * truncation and HTML pages are errors). Returns 0 and *out (put it with
 * json_object_put), or -EINVAL/-ENOMEM with *error set. */
int json_read_document(const char *text, size_t len, json_object **out, char **error);

/* Sets *error to "PATH: message" (PATH may be "" for the top level; control
 * characters in the message become spaces, so it is one line) and returns
 * -EINVAL, or -ENOMEM when the message could not be formatted. */
int json_read_fail(char **error, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Field `key` of obj; path names obj in messages ("" for the top level). */
int json_read_int(json_object *obj, const char *path, const char *key, bool required, long long *out,
                  char **error);
int json_read_number(json_object *obj, const char *path, const char *key, bool required, double *out,
                     char **error);
/* Accepts true/false, and 0/1 as some endpoints send flags as integers. */
int json_read_bool(json_object *obj, const char *path, const char *key, bool required, bool *out,
                   char **error);
/* A copy of the string (free it). With allow_number, an integer becomes its
 * decimal text (ids are documented as strings but may arrive as numbers). */
int json_read_string(json_object *obj, const char *path, const char *key, bool required, bool allow_number,
                     char **out, char **error);

/* Adds a member to an object being built, under a string literal: json-c
 * neither copies the key nor looks for it (CONSTANT_KEY | KEY_IS_NEW), which
 * matters at ~60 members per experiment in every analysis recorded. The key must
 * outlive the object and not be in it yet. Returns 0, or -1 (value kept). */
int json_add_literal(json_object *obj, const char *key, json_object *value);

/* A JSON number printed in the fewest digits that read back as exactly d
 * (json-c's default prints 17, so 0.05 would read 0.050000000000000003).
 * NULL on allocation failure; d must be finite. */
json_object *json_new_number(double d);

/* Joins "path" and "key"/"[index]" into buf for nested messages. */
const char *json_path_key(char *buf, size_t size, const char *path, const char *key);
const char *json_path_index(char *buf, size_t size, const char *path, size_t index);
