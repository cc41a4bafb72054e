/* The health records in the state directory, so that a restart neither
 * re-sends a health alert nor forgets how long a condition has held. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "util/json_read.h"
#include "store/json_state_file.h"
#include "util/text_format.h"

#define HEALTH_STATE_VERSION 1

static json_object *record_to_json(const void *item)
{
        const struct health_record *r = item;
        json_object *o = json_object_new_object();
        int k = o ? 0 : -ENOMEM;

        if (k >= 0)
                k = json_add(o, "condition", json_object_new_string(health_condition_to_string(r->condition)));
        if (k >= 0)
                k = json_add(o, "subject", json_object_new_string(r->subject));
        if (k >= 0 && r->name)
                k = json_add(o, "name", json_object_new_string(r->name));
        if (k >= 0 && r->detail)
                k = json_add(o, "detail", json_object_new_string(r->detail));
        if (k >= 0)
                k = json_add(o, "since", json_object_new_int64(r->since));
        if (k >= 0)
                k = json_add(o, "alerted_at", json_object_new_int64(r->alerted_at));
        if (k >= 0)
                k = json_add(o, "last_notified", json_object_new_int64(r->last_notified));
        if (k < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *health_state_to_json(const struct health_state *s)
{
        return json_state_document(HEALTH_STATE_VERSION, "conditions", s->records, s->n, sizeof(*s->records),
                                   record_to_json);
}

static int read_time(json_object *o, const char *path, const char *key, int64_t *out, char **error)
{
        long long v = 0;
        int k = json_read_int(o, path, key, true, &v, error);

        *out = v;
        if (k >= 0 && v < 0)
                return json_read_fail(error, path, "%s: must not be negative", key);
        return k;
}

static int record_from_json(json_object *o, const char *path, void *item, char **error)
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
                k = read_time(o, path, "since", &r->since, error);
        if (k >= 0)
                k = read_time(o, path, "alerted_at", &r->alerted_at, error);
        if (k >= 0)
                k = read_time(o, path, "last_notified", &r->last_notified, error);
        return k < 0 ? k : 0;
}

int health_state_from_json(json_object *root, struct health_state *s, char **error)
{
        void *records;
        int k;

        *s = (struct health_state) { 0 };
        k = json_state_read_document(root, HEALTH_STATE_VERSION, "conditions", sizeof(*s->records),
                                     record_from_json, &records, &s->n, error);
        s->records = records;
        s->cap = s->n;
        if (k < 0)
                health_state_clear(s);
        return k;
}

int health_state_save(const char *dir, const struct health_state *s)
{
        return json_state_save(dir, HEALTH_STATE_FILE, health_state_to_json(s));
}

static int parse_state(json_object *root, void *userdata, char **error)
{
        return health_state_from_json(root, userdata, error);
}

int health_state_load(const char *dir, struct health_state *s)
{
        health_state_clear(s);
        return json_state_load(dir, HEALTH_STATE_FILE, parse_state, s);
}
