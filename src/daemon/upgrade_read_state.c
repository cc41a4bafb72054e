/* Reads 0.1.0's state.json experiment by experiment. The document is walked
 * by its structure (braces, keys, brackets, commas) and each value is parsed
 * on its own by json-c's tokener, fed 64 KiB at a time: an upgrade with
 * 10,000 experiments never holds the 15 MB document, nor its json-c tree
 * (~190 MiB when it was parsed whole), in memory. The members themselves
 * are read by upgrade_read_experiment.c. */
#include "upgrade_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/experiments.h"
#include "store/watchlist.h"
#include "util/json_read.h"

#define STATE_VERSION 1             /* its "version"; another is not read */
#define STATE_MAX_BYTES (256u << 20)
#define CHUNK (64u << 10)

struct reader {
        int fd;
        json_tokener *tok;
        size_t pos, len, total;
        int error;                   /* a read error, or -EFBIG */
        char buf[CHUNK];
};

/* Refills the buffer once it is used up; false at the end or on error. */
static bool fill(struct reader *r)
{
        ssize_t n;

        if (r->pos < r->len)
                return true;
        if (r->error)
                return false;
        do
                n = read(r->fd, r->buf, sizeof(r->buf));
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                r->error = -errno;
                return false;
        }
        r->pos = 0;
        r->len = (size_t) n;
        r->total += r->len;
        if (r->total > STATE_MAX_BYTES) {
                r->error = -EFBIG;
                return false;
        }
        return n > 0;
}

/* The next byte that is not JSON whitespace, left unread; -1 at the end. */
static int peek(struct reader *r)
{
        while (fill(r)) {
                char c = r->buf[r->pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        return (unsigned char) c;
                r->pos++;
        }
        return -1;
}

/* Consumes c, after whitespace; false when something else comes. */
static bool expect(struct reader *r, char c)
{
        if (peek(r) != (unsigned char) c)
                return false;
        r->pos++;
        return true;
}

/* One JSON value (NULL for null): 0, or -EINVAL when malformed or cut off. */
static int read_value(struct reader *r, json_object **out)
{
        *out = NULL;
        json_tokener_reset(r->tok);
        if (peek(r) < 0)
                return -EINVAL;
        for (;;) {
                json_object *o = json_tokener_parse_ex(r->tok, r->buf + r->pos, (int) (r->len - r->pos));
                enum json_tokener_error e = json_tokener_get_error(r->tok);

                if (e == json_tokener_success) {
                        r->pos += json_tokener_get_parse_end(r->tok);
                        *out = o;
                        return 0;
                }
                if (e != json_tokener_continue)
                        return -EINVAL;
                r->pos = r->len;
                if (!fill(r))
                        return -EINVAL;
        }
}

static int read_experiments(struct reader *r, struct watchlist *w)
{
        if (!expect(r, '['))
                return -EINVAL;
        if (expect(r, ']'))
                return 0;
        do {
                json_object *o;
                int ret = read_value(r, &o);
                if (ret == 0)
                        ret = upgrade_read_experiment(o, w);
                json_object_put(o);
                if (ret < 0)
                        return ret;
        } while (expect(r, ','));
        return expect(r, ']') ? 0 : -EINVAL;
}

/* "version" and "daemon"; other members are read and ignored. */
static void apply_member(const char *key, json_object *value, struct daemon_summary *s, bool *versioned)
{
        if (strcmp(key, "version") == 0)
                *versioned = json_object_is_type(value, json_type_int) && json_object_get_int64(value) == STATE_VERSION;
        else if (strcmp(key, "daemon") == 0 && json_object_is_type(value, json_type_object))
                upgrade_read_summary(value, s);
}

static int read_document(struct reader *r, struct watchlist *w, struct daemon_summary *s)
{
        bool versioned = false, listed = false;

        if (!expect(r, '{'))
                return -EINVAL;
        do {
                json_object *key, *value = NULL;
                int ret = read_value(r, &key);
                const char *name = json_object_is_type(key, json_type_string) ? json_object_get_string(key) : NULL;

                if (ret == 0 && (!name || !expect(r, ':')))
                        ret = -EINVAL;
                if (ret == 0 && strcmp(name, "experiments") == 0) {
                        ret = read_experiments(r, w);
                        listed = true;
                } else if (ret == 0 && (ret = read_value(r, &value)) == 0) {
                        apply_member(name, value, s, &versioned);
                }
                json_object_put(value);
                json_object_put(key);
                if (ret < 0)
                        return ret;
        } while (expect(r, ','));
        return expect(r, '}') && versioned && listed ? 0 : -EINVAL;
}

static int open_state(const char *path)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static int walk_file(const char *path, struct watchlist *w, struct daemon_summary *s)
{
        struct reader *r = calloc(1, sizeof(*r));
        int ret;

        if (!r)
                return -ENOMEM;
        r->fd = open_state(path);
        r->tok = json_tokener_new();
        if (r->fd < 0)
                ret = r->fd;
        else if (!r->tok)
                ret = -ENOMEM;
        else if ((ret = read_document(r, w, s)) < 0 && r->error)
                ret = r->error;   /* a failed read is not a corrupt file */
        if (r->fd >= 0)
                close(r->fd);
        if (r->tok)
                json_tokener_free(r->tok);
        free(r);
        return ret;
}

struct state {
        struct watchlist *w;
        struct daemon_summary *s;
};

static int read_state(const char *path, void *userdata, char **error)
{
        struct state *st = userdata;
        int ret = walk_file(path, st->w, st->s);

        /* Both are corrupt files, said as the other readers say it. */
        if (ret == -EFBIG)
                ret = json_read_fail(error, "", "larger than %u bytes", STATE_MAX_BYTES);
        else if (ret == -EINVAL)
                ret = json_read_fail(error, "", "not a whole state document of version %d", STATE_VERSION);
        if (ret < 0) {
                watchlist_clear(st->w);
                *st->s = (struct daemon_summary) { 0 };
        }
        return ret;
}

int upgrade_read_state(const char *dir, struct watchlist *w, struct daemon_summary *s)
{
        struct state st = { w, s };
        char path[4096], *error = NULL;
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, UPGRADE_STATE_FILE);
        r = read_state(path, &st, &error);
        free(error);
        return r;
}

int upgrade_load_state(const char *dir, struct watchlist *w, struct daemon_summary *s)
{
        struct state st = { w, s };

        return upgrade_load_file(dir, UPGRADE_STATE_FILE, read_state, &st);
}
