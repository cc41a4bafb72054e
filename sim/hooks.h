/* Webhook receiver. POST /hooks/{name} (generic), /hooks/slack/{name}
 * (checked against Slack's limits), /hooks/alertmanager/{name}/api/v2/alerts,
 * /hooks/pagerduty/{name} (Events API v2) and /hooks/teams/{name} (workflow
 * adaptive cards), the last three checked by receiver_shapes.c, each store
 * the delivery under {name}; a hook can be told to fail its next N
 * deliveries with a given status, whatever its kind. */
#pragma once
#include <json-c/json.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "fields.h"
#include "reply.h"
#include "request.h"

enum hook_kind {
        HOOK_GENERIC,
        HOOK_SLACK,
        HOOK_ALERTMANAGER,
        HOOK_PAGERDUTY,
        HOOK_TEAMS,
};

struct hook_delivery {
        char *name;
        enum hook_kind kind;
        struct json_object *headers;
        char *body;
        unsigned status;
        double received_at;        /* wall clock */
        double sim_time;
};

struct hook_failure {
        char *name;                /* "*" for every hook */
        long remaining;
        unsigned status;
        int retry_after;
};

struct hook_store {
        struct hook_delivery *deliveries;
        size_t n_deliveries;
        struct hook_failure *failures;
        size_t n_failures;
        char **slack_names;        /* hooks the scenario declares as Slack */
        size_t n_slack;
        unsigned long pd_events;   /* numbers the dedup_keys PagerDuty hooks make up */
};

/* Handles POST /hooks/...; the path is rq->path. */
void hooks_receive(struct hook_store *s, const struct request *rq, double sim_now, struct reply *out);
/* Fails the next `count` deliveries to hook `name` ("*": any) with
 * `status` (default 500) and `retry_after`. Fields: count, status, retry_after. */
int hooks_add_failure(struct hook_store *s, const char *name, const struct fields *f,
                      char *err, size_t errlen);
/* {"deliveries": [...]} optionally only those of one hook; each has "kind"
 * (generic, slack, alertmanager, pagerduty, teams) and "slack". */
struct json_object *hooks_json(const struct hook_store *s, const char *name);
/* Scenario: hooks = ( { name = "x"; slack = true;
 *                      fail = { count = 2; status = 429; retry_after = 3; }; } ) */
int hooks_load_config(struct hook_store *s, const config_setting_t *list, char *err, size_t errlen);
/* Forgets deliveries and planned failures (keeps Slack declarations). */
void hooks_clear(struct hook_store *s);
void hooks_free(struct hook_store *s);
