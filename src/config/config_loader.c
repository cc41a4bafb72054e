#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "duration.h"
#include "secret.h"
#include "util/suggest.h"

unsigned loader_line(const config_setting_t *s)
{
        unsigned line = config_setting_source_line(s);
        return line > 0 ? line : 1;
}

static void report(struct config_loader *l, bool warning, const config_setting_t *s,
                   const char *fmt, va_list ap)
{
        const char *file = config_setting_source_file(s);
        char *message = NULL;

        if (vasprintf(&message, fmt, ap) < 0) {
                config_diag_add(l->diag, warning, l->path, 0, 0, "out of memory");
                return;
        }
        config_diag_add(l->diag, warning, file ? file : l->path, loader_line(s), 0, "%s", message);
        free(message);
}

void loader_error(struct config_loader *l, const config_setting_t *s, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report(l, false, s, fmt, ap);
        va_end(ap);
}

void loader_warning(struct config_loader *l, const config_setting_t *s, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report(l, true, s, fmt, ap);
        va_end(ap);
}

void loader_check_known(struct config_loader *l, const config_setting_t *group, const char *where,
                        const char *const *keys, size_t n_keys)
{
        for (int i = 0; i < config_setting_length(group); i++) {
                const config_setting_t *s = config_setting_get_elem(group, (unsigned) i);
                const char *name = config_setting_name(s), *near;
                bool known = false;

                for (size_t k = 0; k < n_keys && !known; k++)
                        known = strcmp(name, keys[k]) == 0;
                if (known)
                        continue;
                near = suggest_nearest(name, keys, n_keys);
                if (near)
                        loader_error(l, s, "unknown setting '%s' in %s (did you mean '%s'?)", name, where, near);
                else
                        loader_error(l, s, "unknown setting '%s' in %s", name, where);
        }
}

static const char *type_name(const config_setting_t *s)
{
        switch (config_setting_type(s)) {
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64: return "an integer";
        case CONFIG_TYPE_FLOAT: return "a number";
        case CONFIG_TYPE_STRING: return "a string";
        case CONFIG_TYPE_BOOL: return "true or false";
        case CONFIG_TYPE_GROUP: return "a group";
        case CONFIG_TYPE_ARRAY: return "an array";
        case CONFIG_TYPE_LIST: return "a list";
        default: return "unknown";
        }
}

static void wrong_type(struct config_loader *l, const config_setting_t *s, const char *where,
                       const char *key, const char *expected)
{
        loader_error(l, s, "'%s' in %s must be %s, not %s", key, where, expected, type_name(s));
}

