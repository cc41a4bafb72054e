/* API dispatch: authentication, project, method and experiment lookup; the
 * list and details endpoints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_handlers.h"
#include "isotime.h"

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 500

static const char *const method_of[] = {
        [EP_LIST] = "GET", [EP_DETAILS] = "GET", [EP_RESULT] = "GET",
        [EP_STATUS] = "PATCH", [EP_SERVE_WINNER] = "POST",
};

static void add_time(struct json_object *o, const char *key, double t)
{
        char buf[ISOTIME_MAX];
        isotime_format(t, buf);
        json_object_object_add(o, key, json_object_new_string(buf));
}

static struct json_object *experiment_row(const struct experiment *e)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "test_id", json_object_new_int64(e->id));
        json_object_object_add(o, "test_name", json_object_new_string(e->name));
        json_object_object_add(o, "url", json_object_new_string(e->url));
        json_object_object_add(o, "status", json_object_new_int(e->status));
        json_object_object_add(o, "is_completed", json_object_new_int(e->is_completed));
        add_time(o, "created_at", e->created_at);
        add_time(o, "updated_at", e->updated_at);
        return o;
}

/* A non-negative integer query parameter; -EINVAL when malformed. */
static int query_count(const struct request *rq, const char *name, long fallback, long *out)
{
        const char *s = request_query(rq, name);
        if (!s) {
                *out = fallback;
                return 0;
        }
        char *end;
        errno = 0;
        *out = strtol(s, &end, 10);
        return *s && !*end && !errno && *out >= 0 ? 0 : -EINVAL;
}

static void list_experiments(struct sim *sim, const struct request *rq, struct reply *out)
{
        long limit, offset;
        if (query_count(rq, "limit", LIST_DEFAULT_LIMIT, &limit) < 0 || limit == 0) {
                reply_error(out, 400, "Invalid limit");
                return;
        }
        if (query_count(rq, "offset", 0, &offset) < 0) {
                reply_error(out, 400, "Invalid offset");
                return;
        }
        if (limit > LIST_MAX_LIMIT)
                limit = LIST_MAX_LIMIT;
        const struct project *p = &sim->project;
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        size_t first = (size_t)offset < p->n_experiments ? (size_t)offset : p->n_experiments;
        for (size_t i = first; i < p->n_experiments && i < first + (size_t)limit; i++)
                json_object_array_add(list, experiment_row(&p->experiments[i]));
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "company_id", json_object_new_int64(p->company_id));
        json_object_object_add(o, "count", json_object_new_int((int)json_object_array_length(list)));
        json_object_object_add(o, "experiments", list);
        reply_json(out, 200, o);
}

/* Details are not in the documented contract we have: the list row, wrapped. */
static void experiment_details(const struct experiment *e, struct reply *out)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "experiment", experiment_row(e));
        reply_json(out, 200, o);
}

static void dispatch(struct sim *sim, struct experiment *e, const struct request *rq,
                     enum endpoint_kind ep, struct reply *out)
{
        switch (ep) {
        case EP_DETAILS:
                experiment_details(e, out);
                break;
        case EP_RESULT:
                api_result(sim, e, rq, out);
                break;
        case EP_STATUS:
                api_set_status(sim, e, rq, out);
                break;
        case EP_SERVE_WINNER:
                api_serve_winner(sim, e, rq, out);
                break;
        default:
                reply_error(out, 404, "Not found");
        }
}

void api_handle(struct sim *sim, const struct request *rq, const struct api_route *route,
                struct reply *out)
{
        const char *key;
        api_auth_style(rq, &key);
        if (!key || strcmp(key, sim->project.api_key) != 0) {
                reply_error(out, 401, "Invalid or missing API key");
                return;
        }
        if (strcmp(route->project_key, sim->project.project_key) != 0) {
                reply_error(out, 404, "Project not found");
                return;
        }
        if (strcmp(rq->method, method_of[route->endpoint]) != 0) {
                reply_error(out, 405, "Method not allowed");
                return;
        }
        if (route->endpoint == EP_LIST) {
                list_experiments(sim, rq, out);
                return;
        }
        if (route->test_id == 0) {
                reply_error(out, 400, "Invalid test_id");
                return;
        }
        struct experiment *e = project_find(&sim->project, route->test_id);
        if (!e) {
                reply_error(out, 404, "Experiment not found");
                return;
        }
        dispatch(sim, e, rq, route->endpoint, out);
}
