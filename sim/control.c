/* Control endpoints. Each takes and returns JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_handlers.h"
#include "control.h"
#include "isotime.h"

typedef void control_fn(struct sim *sim, const struct request *rq, struct json_object *body,
                        struct reply *out);

static void reply_ok(struct reply *out)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        reply_json(out, 200, o);
}

static void clock_get(struct sim *sim, const struct request *rq, struct json_object *body,
                      struct reply *out)
{
        struct json_object *o = json_object_new_object();
        char buf[ISOTIME_MAX];
        double now = sim_now(sim);
        isotime_format(now, buf);
        json_object_object_add(o, "now", json_object_new_string(buf));
        json_object_object_add(o, "epoch", json_object_new_double(now));
        json_object_object_add(o, "speed", json_object_new_double(sim->clock.speed));
        reply_json(out, 200, o);
}

/* {"set": ISO} and/or {"advance": seconds} and/or {"speed": N} */
static void clock_post(struct sim *sim, const struct request *rq, struct json_object *body,
                       struct reply *out)
{
        struct fields f = { .json = body };
        const char *iso;
        double x, t;
        if (fields_string(&f, "set", &iso)) {
                if (isotime_parse(iso, &t) < 0) {
                        reply_error(out, 400, "set: not an ISO 8601 time");
                        return;
                }
                clock_set(&sim->clock, t);
        }
        if (fields_number(&f, "advance", &x))
                clock_advance(&sim->clock, x);
        if (fields_number(&f, "speed", &x)) {
                if (!(x >= 0.0)) {
                        reply_error(out, 400, "speed must be >= 0");
                        return;
                }
                clock_set_speed(&sim->clock, x);
        }
        clock_get(sim, rq, body, out);
}

/* {"test_id": 1, "variant_id": "1", "rate": 0.12}: from now on. */
static void rate_post(struct sim *sim, const struct request *rq, struct json_object *body,
                      struct reply *out)
{
        struct fields f = { .json = body };
        const char *variant = NULL;
        double id = 0, rate = NAN;
        fields_number(&f, "test_id", &id);
        fields_number(&f, "rate", &rate);
        fields_string(&f, "variant_id", &variant);
        struct experiment *e = project_find(&sim->project, (long)id);
        char *end = NULL;
        long v = variant ? strtol(variant, &end, 10) : -1;
        if (!e || !variant || *end || v < 0 || (size_t)v >= e->n_variants || !(rate >= 0.0 && rate <= 1.0)) {
                reply_error(out, 400, "need test_id, variant_id (string) and rate in [0, 1] of an existing variant");
                return;
        }
        if (variant_add_rate_change(&e->variants[v], sim_now(sim), rate) < 0) {
                reply_error(out, 500, "Out of memory");
                return;
        }
        reply_ok(out);
}

/* {"test_id": 1, "variant_id": "1", "weight": 50}: relative, like the
 * scenario's weight; from now on, so the counts so far stay as they are. */
static void weight_post(struct sim *sim, const struct request *rq, struct json_object *body,
                        struct reply *out)
{
        struct fields f = { .json = body };
        const char *variant = NULL;
        double id = NAN, weight = NAN;
        fields_number(&f, "test_id", &id);
        fields_number(&f, "weight", &weight);
        fields_string(&f, "variant_id", &variant);
        struct experiment *e = fabs(id) < 1e15 ? project_find(&sim->project, (long)id) : NULL;
        char *end = NULL;
        long v = variant ? strtol(variant, &end, 10) : -1;
        if (!e) {
                reply_error(out, 400, "test_id: no such experiment");
                return;
        }
        if (!variant || end == variant || *end || v < 0 || (size_t)v >= e->n_variants) {
                reply_error(out, 400, "variant_id: need the id (a string, e.g. \"1\") of one of the experiment's variants");
                return;
        }
        if (!(weight > 0.0 && isfinite(weight))) {
                reply_error(out, 400, "weight must be a number > 0 (relative to the other variants' weights)");
                return;
        }
        if (variant_add_weight_change(&e->variants[v], sim_now(sim), weight) < 0) {
                reply_error(out, 500, "Out of memory");
                return;
        }
        reply_ok(out);
}

/* A change made "in the Mida dashboard": what the body of POST /__experiment
 * asks for, checked before anything is applied. */
struct dashboard_change {
        struct experiment *e;
        bool set_status, set_completed, remove;
        int status;
        bool completed;
};

