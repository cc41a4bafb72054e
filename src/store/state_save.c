/* Writes state.json experiment by experiment into atomic_file.c's temporary
 * file. The bytes are those of state_to_json's tree, but the whole document
 * (15 MB at 10,000 experiments, many times that as a json-c tree) is never
 * held in memory: each cycle would otherwise build and free it all. An
 * analysis restored from the file and not polled since is copied as text. */
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "util/atomic_file.h"

#define FLUSH_AT (64u << 10)

struct stream {
        const struct watchlist *w;
        const struct daemon_summary *s;
        int fd;
        int error;                   /* the first one; later writes are skipped */
        size_t len;
        char buf[FLUSH_AT];
};

static void flush(struct stream *st)
{
        if (st->error == 0 && st->len > 0)
                st->error = fd_write_all(st->fd, st->buf, st->len);
        st->len = 0;
}

/* Batches the small pieces into few write(2)s. */
static void put(struct stream *st, const char *text, size_t len)
{
        if (st->len + len > sizeof(st->buf))
                flush(st);
        if (st->error)
                return;
        if (len > sizeof(st->buf)) {
                st->error = fd_write_all(st->fd, text, len);
                return;
        }
        memcpy(st->buf + st->len, text, len);
        st->len += len;
}

/* Serialises and releases o (NULL: out of memory). */
static void put_json(struct stream *st, json_object *o, size_t drop_tail)
{
        size_t len = 0;
        const char *text = o ? json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len) : NULL;

        if (!text || len < drop_tail)
                st->error = st->error ? st->error : -ENOMEM;
        else
                put(st, text, len - drop_tail);
        json_object_put(o);
}

/* The fields, then "analysis" (their last member) as state_experiment_to_json
 * would add it. */
static void put_experiment(struct stream *st, const struct watched_experiment *e)
{
        static const char key[] = ",\"analysis\":", null[] = "null";

        put_json(st, state_experiment_fields_to_json(e), 1);   /* without its "}" */
        put(st, key, strlen(key));
        if (e->current)
                put_json(st, analysis_to_json(e->current), 0);
        else if (e->restored_analysis)
                put(st, e->restored_analysis, strlen(e->restored_analysis));
        else
                put(st, null, strlen(null));
        put(st, "}", 1);
}

static int write_state(int fd, void *userdata)
{
        struct stream *st = userdata;
        static const struct watchlist none = { 0 };
        static const char tail[] = "]}";

        st->fd = fd;
        /* The document with no experiments ends in `"experiments":[]}`: its
         * head is everything but "]}", so json-c writes every key. */
        put_json(st, state_to_json(&none, st->s), strlen(tail));
        for (size_t i = 0; i < st->w->n; i++) {
                if (i > 0)
                        put(st, ",", 1);
                put_experiment(st, st->w->items[i]);
        }
        put(st, tail, strlen(tail));
        flush(st);
        return st->error;
}

int state_save(const char *dir, const struct watchlist *w, const struct daemon_summary *s)
{
        struct stream *st = malloc(sizeof(*st));
        int r;

        if (!st)
                return -ENOMEM;
        *st = (struct stream) { .w = w, .s = s };
        r = atomic_write_file_with(dir, STATE_FILE, write_state, st, 0600);
        free(st);
        return r;
}