static bool is_integer(const config_setting_t *s)
{
        return config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* The member key of group, reporting it when required and missing. */
static const config_setting_t *member(struct config_loader *l, const config_setting_t *group,
                                      const char *where, const char *key, bool required)
{
        const config_setting_t *s = config_setting_get_member(group, key);

        if (!s && required)
                loader_error(l, group, "missing required setting '%s' in %s", key, where);
        return s;
}

/* The member key of group when it has the given type; reports a wrong type. */
static const config_setting_t *typed_member(struct config_loader *l, const config_setting_t *group,
                                            const char *where, const char *key, bool required,
                                            int type, const char *expected)
{
        const config_setting_t *s = member(l, group, where, key, required);

        if (s && config_setting_type(s) != type) {
                wrong_type(l, s, where, key, expected);
                return NULL;
        }
        return s;
}

bool loader_string(struct config_loader *l, const config_setting_t *group, const char *where,
                   const char *key, bool required, const char **ret)
{
        const config_setting_t *s = typed_member(l, group, where, key, required, CONFIG_TYPE_STRING, "a string");

        if (s)
                *ret = config_setting_get_string(s);
        return s;
}

bool loader_bool(struct config_loader *l, const config_setting_t *group, const char *where,
                 const char *key, bool *ret)
{
        const config_setting_t *s = typed_member(l, group, where, key, false, CONFIG_TYPE_BOOL, "true or false");

        if (s)
                *ret = config_setting_get_bool(s);
        return s;
}

bool loader_int(struct config_loader *l, const config_setting_t *group, const char *where,
                const char *key, long long min, long long max, long long *ret)
{
        const config_setting_t *s = member(l, group, where, key, false);
        long long v;

        if (!s)
                return false;
        if (!is_integer(s)) {
                wrong_type(l, s, where, key, "an integer");
                return false;
        }
        v = config_setting_get_int64(s);
        if (v < min || v > max) {
                if (max == LLONG_MAX)
                        loader_error(l, s, "'%s' in %s must be at least %lld", key, where, min);
                else
                        loader_error(l, s, "'%s' in %s must be between %lld and %lld", key, where, min, max);
                return false;
        }
        *ret = v;
        return true;
}

bool loader_number(struct config_loader *l, const config_setting_t *group, const char *where,
                   const char *key, double min, bool min_open, double max, double *ret)
{
        const config_setting_t *s = member(l, group, where, key, false);
        double v;

        if (!s)
                return false;
        if (is_integer(s))
                v = (double) config_setting_get_int64(s);
        else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
                v = config_setting_get_float(s);
        else {
                wrong_type(l, s, where, key, "a number");
                return false;
        }
        if (!isfinite(v) || (min_open ? v <= min : v < min) || v > max) {
                if (isinf(max))
                        loader_error(l, s, "'%s' in %s must be %s %g", key, where,
                                     min_open ? "greater than" : "at least", min);
                else
                        loader_error(l, s, "'%s' in %s must be in %c%g, %g]", key, where,
                                     min_open ? '(' : '[', min, max);
                return false;
        }
        *ret = v;
        return true;
}

bool loader_duration(struct config_loader *l, const config_setting_t *group, const char *where,
                     const char *key, uint64_t *ret_usec)
{
        const config_setting_t *s = member(l, group, where, key, false);
        int r;

        if (!s)
                return false;
        if (is_integer(s))
                r = duration_from_seconds(config_setting_get_int64(s), ret_usec);
        else if (config_setting_type(s) == CONFIG_TYPE_STRING)
                r = duration_parse(config_setting_get_string(s), ret_usec);
        else {
                wrong_type(l, s, where, key, "a duration such as \"90s\", \"15m\", \"1h\", \"2d\"");
                return false;
        }
        if (r == -ERANGE)
                loader_error(l, s, "'%s' in %s is out of range (negative or too long)", key, where);
        else if (r < 0)
                loader_error(l, s, "'%s' in %s is not a duration: '%s' (use e.g. \"90s\", \"15m\", \"1h\", \"2d\" or seconds)",
                             key, where, config_setting_get_string(s));
        return r >= 0;
}

bool loader_positive_duration(struct config_loader *l, const config_setting_t *group, const char *where,
                              const char *key, uint64_t *ret_usec)
{
        uint64_t v;

        if (!loader_duration(l, group, where, key, &v))
                return false;
        if (v == 0) {
                loader_error(l, config_setting_get_member(group, key), "'%s' in %s must be longer than 0s", key, where);
                return false;
        }
        *ret_usec = v;
        return true;
}

bool loader_enum(struct config_loader *l, const config_setting_t *group, const char *where,
                 const char *key, const char *const *names, int *ret)
{
        char allowed[256] = "";
        const char *v;

        if (!loader_string(l, group, where, key, false, &v))
                return false;
        for (int i = 0; names[i]; i++) {
                if (strcmp(v, names[i]) == 0) {
                        *ret = i;
                        return true;
                }
                snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
                         i > 0 ? ", " : "", names[i]);
        }
        loader_error(l, config_setting_get_member(group, key), "unknown %s '%s' in %s (allowed: %s)",
                     key, v, where, allowed);
        return false;
}

void loader_free_strv(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* One element of an id list as a new string, or NULL after an error. */
static char *id_from_setting(struct config_loader *l, const config_setting_t *e, const char *where,
                             const char *key, bool globs)
{
        static const char id_chars[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        char *id = NULL;

        if (is_integer(e) && config_setting_get_int64(e) >= 0) {
                if (asprintf(&id, "%lld", config_setting_get_int64(e)) < 0)
                        return NULL;
                return id;
        }
        if (config_setting_type(e) == CONFIG_TYPE_STRING) {
                const char *s = config_setting_get_string(e);

                if (*s && (globs || s[strspn(s, id_chars)] == '\0'))
                        return strdup(s);
        }
        loader_error(l, e, "'%s' in %s: each entry must be %s", key, where,
                     globs ? "an experiment id or a non-empty name pattern"
                           : "an experiment id (digits, letters, '_' or '-', or a non-negative integer)");
        return NULL;
}

bool loader_id_list(struct config_loader *l, const config_setting_t *list, const char *where,
                    bool globs, char ***ret, size_t *ret_n)
{
        const char *key = config_setting_name(list);
        int n = config_setting_length(list);
        char **v;
        bool ok = true;

        if (config_setting_type(list) != CONFIG_TYPE_LIST && config_setting_type(list) != CONFIG_TYPE_ARRAY) {
                wrong_type(l, list, where, key, "a list of experiment ids");
                return false;
        }
        v = calloc((size_t) n + 1, sizeof(*v));
        if (!v)
                return false;
        for (int i = 0; i < n; i++) {
                v[i] = id_from_setting(l, config_setting_get_elem(list, (unsigned) i), where, key, globs);
                ok = ok && v[i];
        }
        if (!ok) {
                loader_free_strv(v, (size_t) n);
                return false;
        }
        *ret = v;
        *ret_n = (size_t) n;
        return true;
}

char *loader_resolve_path(const struct config_loader *l, const char *path)
{
        char *s = NULL;

        if (path[0] == '/')
                return strdup(path);
        if (asprintf(&s, "%s/%s", l->dir, path) < 0)
                return NULL;
        return s;
}
