/* Webhook receiver state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hooks.h"
#include "isotime.h"
#include "slack_limits.h"

#define HOOKS_PREFIX "/hooks/"
#define SLACK_PREFIX "/hooks/slack/"

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

static void answer(struct hook_store *s, const char *name, bool slack, const struct request *rq,
                   struct reply *out)
{
        struct hook_failure fail;
        const char *verdict;
        if (take_failure(s, name, &fail)) {
                reply_text(out, fail.status, "text/plain", fail.status == 410 ? "no_service" : "failure");
                out->retry_after = fail.retry_after;
        } else if (slack && (verdict = slack_check_payload(rq->body))) {
                reply_text(out, 400, "text/plain", verdict);
        } else {
                reply_text(out, 200, "text/plain", "ok");
        }
}

static void store(struct hook_store *s, const char *name, bool slack, const struct request *rq,
                  unsigned status, double sim_now)
{
        struct hook_delivery *d = realloc(s->deliveries, (s->n_deliveries + 1) * sizeof(*d));
        if (!d)
                return;
        s->deliveries = d;
        d[s->n_deliveries++] = (struct hook_delivery){
                .name = strdup(name), .slack = slack, .headers = request_headers_json(rq),
                .body = strdup(rq->body), .status = status,
                .received_at = clock_wall_seconds(), .sim_time = sim_now,
        };
}

void hooks_receive(struct hook_store *s, const struct request *rq, double sim_now, struct reply *out)
{
        bool slack = !strncmp(rq->path, SLACK_PREFIX, strlen(SLACK_PREFIX));
        const char *name = rq->path + strlen(slack ? SLACK_PREFIX : HOOKS_PREFIX);
        if (!*name || strchr(name, '/')) {
                reply_text(out, 404, "text/plain", "no_team");
                return;
        }
        if (strcmp(rq->method, "POST") != 0) {
                reply_text(out, 405, "text/plain", "invalid_method");
                return;
        }
        slack = slack || declared_slack(s, name);
        answer(s, name, slack, rq, out);
        store(s, name, slack, rq, out->status, sim_now);
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
        json_object_object_add(o, "slack", json_object_new_boolean(d->slack));
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
