/* libconfig 1.5 ends the process — flex's fatal "input in flex scanner
 * failed", exit 2 — when an @include names something it can open but not
 * read: a directory, or "" (which it resolves to the config's directory),
 * or a name cut short by a NUL byte. A daemon must reject such a config,
 * not die of it on a reload, so every include is checked before libconfig
 * reads the file. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_loader.h"

#define MAX_INCLUDE_DEPTH 10   /* libconfig's own limit */
#define MAX_FILES 64           /* files looked into; a file is looked into once */

/* The files already looked into, so that a file included many times (or
 * including itself) is read once, not once per path to it. */
struct include_walk {
        const char *dir;
        struct config_diag *diag;
        char *seen[MAX_FILES];
        size_t n_seen;
};

/* Whether path is new to the walk (and then remembered); false also when
 * the walk is full or out of memory: libconfig goes on from there. */
static bool first_visit(struct include_walk *w, const char *path)
{
        for (size_t i = 0; i < w->n_seen; i++)
                if (strcmp(w->seen[i], path) == 0)
                        return false;
        if (w->n_seen == MAX_FILES || !(w->seen[w->n_seen] = strdup(path)))
                return false;
        w->n_seen++;
        return true;
}

/* The quoted name of an "@include" line, in place (NUL-terminated), or
 * NULL when the line is not one (libconfig reports a malformed one). */
static char *include_name(char *line)
{
        char *open, *close;

        line += strspn(line, " \t");
        if (strncmp(line, "@include", 8) != 0 || !(open = strchr(line + 8, '"')) || !(close = strchr(open + 1, '"')))
                return NULL;
        *close = 0;
        return open + 1;
}

static int check_file(struct include_walk *w, const char *path, unsigned depth);

/* One @include of file at line: a regular file, then its own includes. */
static int check_include(struct include_walk *w, const char *file, unsigned line, const char *name, unsigned depth)
{
        const char *dir = w->dir;
        char *target = NULL;
        struct stat st;
        int r = 0;

        if (asprintf(&target, "%s%s%s", name[0] == '/' ? "" : dir, name[0] == '/' ? "" : "/", name) < 0)
                return -ENOMEM;
        if (stat(target, &st) < 0) {
                free(target);
                return 0;   /* libconfig says "cannot open include file" */
        }
        if (!S_ISREG(st.st_mode)) {
                config_diag_add(w->diag, false, file, line, 0, "@include \"%s\": not a regular file", name);
                r = -EINVAL;
        } else if (depth + 1 < MAX_INCLUDE_DEPTH && first_visit(w, target)) {
                r = check_file(w, target, depth + 1);
        }
        free(target);
        return r;
}

static int check_file(struct include_walk *w, const char *path, unsigned depth)
{
        FILE *f = fopen(path, "re");
        char *text = NULL, *name;
        size_t size = 0;
        unsigned line = 0;
        ssize_t n;
        int r = 0;

        if (!f)
                return 0;   /* the reader reports it */
        while (r == 0 && (n = getline(&text, &size, f)) >= 0) {
                line++;
                if (strlen(text) != (size_t) n) {
                        config_diag_add(w->diag, false, path, line, 0, "contains a NUL byte: not a text file");
                        r = -EINVAL;
                } else if ((name = include_name(text))) {
                        r = check_include(w, path, line, name, depth);
                }
        }
        free(text);
        fclose(f);
        return r;
}

int config_check_includes(const char *path, const char *dir, struct config_diag *diag)
{
        struct include_walk w = { .dir = dir, .diag = diag };
        int r = first_visit(&w, path) ? check_file(&w, path, 0) : -ENOMEM;

        for (size_t i = 0; i < w.n_seen; i++)
                free(w.seen[i]);
        return r;
}
