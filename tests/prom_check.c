/* See prom_check.h. Written from the exposition format's description, not
 * from metrics.c, so that the two can disagree. */
#include "prom_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FAMILIES 256
#define MAX_SERIES 100000
#define MAX_NAME 200

struct family {
        char name[MAX_NAME];
        char type[16];
        bool help, has_type, closed, has_samples;
};

struct checker {
        struct family families[MAX_FAMILIES];
        size_t n_families;
        struct family *current;      /* the family whose samples may follow */
        char **series;
        size_t n_series;
        unsigned line;
        char *err;
        size_t err_size;
};

static int problem(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(struct checker *c, const char *fmt, ...)
{
        va_list ap;
        int n = snprintf(c->err, c->err_size, "line %u: ", c->line);

        va_start(ap, fmt);
        if (n >= 0 && (size_t) n < c->err_size)
                vsnprintf(c->err + n, c->err_size - (size_t) n, fmt, ap);
        va_end(ap);
        return -1;
}

static bool name_char(char ch, bool first, bool colon)
{
        return ch == '_' || isalpha((unsigned char) ch) || (colon && ch == ':') ||
               (!first && isdigit((unsigned char) ch));
}

/* The length of a metric name (colon) or label name at s, 0 when none. */
static size_t name_length(const char *s, bool colon)
{
        size_t n = 0;

        while (s[n] && name_char(s[n], n == 0, colon))
                n++;
        return n;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                size_t len;
                unsigned cp;

                if (s[i] < 0x80) { i++; continue; }
                if (s[i] >= 0xc2 && s[i] <= 0xdf) len = 2, cp = s[i] & 0x1f;
                else if (s[i] >= 0xe0 && s[i] <= 0xef) len = 3, cp = s[i] & 0x0f;
                else if (s[i] >= 0xf0 && s[i] <= 0xf4) len = 4, cp = s[i] & 0x07;
                else return false;
                if (i + len > n)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (s[i + k] & 0x3f);
                }
                if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
                    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                        return false;
                i += len;
        }
        return true;
}

static struct family *find_family(struct checker *c, const char *name, size_t len)
{
        for (size_t i = 0; i < c->n_families; i++)
                if (strlen(c->families[i].name) == len && memcmp(c->families[i].name, name, len) == 0)
                        return &c->families[i];
        return NULL;
}

static struct family *new_family(struct checker *c, const char *name, size_t len)
{
        struct family *f;

        if (c->n_families == MAX_FAMILIES || len >= MAX_NAME)
                return NULL;
        f = &c->families[c->n_families++];
        memset(f, 0, sizeof(*f));
        memcpy(f->name, name, len);
        return f;
}

/* Switches to family f: the one before is closed for good. */
static int enter_family(struct checker *c, struct family *f)
{
        if (c->current == f)
                return 0;
        if (f->closed)
                return problem(c, "family %s appears a second time (its lines must be together)", f->name);
        if (c->current)
                c->current->closed = true;
        c->current = f;
        return 0;
}

static int check_comment(struct checker *c, const char *s)
{
        bool help = strncmp(s, "# HELP ", 7) == 0, type = strncmp(s, "# TYPE ", 7) == 0;
        const char *name = s + 7, *rest;
        size_t len;
        struct family *f;

        if (!help && !type)
                return problem(c, "a comment that is neither # HELP nor # TYPE");
        len = name_length(name, true);
        if (len == 0 || (name[len] != ' '))
                return problem(c, "bad metric name in %s", help ? "HELP" : "TYPE");
        rest = name + len + 1;
        f = find_family(c, name, len);
        if (!f && !(f = new_family(c, name, len)))
                return problem(c, "too many families or name too long");
        if (enter_family(c, f) < 0)
                return -1;
        if (f->has_samples)
                return problem(c, "%s of %s after its samples", help ? "HELP" : "TYPE", f->name);
        if (help) {
                if (f->help)
                        return problem(c, "second HELP for %s", f->name);
                f->help = true;
                if (!*rest || isspace((unsigned char) rest[0]))
                        return problem(c, "empty or badly spaced HELP text for %s", f->name);
                for (const char *p = rest; *p; p++)
                        if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                                return problem(c, "bad escape in HELP of %s", f->name);
                        else if (*p == '\\')
                                p++;
                return 0;
        }
        if (f->has_type)
                return problem(c, "second TYPE for %s", f->name);
        f->has_type = true;
        if (strcmp(rest, "counter") != 0 && strcmp(rest, "gauge") != 0)
                return problem(c, "type '%s' of %s: only counter and gauge are expected", rest, f->name);
        snprintf(f->type, sizeof(f->type), "%s", rest);
        if (strcmp(rest, "counter") == 0 && (len < 6 || strcmp(f->name + len - 6, "_total") != 0))
                return problem(c, "counter %s does not end in _total", f->name);
        return 0;
}

