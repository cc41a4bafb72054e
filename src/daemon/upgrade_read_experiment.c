/* The members of 0.1.0's state.json: one element of "experiments", and
 * "daemon". Lenient as 0.1.0 was: only an experiment without an integer id
 * is corrupt; a member missing or of another type reads as 0, NULL or
 * false. */
#include "upgrade_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "store/experiments.h"
#include "store/watchlist.h"

static int64_t get_int(json_object *o, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *get_string(json_object *o, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* An object member as JSON text; NULL when absent or not an object. */
static int get_object_text(json_object *o, const char *key, char **out)
{
        json_object *v;

        *out = NULL;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
                return 0;
        *out = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        return *out ? 0 : -ENOMEM;
}

/* A sequential state that does not parse is not an error of the file: the
 * upgrade logs it, and that history starts afresh (0.1.0's next poll did
 * the same, as experiment_update.c does for the store's). */
static int sequential_from_json(struct watched_experiment *e, json_object *o)
{
        json_object *stored;
        char *error = NULL;
        int r;

        watchlist_drop_sequential(e);
        if (!json_object_object_get_ex(o, "sequential", &stored) || !json_object_is_type(stored, json_type_object))
                return 0;
        if (!(e->sequential = calloc(1, sizeof(*e->sequential))))
                return -ENOMEM;
        r = upgrade_read_sequential(stored, e->sequential, &error);
        if (r < 0) {
                watchlist_drop_sequential(e);
                e->sequential_error = strdup(error ? error : strerror(-r));
        }
        free(error);
        return 0;
}

int upgrade_read_experiment(json_object *o, struct watchlist *w)
{
        struct watched_experiment *e;
        json_object *v;

        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "id", &v) ||
            !json_object_is_type(v, json_type_int))
                return -EINVAL;
        e = watchlist_get(w, json_object_get_int64(v));
        if (!e)
                return -ENOMEM;
        watchlist_set_name(e, get_string(o, "name"));
        e->active = json_object_object_get_ex(o, "active", &v) && json_object_get_boolean(v);
        e->polled_at = get_int(o, "polled_at");
        e->failures = (unsigned) get_int(o, "failures");
        e->visitors = json_object_object_get_ex(o, "visitors", NULL) ? get_int(o, "visitors") : -1;
        e->visitors_grew_at = get_int(o, "visitors_grew_at");
        e->last_http_status = (int) get_int(o, "last_http_status");
        watchlist_set_error(e, get_string(o, "last_error"));
        free(e->restored_analysis);
        if (get_object_text(o, "analysis", &e->restored_analysis) < 0)
                return -ENOMEM;
        return sequential_from_json(e, o);
}

void upgrade_read_summary(json_object *o, struct daemon_summary *s)
{
        const char *err = get_string(o, "api_error");
        json_object *v;

        s->started_at = get_int(o, "started_at");
        s->last_cycle_at = get_int(o, "last_cycle_at");
        s->last_cycle_seconds = json_object_object_get_ex(o, "last_cycle_seconds", &v) ?
                                json_object_get_double(v) : 0;
        s->last_cycle_polled = (unsigned) get_int(o, "last_cycle_polled");
        s->last_cycle_failed = (unsigned) get_int(o, "last_cycle_failed");
        snprintf(s->api_error, sizeof(s->api_error), "%s", err ? err : "");
}
