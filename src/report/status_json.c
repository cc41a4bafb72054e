/* `status --json`'s watch list and daemon summary (the members keep the
 * order state.json had, which scripts may have come to rely on). */
#include "status_json.h"
#include "status_report.h"

#include "stats/analysis.h"
#include "util/json_read.h"

#define STATUS_JSON_VERSION 1

static void add_string(json_object *o, const char *key, const char *value)
{
        json_add_literal(o, key, value ? json_object_new_string(value) : NULL);
}

/* Built from the last poll, or as the store holds it while the experiment
 * is not yet polled since start (always, for `status`). */
static json_object *analysis_json(const struct watched_experiment *e)
{
        if (e->current)
                return analysis_to_json(e->current);
        return e->restored_analysis ? json_tokener_parse(e->restored_analysis) : NULL;
}

static json_object *experiment_json(const struct watched_experiment *e)
{
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_add_literal(o, "id", json_object_new_int64(e->id));
        add_string(o, "name", e->name);
        json_add_literal(o, "active", json_object_new_boolean(e->active));
        json_add_literal(o, "polled_at", json_object_new_int64(e->polled_at));
        json_add_literal(o, "failures", json_object_new_int64(e->failures));
        json_add_literal(o, "visitors", json_object_new_int64(e->visitors));
        json_add_literal(o, "visitors_grew_at", json_object_new_int64(e->visitors_grew_at));
        json_add_literal(o, "last_http_status", json_object_new_int(e->last_http_status));
        add_string(o, "last_error", e->last_error);
        json_add_literal(o, "analysis", analysis_json(e));
        return o;
}

static json_object *summary_json(const struct daemon_summary *s)
{
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_add_literal(o, "started_at", json_object_new_int64(s->started_at));
        json_add_literal(o, "last_cycle_at", json_object_new_int64(s->last_cycle_at));
        json_add_literal(o, "last_cycle_seconds", json_object_new_double(s->last_cycle_seconds));
        json_add_literal(o, "last_cycle_polled", json_object_new_int64(s->last_cycle_polled));
        json_add_literal(o, "last_cycle_failed", json_object_new_int64(s->last_cycle_failed));
        add_string(o, "api_error", s->api_error[0] ? s->api_error : NULL);
        return o;
}

json_object *status_json_new(const struct watchlist *w, const struct daemon_summary *s)
{
        json_object *root = json_object_new_object();
        json_object *list = json_object_new_array_ext((int) w->n);

        if (!root || !list) {
                json_object_put(root);
                json_object_put(list);
                return NULL;
        }
        json_add_literal(root, "version", json_object_new_int(STATUS_JSON_VERSION));
        json_add_literal(root, "daemon", summary_json(s));
        for (size_t i = 0; i < w->n; i++)
                json_object_array_add(list, experiment_json(w->items[i]));
        json_add_literal(root, "experiments", list);
        return root;
}

json_object *status_json_document(const struct watchlist *w, const struct daemon_summary *s,
                                  const struct status_report *report)
{
        json_object *root = status_json_new(w, s);

        if (root && status_report_add_json(root, report) < 0) {
                json_object_put(root);
                root = NULL;
        }
        return root;
}