/* A JSON boolean, or the integer 0 or 1. */
static bool json_flag(struct json_object *v, bool *out)
{
        if (json_object_is_type(v, json_type_boolean)) {
                *out = json_object_get_boolean(v);
                return true;
        }
        if (!json_object_is_type(v, json_type_int))
                return false;
        int64_t i = json_object_get_int64(v);
        *out = i == 1;
        return i == 0 || i == 1;
}

/* 0, or the HTTP status with *why set. */
static unsigned dashboard_parse(struct sim *sim, struct json_object *body, struct dashboard_change *c,
                                const char **why)
{
        struct json_object *v;
        *c = (struct dashboard_change){ 0 };
        json_object_object_foreach(body, key, val) {
                (void)val;
                if (strcmp(key, "test_id") && strcmp(key, "status") && strcmp(key, "is_completed") &&
                    strcmp(key, "deleted")) {
                        *why = "unknown field: give test_id and any of status, is_completed, deleted";
                        return 400;
                }
        }
        if (!json_object_object_get_ex(body, "test_id", &v) || !json_object_is_type(v, json_type_int)) {
                *why = "test_id: need the id (an integer) of an existing experiment";
                return 400;
        }
        c->e = project_find(&sim->project, (long)json_object_get_int64(v));
        if (!c->e) {
                *why = "test_id: no such experiment";
                return 400;
        }
        if ((c->set_status = json_object_object_get_ex(body, "status", &v))) {
                c->status = json_object_is_type(v, json_type_int) ? json_object_get_int(v) : -1;
                if (c->status != EXP_INACTIVE && c->status != EXP_LIVE && c->status != EXP_DRAFT) {
                        *why = "status must be 0 (inactive), 1 (live) or 9 (draft)";
                        return 400;
                }
        }
        if ((c->set_completed = json_object_object_get_ex(body, "is_completed", &v)) &&
            !json_flag(v, &c->completed)) {
                *why = "is_completed must be 1 or true (concluded) or 0 or false";
                return 400;
        }
        bool flag = false;
        if ((c->remove = json_object_object_get_ex(body, "deleted", &v)) && !(json_flag(v, &flag) && flag)) {
                *why = "deleted can only be true (POST /__reset brings deleted experiments back)";
                return 400;
        }
        if (!c->set_status && !c->set_completed && !c->remove) {
                *why = "nothing to change: give status, is_completed and/or deleted";
                return 400;
        }
        return c->set_status ? api_status_check(sim, c->e, c->status, why) : 0;
}

static struct json_object *time_or_null(double t)
{
        char buf[ISOTIME_MAX];
        if (isnan(t))
                return NULL;
        isotime_format(t, buf);
        return json_object_new_string(buf);
}

/* {"test_id": 1, "status": 0|1|9, "is_completed": 1, "deleted": true}: any
 * of the three, applied together or not at all. */
static void experiment_post(struct sim *sim, const struct request *rq, struct json_object *body,
                            struct reply *out)
{
        struct dashboard_change c;
        const char *why = NULL;
        unsigned err = dashboard_parse(sim, body, &c, &why);
        if (err) {
                reply_error(out, err, why);
                return;
        }
        struct experiment *e = c.e;
        double now = sim_now(sim);
        if (c.set_status && api_status_apply(sim, e, c.status) < 0) {
                reply_error(out, 500, "Out of memory");
                return;
        }
        if (c.set_completed && c.completed != e->is_completed) {
                e->is_completed = c.completed;
                e->end_date = c.completed ? now : NAN;
                e->updated_at = now;
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "test_id", json_object_new_int64(e->id));
        json_object_object_add(o, "status", json_object_new_int(e->status));
        json_object_object_add(o, "is_completed", json_object_new_int(e->is_completed));
        json_object_object_add(o, "end_date", time_or_null(e->end_date));
        json_object_object_add(o, "updated_at", time_or_null(e->updated_at));
        json_object_object_add(o, "deleted", json_object_new_boolean(c.remove));
        if (c.remove)
                project_remove(&sim->project, e);
        reply_json(out, 200, o);
}

static void faults_get(struct sim *sim, const struct request *rq, struct json_object *body,
                       struct reply *out)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "faults", fault_list_json(&sim->faults));
        reply_json(out, 200, o);
}

static void faults_post(struct sim *sim, const struct request *rq, struct json_object *body,
                        struct reply *out)
{
        struct fields f = { .json = body };
        struct fault fault;
        char err[256];
        if (fault_parse(&f, &fault, err, sizeof(err)) < 0) {
                reply_error(out, 400, err);
                return;
        }
        int id = fault_list_add(&sim->faults, &fault);
        if (id < 0) {
                reply_error(out, 500, "Out of memory");
                return;
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "id", json_object_new_int(id));
        reply_json(out, 200, o);
}

