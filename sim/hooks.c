/* Webhook receiver state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hooks.h"
#include "isotime.h"
#include "receiver_shapes.h"
#include "slack_limits.h"

typedef void answer_fn(struct hook_store *s, const struct request *rq, struct reply *out);

static answer_fn answer_generic, answer_slack, answer_alertmanager, answer_pagerduty, answer_teams;

/* Path shapes by kind: {prefix}{name}{suffix}, name without '/'. */
static const struct hook_shape {
        const char *kind;          /* as /__hooks lists it */
        const char *prefix;
        const char *suffix;
        const char *not_found;     /* 404 text for a path that does not fit */
        answer_fn *answer;         /* the service's answer to a delivery */
} shapes[] = {
        [HOOK_GENERIC] = { "generic", "/hooks/", "", "no_team", answer_generic },
        [HOOK_SLACK] = { "slack", "/hooks/slack/", "", "no_team", answer_slack },
        [HOOK_ALERTMANAGER] = { "alertmanager", "/hooks/alertmanager/", "/api/v2/alerts", "not found",
                                answer_alertmanager },
        [HOOK_PAGERDUTY] = { "pagerduty", "/hooks/pagerduty/", "", "not found", answer_pagerduty },
        [HOOK_TEAMS] = { "teams", "/hooks/teams/", "", "not found", answer_teams },
};

#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

static bool declared_slack(const struct hook_store *s, const char *name)
{
        for (size_t i = 0; i < s->n_slack; i++)
                if (!strcmp(s->slack_names[i], name))
                        return true;
        return false;
}

/* Consumes one planned failure for this hook, if any. */
static bool take_failure(struct hook_store *s, const char *name, struct hook_failure *out)
{
        for (size_t i = 0; i < s->n_failures; i++) {
                struct hook_failure *f = &s->failures[i];
                if (f->remaining != 0 && (!strcmp(f->name, "*") || !strcmp(f->name, name))) {
                        if (f->remaining > 0)
                                f->remaining--;
                        *out = *f;
                        return true;
                }
        }
        return false;
}

static void answer_generic(struct hook_store *s, const struct request *rq, struct reply *out)
{
        reply_text(out, 200, "text/plain", "ok");
}

static void answer_slack(struct hook_store *s, const struct request *rq, struct reply *out)
{
        const char *verdict = slack_check_payload(rq->body);
        reply_text(out, verdict ? 400 : 200, "text/plain", verdict ? verdict : "ok");
}

/* Alertmanager answers 200 with no body, 400 with the reason. */
static void answer_alertmanager(struct hook_store *s, const struct request *rq, struct reply *out)
{
        char err[SHAPE_ERR_MAX];
        const char *why = alertmanager_check_alerts(rq->body, err, sizeof(err));
        reply_text(out, why ? 400 : 200, "text/plain", why ? why : "");
}

/* Power Automate accepts a workflow run with an empty 202. */
static void answer_teams(struct hook_store *s, const struct request *rq, struct reply *out)
{
        char err[SHAPE_ERR_MAX];
        const char *why = teams_check_message(rq->body, err, sizeof(err));
        reply_text(out, why ? 400 : 202, "text/plain", why ? why : "");
}

static struct json_object *pd_body(const char *status, const char *message)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_string(status));
        json_object_object_add(o, "message", json_object_new_string(message));
        return o;
}

/* PagerDuty's JSON answers; like PagerDuty, make up a dedup_key for a
 * trigger that has none (a counter: deterministic for tests). */
static void answer_pagerduty(struct hook_store *s, const struct request *rq, struct reply *out)
{
        char err[SHAPE_ERR_MAX], key[PAGERDUTY_DEDUP_KEY_SIZE];
        struct json_object *o;
        if (pagerduty_check_event(rq->body, key, err, sizeof(err))) {
                struct json_object *errors = json_object_new_array();
                json_object_array_add(errors, json_object_new_string(err));
                o = pd_body("invalid event", "Event object is invalid");
                json_object_object_add(o, "errors", errors);
                reply_json(out, 400, o);
                return;
        }
        if (!*key)
                snprintf(key, sizeof(key), "%032lx", ++s->pd_events);
        o = pd_body("success", "Event processed");
        json_object_object_add(o, "dedup_key", json_object_new_string(key));
        reply_json(out, 202, o);
}

/* The longest matching prefix wins: every path has the generic one. */
static enum hook_kind kind_of(const char *path)
{
        enum hook_kind best = HOOK_GENERIC;
        for (size_t k = 0; k < N_SHAPES; k++) {
                size_t len = strlen(shapes[k].prefix);
                if (!strncmp(path, shapes[k].prefix, len) && len > strlen(shapes[best].prefix))
                        best = (enum hook_kind)k;
        }
        return best;
}

/* The {name} in a path of this kind, malloc'd; -ENOENT if the path does not
 * fit the shape (no name, extra segments, wrong suffix). */
static int name_of(enum hook_kind kind, const char *path, char **name)
{
        const char *start = path + strlen(shapes[kind].prefix);
        size_t len = strcspn(start, "/");
        if (!len || strcmp(start + len, shapes[kind].suffix))
                return -ENOENT;
        *name = strndup(start, len);
        return *name ? 0 : -ENOMEM;
}

/* Planned failures come first, whatever the kind. */
static void answer(struct hook_store *s, const char *name, enum hook_kind kind, const struct request *rq,
                   struct reply *out)
{
        struct hook_failure fail;
        if (take_failure(s, name, &fail)) {
                reply_text(out, fail.status, "text/plain", fail.status == 410 ? "no_service" : "failure");
                out->retry_after = fail.retry_after;
                return;
        }
        shapes[kind].answer(s, rq, out);
}

