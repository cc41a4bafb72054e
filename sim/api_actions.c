/* The two write endpoints, PATCH .../status and POST .../serve-winner, and
 * the status rules and change that /__experiment shares with the first. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_handlers.h"

#define SERVE_MESSAGE "Winner is now served to eligible traffic at the configured rollout " \
                      "percentage on the same experiment."

static bool body_int(struct json_object *body, const char *key, int *out)
{
        struct json_object *v;
        if (!body || !json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_int))
                return false;
        *out = json_object_get_int(v);
        return true;
}

unsigned api_status_check(const struct sim *sim, const struct experiment *e, int to, const char **why)
{
        int limit = sim->project.plan_live_limit;
        if (to != EXP_LIVE && to != EXP_INACTIVE && to != EXP_DRAFT) {
                *why = "Invalid status value - must be 0, 1, or 9";
                return 400;
        }
        if (to == EXP_DRAFT && e->status != EXP_INACTIVE) {
                *why = "Status 9 (draft) is only valid from inactive";
                return 400;
        }
        if (to == EXP_LIVE && e->status != EXP_LIVE && limit > 0 &&
            project_count_live(&sim->project) >= limit) {
                *why = "Plan limit reached: maximum concurrent live experiments per project";
                return 403;
        }
        return 0;
}

int api_status_apply(struct sim *sim, struct experiment *e, int to)
{
        double now = sim_now(sim);
        if (to == EXP_LIVE && !e->is_serving && experiment_start_running(e, now) < 0)
                return -ENOMEM;
        if (to != EXP_LIVE)
                experiment_stop_running(e, now);
        if (to != e->status)
                e->updated_at = now;
        e->status = to;
        return 0;
}

void api_set_status(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out)
{
        struct json_object *body = request_body_json(rq);
        int to = -1;
        const char *why = NULL;
        bool ok = body_int(body, "status", &to);
        json_object_put(body);
        unsigned err = ok ? api_status_check(sim, e, to, &why) : 400;
        if (err) {
                reply_error(out, err, why ? why : "Invalid status value - must be 0, 1, or 9");
                return;
        }
        if (api_status_apply(sim, e, to) < 0) {
                reply_error(out, 500, "Out of memory");
                return;
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "test_id", json_object_new_int64(e->id));
        json_object_object_add(o, "status", json_object_new_int(to));
        reply_json(out, 200, o);
}

/* variant_id (or its alias serving_variant_id) as a string. */
static bool body_variant(struct json_object *body, char *buf, size_t len)
{
        struct json_object *v;
        if (!body || (!json_object_object_get_ex(body, "variant_id", &v) &&
                      !json_object_object_get_ex(body, "serving_variant_id", &v)))
                return false;
        if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
                return false;
        snprintf(buf, len, "%s", json_object_get_string(v));
        return *buf != '\0';
}

static bool variant_exists(const struct experiment *e, const char *id)
{
        char *end;
        long v = strtol(id, &end, 10);
        return *id && !*end && v >= 0 && (size_t)v < e->n_variants;
}

/* 0 on success, else the HTTP status, with *why set. */
static unsigned serve_request(const struct experiment *e, struct json_object *body,
                              char *variant, size_t len, double *allocation, const char **why)
{
        struct json_object *alloc;
        if (!body_variant(body, variant, len)) {
                *why = "variant_id is required";
                return 400;
        }
        if (!variant_exists(e, variant)) {
                *why = "Unknown variant_id";
                return 400;
        }
        *allocation = e->traffic_allocation;
        if (json_object_object_get_ex(body, "traffic_allocation", &alloc)) {
                bool number = json_object_is_type(alloc, json_type_int) || json_object_is_type(alloc, json_type_double);
                *allocation = json_object_get_double(alloc);
                if (!number || !(*allocation >= 0.0 && *allocation <= 100.0)) {
                        *why = "traffic_allocation must be a number from 0 to 100";
                        return 400;
                }
        }
        if (e->status == EXP_DRAFT || e->is_serving) {
                *why = e->is_serving ? "Experiment cannot serve: already serving a winner"
                                     : "Experiment cannot serve: it is a draft";
                return 409;
        }
        return 0;
}

static struct json_object *number_json(double x)
{
        return x == floor(x) ? json_object_new_int64((int64_t)x) : json_object_new_double(x);
}

void api_serve_winner(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out)
{
        struct json_object *body = request_body_json(rq);
        char variant[sizeof(e->serving_variant)];
        double allocation;
        const char *why = NULL;
        unsigned err = serve_request(e, body, variant, sizeof(variant), &allocation, &why);
        json_object_put(body);
        if (err) {
                reply_error(out, err, why);
                return;
        }
        /* Serving ends the A/B split: the (pre-deploy) result stops growing. */
        double now = sim_now(sim);
        experiment_stop_running(e, now);
        e->is_serving = true;
        e->traffic_allocation = allocation;
        e->updated_at = now;
        snprintf(e->serving_variant, sizeof(e->serving_variant), "%s", variant);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "test_id", json_object_new_int64(e->id));
        json_object_object_add(o, "serving_variant_id", json_object_new_string(variant));
        json_object_object_add(o, "traffic_allocation", number_json(allocation));
        json_object_object_add(o, "is_serving", json_object_new_boolean(1));
        json_object_object_add(o, "message", json_object_new_string(SERVE_MESSAGE));
        reply_json(out, 200, o);
}