static void faults_delete(struct sim *sim, const struct request *rq, struct json_object *body,
                          struct reply *out)
{
        fault_list_clear(&sim->faults);
        reply_ok(out);
}

static void requests_get(struct sim *sim, const struct request *rq, struct json_object *body,
                         struct reply *out)
{
        const char *since = request_query(rq, "since");
        reply_json(out, 200, reqlog_json(sim->log, since ? strtoull(since, NULL, 10) : 0));
}

static void requests_delete(struct sim *sim, const struct request *rq, struct json_object *body,
                            struct reply *out)
{
        reqlog_clear(sim->log);
        reply_ok(out);
}

static void hooks_get(struct sim *sim, const struct request *rq, struct json_object *body,
                      struct reply *out)
{
        reply_json(out, 200, hooks_json(&sim->hooks, request_query(rq, "name")));
}

static void hooks_delete(struct sim *sim, const struct request *rq, struct json_object *body,
                         struct reply *out)
{
        hooks_clear(&sim->hooks);
        reply_ok(out);
}

/* {"name": "growth", "count": 2, "status": 429, "retry_after": 3} */
static void hooks_fail_post(struct sim *sim, const struct request *rq, struct json_object *body,
                            struct reply *out)
{
        struct fields f = { .json = body };
        const char *name = "*";
        char err[256];
        fields_string(&f, "name", &name);
        if (hooks_add_failure(&sim->hooks, name, &f, err, sizeof(err)) < 0)
                reply_error(out, 400, err);
        else
                reply_ok(out);
}

static struct json_object *experiment_state(const struct experiment *e)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "test_id", json_object_new_int64(e->id));
        json_object_object_add(o, "status", json_object_new_int(e->status));
        json_object_object_add(o, "is_serving", json_object_new_boolean(e->is_serving));
        json_object_object_add(o, "serving_variant_id",
                               e->is_serving ? json_object_new_string(e->serving_variant) : NULL);
        json_object_object_add(o, "traffic_allocation", json_object_new_double(e->traffic_allocation));
        json_object_object_add(o, "running_intervals", json_object_new_int((int)e->n_running));
        return o;
}

static void state_get(struct sim *sim, const struct request *rq, struct json_object *body,
                      struct reply *out)
{
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        for (size_t i = 0; i < sim->project.n_experiments; i++)
                json_object_array_add(list, experiment_state(&sim->project.experiments[i]));
        json_object_object_add(o, "experiments", list);
        reply_json(out, 200, o);
}

static void reset_post(struct sim *sim, const struct request *rq, struct json_object *body,
                       struct reply *out)
{
        char err[SIM_ERR_MAX];
        if (sim_reset(sim, err, sizeof(err)) < 0)
                reply_error(out, 500, err);
        else
                reply_ok(out);
}

static const struct {
        const char *method;
        const char *path;
        control_fn *fn;
} routes[] = {
        { "GET", "/__clock", clock_get },        { "POST", "/__clock", clock_post },
        { "POST", "/__rate", rate_post },        { "POST", "/__weight", weight_post },
        { "POST", "/__experiment", experiment_post },
        { "GET", "/__faults", faults_get },      { "POST", "/__faults", faults_post },
        { "DELETE", "/__faults", faults_delete },
        { "GET", "/__requests", requests_get },  { "DELETE", "/__requests", requests_delete },
        { "GET", "/__hooks", hooks_get },        { "DELETE", "/__hooks", hooks_delete },
        { "POST", "/__hooks/fail", hooks_fail_post },
        { "GET", "/__state", state_get },
        { "POST", "/__reset", reset_post },
};

void control_handle(struct sim *sim, const struct request *rq, struct reply *out)
{
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                if (strcmp(routes[i].path, rq->path) || strcmp(routes[i].method, rq->method))
                        continue;
                struct json_object *body = request_body_json(rq);
                if (!body && !strcmp(rq->method, "POST") && rq->body_len) {
                        reply_error(out, 400, "body must be a JSON object");
                        return;
                }
                if (!body)
                        body = json_object_new_object();
                routes[i].fn(sim, rq, body, out);
                json_object_put(body);
                return;
        }
        reply_error(out, 404, "unknown control endpoint (see mida-sim --help)");
}