/* Takes over `name`. */
static void store(struct hook_store *s, char *name, enum hook_kind kind, const struct request *rq,
                  unsigned status, double sim_now)
{
        struct hook_delivery *d = realloc(s->deliveries, (s->n_deliveries + 1) * sizeof(*d));
        if (!d) {
                free(name);
                return;
        }
        s->deliveries = d;
        d[s->n_deliveries++] = (struct hook_delivery){
                .name = name, .kind = kind, .headers = request_headers_json(rq),
                .body = strdup(rq->body), .status = status,
                .received_at = clock_wall_seconds(), .sim_time = sim_now,
        };
}

void hooks_receive(struct hook_store *s, const struct request *rq, double sim_now, struct reply *out)
{
        enum hook_kind kind = kind_of(rq->path);
        char *name;
        int r = name_of(kind, rq->path, &name);
        if (r < 0) {
                reply_text(out, r == -ENOMEM ? 500 : 404, "text/plain", shapes[kind].not_found);
                return;
        }
        if (strcmp(rq->method, "POST") != 0) {
                free(name);
                reply_text(out, 405, "text/plain", "invalid_method");
                return;
        }
        if (kind == HOOK_GENERIC && declared_slack(s, name))
                kind = HOOK_SLACK;
        answer(s, name, kind, rq, out);
        store(s, name, kind, rq, out->status, sim_now);
}

int hooks_add_failure(struct hook_store *s, const char *name, const struct fields *f,
                      char *err, size_t errlen)
{
        double count = 1, status = 500, retry_after = -1;
        fields_number(f, "count", &count);
        fields_number(f, "status", &status);
        fields_number(f, "retry_after", &retry_after);
        if (status < 100 || status > 599) {
                snprintf(err, errlen, "hook failure status must be an HTTP status code");
                return -EINVAL;
        }
        struct hook_failure *fl = realloc(s->failures, (s->n_failures + 1) * sizeof(*fl));
        if (!fl)
                return -ENOMEM;
        s->failures = fl;
        fl[s->n_failures] = (struct hook_failure){
                .name = strdup(name), .remaining = (long)count, .status = (unsigned)status,
                .retry_after = retry_after < 0 && status == 429 ? 1 : (int)retry_after,
        };
        if (!fl[s->n_failures].name)
                return -ENOMEM;
        s->n_failures++;
        return 0;
}

static struct json_object *delivery_json(const struct hook_delivery *d)
{
        struct json_object *o = json_object_new_object();
        char when[ISOTIME_MAX];
        json_object_object_add(o, "name", json_object_new_string(d->name ? d->name : ""));
        json_object_object_add(o, "kind", json_object_new_string(shapes[d->kind].kind));
        json_object_object_add(o, "slack", json_object_new_boolean(d->kind == HOOK_SLACK));
        json_object_object_add(o, "status", json_object_new_int((int)d->status));
        json_object_object_add(o, "headers", json_object_get(d->headers));
        json_object_object_add(o, "body", json_object_new_string(d->body ? d->body : ""));
        isotime_format(d->received_at, when);
        json_object_object_add(o, "received_at", json_object_new_string(when));
        isotime_format(d->sim_time, when);
        json_object_object_add(o, "sim_time", json_object_new_string(when));
        return o;
}

struct json_object *hooks_json(const struct hook_store *s, const char *name)
{
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        for (size_t i = 0; i < s->n_deliveries; i++)
                if (!name || (s->deliveries[i].name && !strcmp(s->deliveries[i].name, name)))
                        json_object_array_add(list, delivery_json(&s->deliveries[i]));
        json_object_object_add(o, "deliveries", list);
        return o;
}

static int load_hook(struct hook_store *s, const config_setting_t *h, char *err, size_t errlen)
{
        const char *name;
        int slack = 0;
        if (!config_setting_lookup_string(h, "name", &name)) {
                snprintf(err, errlen, "%s:%u: a hook needs a name", config_setting_source_file(h),
                         config_setting_source_line(h));
                return -EINVAL;
        }
        config_setting_lookup_bool(h, "slack", &slack);
        if (slack) {
                char **names = realloc(s->slack_names, (s->n_slack + 1) * sizeof(*names));
                if (!names)
                        return -ENOMEM;
                s->slack_names = names;
                if (!(names[s->n_slack] = strdup(name)))
                        return -ENOMEM;
                s->n_slack++;
        }
        const config_setting_t *fail = config_setting_get_member(h, "fail");
        if (!fail)
                return 0;
        struct fields f = { .setting = fail };
        return hooks_add_failure(s, name, &f, err, errlen);
}

int hooks_load_config(struct hook_store *s, const config_setting_t *list, char *err, size_t errlen)
{
        for (int i = 0; list && i < config_setting_length(list); i++) {
                int r = load_hook(s, config_setting_get_elem(list, (unsigned)i), err, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

void hooks_clear(struct hook_store *s)
{
        for (size_t i = 0; i < s->n_deliveries; i++) {
                free(s->deliveries[i].name);
                free(s->deliveries[i].body);
                json_object_put(s->deliveries[i].headers);
        }
        for (size_t i = 0; i < s->n_failures; i++)
                free(s->failures[i].name);
        free(s->deliveries);
        free(s->failures);
        s->deliveries = NULL;
        s->failures = NULL;
        s->n_deliveries = s->n_failures = 0;
}

void hooks_free(struct hook_store *s)
{
        hooks_clear(s);
        for (size_t i = 0; i < s->n_slack; i++)
                free(s->slack_names[i]);
        free(s->slack_names);
        *s = (struct hook_store){ 0 };
}