/* Label pairs from after '{' to the '}' (returned in *end). */
static int check_labels(struct checker *c, const char *s, const char **end)
{
        char seen[32][MAX_NAME];
        size_t n_seen = 0;

        if (*s == '}') {
                *end = s + 1;
                return 0;
        }
        for (;;) {
                size_t len = name_length(s, false);
                const char *value;

                if (len == 0 || len >= MAX_NAME)
                        return problem(c, "bad label name at '%.10s'", s);
                if (len >= 2 && s[0] == '_' && s[1] == '_')
                        return problem(c, "label names starting with __ are reserved");
                for (size_t i = 0; i < n_seen; i++)
                        if (strlen(seen[i]) == len && memcmp(seen[i], s, len) == 0)
                                return problem(c, "label %.*s twice", (int) len, s);
                if (n_seen == 32)
                        return problem(c, "too many labels");
                memcpy(seen[n_seen], s, len);
                seen[n_seen++][len] = 0;
                s += len;
                if (s[0] != '=' || s[1] != '"')
                        return problem(c, "expected =\" after a label name");
                value = s + 2;
                for (s = value; *s != '"'; s++) {
                        if (!*s)
                                return problem(c, "unterminated label value");
                        if (*s == '\\') {
                                if (s[1] != '\\' && s[1] != '"' && s[1] != 'n')
                                        return problem(c, "bad escape \\%c in a label value", s[1] ? s[1] : '0');
                                s++;
                        }
                }
                if (!valid_utf8((const unsigned char *) value, (size_t) (s - value)))
                        return problem(c, "label value is not valid UTF-8");
                s++;
                if (*s == '}') {
                        *end = s + 1;
                        return 0;
                }
                if (*s != ',')
                        return problem(c, "expected , or } after a label value");
                s++;
        }
}

static int check_value(struct checker *c, const char *s)
{
        char *end;

        if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0)
                return 0;
        if (strcmp(s, "NaN") == 0)
                return problem(c, "NaN value (a missing figure must have no sample)");
        if (!*s || isspace((unsigned char) *s))
                return problem(c, "missing value");
        errno = 0;
        strtod(s, &end);
        if (*end == ' ')
                return problem(c, "a timestamp (the textfile collector rejects them) or trailing text");
        if (*end || errno == ERANGE || strpbrk(s, "xXpP") || strncasecmp(s, "inf", 3) == 0 ||
            strncasecmp(s, "nan", 3) == 0 || strncasecmp(s + 1, "inf", 3) == 0)
                return problem(c, "bad value '%s'", s);
        return 0;
}

static int check_sample(struct checker *c, const char *s)
{
        size_t len = name_length(s, true);
        struct family *f;
        const char *after;
        char *key;

        if (len == 0)
                return problem(c, "a sample without a valid metric name");
        f = find_family(c, s, len);
        if (!f || !f->help || !f->has_type)
                return problem(c, "sample of %.*s before its HELP and TYPE", (int) len, s);
        if (enter_family(c, f) < 0)
                return -1;
        f->has_samples = true;
        after = s + len;
        if (*after == '{' && check_labels(c, after + 1, &after) < 0)
                return -1;
        if (*after != ' ')
                return problem(c, "expected one space before the value");
        if (c->n_series == MAX_SERIES)
                return problem(c, "too many series");
        key = strndup(s, (size_t) (after - s));
        if (!key)
                return problem(c, "out of memory");
        for (size_t i = 0; i < c->n_series; i++)
                if (strcmp(c->series[i], key) == 0) {
                        free(key);
                        return problem(c, "duplicate series %s", c->series[i]);
                }
        c->series[c->n_series++] = key;
        return check_value(c, after + 1);
}

int prom_check(const char *text, size_t len, char *err, size_t err_size)
{
        struct checker *c = calloc(1, sizeof(*c));
        const char *p = text, *end = text + len;
        int r = 0;

        if (!c || !(c->series = calloc(MAX_SERIES, sizeof(char *)))) {
                snprintf(err, err_size, "out of memory");
                free(c);
                return -1;
        }
        c->err = err;
        c->err_size = err_size;
        if (len == 0 || text[len - 1] != '\n') {
                c->line = 0;
                r = problem(c, "empty, or no newline at the end");
        }
        while (r == 0 && p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                char *line = strndup(p, (size_t) (nl - p));

                c->line++;
                if (!line)
                        r = problem(c, "out of memory");
                else if (memchr(p, 0, (size_t) (nl - p)))
                        r = problem(c, "NUL byte");
                else if (!*line)
                        r = problem(c, "blank line");
                else if (strchr(line, '\r'))
                        r = problem(c, "carriage return");
                else if (line[0] == '#')
                        r = check_comment(c, line);
                else
                        r = check_sample(c, line);
                free(line);
                p = nl + 1;
        }
        for (size_t i = 0; r == 0 && i < c->n_families; i++)
                if (!c->families[i].has_type || !c->families[i].help)
                        r = problem(c, "family %s lacks HELP or TYPE", c->families[i].name);
        for (size_t i = 0; i < c->n_series; i++)
                free(c->series[i]);
        free(c->series);
        free(c);
        return r;
}

int prom_find(const char *text, const char *series, char *buf, size_t size)
{
        size_t n = strlen(series);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, series, n) == 0 && p[n] == ' ') {
                        size_t v = strcspn(p + n + 1, "\n");
                        snprintf(buf, size, "%.*s", (int) v, p + n + 1);
                        return 0;
                }
        }
        return -1;
}
