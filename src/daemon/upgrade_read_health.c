/* 0.1.0's health.json: the health conditions (health.h), which the daemon
 * keeps in the health table of state.db now. */
#include "upgrade_read.h"

#include <errno.h>
#include <stdlib.h>

#include "health.h"
#include "util/json_read.h"

#define HEALTH_VERSION 1

static int read_health_time(json_object *o, const char *path, const char *key, int64_t *out, char **error)
{
        long long v = 0;
        int k = json_read_int(o, path, key, true, &v, error);

        *out = v;
        if (k >= 0 && v < 0)
                return json_read_fail(error, path, "%s: must not be negative", key);
        return k;
}

static int health_record_from_json(json_object *o, const char *path, void *item, char **error)
{
        struct health_record *r = item;
        char *condition = NULL;
        int k, c = -EINVAL;

        if (!json_object_is_type(o, json_type_object))
                return json_read_fail(error, path, "expected an object");
        k = json_read_string(o, path, "condition", true, false, &condition, error);
        if (k >= 0 && (c = health_condition_from_string(condition)) < 0)
                k = json_read_fail(error, path, "condition: unknown '%s'", condition);
        free(condition);
        if (k >= 0)
                r->condition = (enum health_condition) c;
        if (k >= 0)
                k = json_read_string(o, path, "subject", true, true, &r->subject, error);
        if (k >= 0)
                k = json_read_string(o, path, "name", false, false, &r->name, error);
        if (k >= 0)
                k = json_read_string(o, path, "detail", false, false, &r->detail, error);
        if (k >= 0)
                k = read_health_time(o, path, "since", &r->since, error);
        if (k >= 0)
                k = read_health_time(o, path, "alerted_at", &r->alerted_at, error);
        if (k >= 0)
                k = read_health_time(o, path, "last_notified", &r->last_notified, error);
        return k < 0 ? k : 0;
}

int upgrade_read_health(json_object *root, struct health_state *s, char **error)
{
        void *records = NULL;
        int k;

        *s = (struct health_state) { 0 };
        k = upgrade_read_document(root, HEALTH_VERSION, "conditions", sizeof(*s->records), health_record_from_json,
                                  &records, &s->n, error);
        s->records = records;
        s->cap = s->n;
        if (k < 0)
                health_state_clear(s);
        return k;
}

static int parse_health(json_object *root, void *userdata, char **error)
{
        return upgrade_read_health(root, userdata, error);
}

int upgrade_load_health(const char *dir, struct health_state *s)
{
        health_state_clear(s);
        return upgrade_load_json(dir, UPGRADE_HEALTH_FILE, parse_health, s);
}
