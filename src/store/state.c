/* Persisted state as JSON, both ways: one element of "experiments" and the
 * "daemon" summary. state_save.c streams them into state.json (atomically,
 * through atomic_file.c); state_read.c reads them back value by value. */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "util/json_read.h"

static void add_string(json_object *o, const char *key, const char *value)
{
        json_add_literal(o, key, value ? json_object_new_string(value) : NULL);
}

/* The analysis JSON exists only here (and in `once --json`): built from the
 * struct, or as state.json held it while the experiment is not yet polled. */
static json_object *analysis_json(const struct watched_experiment *e)
{
        if (e->current)
                return analysis_to_json(e->current);
        return e->restored_analysis ? json_tokener_parse(e->restored_analysis) : NULL;
}

json_object *state_experiment_to_json(const struct watched_experiment *e)
{
        json_object *o = state_experiment_fields_to_json(e);

        if (o)
                json_add_literal(o, "analysis", analysis_json(e));
        return o;
}

json_object *state_experiment_fields_to_json(const struct watched_experiment *e)
{
        json_object *o = json_object_new_object();

        json_add_literal(o, "id", json_object_new_int64(e->id));
        add_string(o, "name", e->name);
        json_add_literal(o, "active", json_object_new_boolean(e->active));
        json_add_literal(o, "polled_at", json_object_new_int64(e->polled_at));
        json_add_literal(o, "failures", json_object_new_int64(e->failures));
        json_add_literal(o, "visitors", json_object_new_int64(e->visitors));
        json_add_literal(o, "visitors_grew_at", json_object_new_int64(e->visitors_grew_at));
        json_add_literal(o, "last_http_status", json_object_new_int(e->last_http_status));
        add_string(o, "last_error", e->last_error);
        json_add_literal(o, "sequential", e->sequential ? sequential_state_to_json(e->sequential) : NULL);
        return o;
}

json_object *state_summary_to_json(const struct daemon_summary *s)
{
        json_object *o = json_object_new_object();

        json_add_literal(o, "started_at", json_object_new_int64(s->started_at));
        json_add_literal(o, "last_cycle_at", json_object_new_int64(s->last_cycle_at));
        json_add_literal(o, "last_cycle_seconds", json_object_new_double(s->last_cycle_seconds));
        json_add_literal(o, "last_cycle_polled", json_object_new_int64(s->last_cycle_polled));
        json_add_literal(o, "last_cycle_failed", json_object_new_int64(s->last_cycle_failed));
        add_string(o, "api_error", s->api_error[0] ? s->api_error : NULL);
        return o;
}

json_object *state_to_json(const struct watchlist *w, const struct daemon_summary *s)
{
        json_object *root = json_object_new_object();
        json_object *list = json_object_new_array_ext((int) w->n);

        json_add_literal(root, "version", json_object_new_int(STATE_VERSION));
        json_add_literal(root, "daemon", state_summary_to_json(s));
        for (size_t i = 0; i < w->n; i++)
                json_object_array_add(list, state_experiment_to_json(w->items[i]));
        json_add_literal(root, "experiments", list);
        return root;
}

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
 * next poll reports it and starts that history afresh (experiment_update.c). */
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
        r = sequential_state_from_json(stored, e->sequential, &error);
        if (r < 0) {
                watchlist_drop_sequential(e);
                e->sequential_error = strdup(error ? error : strerror(-r));
        }
        free(error);
        return 0;
}

int state_experiment_from_json(json_object *o, struct watchlist *w)
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

void state_summary_from_json(json_object *o, struct daemon_summary *s)
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

int state_from_json(json_object *root, struct watchlist *w, struct daemon_summary *s)
{
        json_object *list, *daemon;

        if (!json_object_is_type(root, json_type_object) ||
            get_int(root, "version") != STATE_VERSION ||
            !json_object_object_get_ex(root, "experiments", &list) ||
            !json_object_is_type(list, json_type_array))
                return -EINVAL;
        if (json_object_object_get_ex(root, "daemon", &daemon) &&
            json_object_is_type(daemon, json_type_object))
                state_summary_from_json(daemon, s);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                int r = state_experiment_from_json(json_object_array_get_idx(list, i), w);
                if (r < 0)
                        return r;
        }
        return 0;
}
