/* The alert states as JSON: `status --json` prints them, and the upgrade
 * reads the alerts.json of 0.1.0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_read.h"
#include "store/json_state_file.h"
#include "util/text_format.h"
#include "rules.h"

#define RULES_STATE_VERSION 1

static const char *const state_names[] = { [ALERT_PENDING] = "pending", [ALERT_FIRING] = "firing" };

static json_object *record_to_json(const void *item)
{
        const struct alert_record *r = item;
        json_object *o = json_object_new_object();
        int k = o ? 0 : -ENOMEM;

        if (k >= 0)
                k = json_add(o, "rule", json_object_new_string(r->rule));
        if (k >= 0)
                k = json_add(o, "experiment_id", json_object_new_int64(r->experiment_id));
        if (k >= 0)
                k = json_add(o, "variant_id", json_object_new_string(r->variant_id));
        if (k >= 0)
                k = json_add(o, "state", json_object_new_string(state_names[r->state]));
        if (k >= 0)
                k = json_add(o, "active_since", json_object_new_int64(r->active_since));
        if (k >= 0)
                k = json_add(o, "fired_at", json_object_new_int64(r->fired_at));
        if (k >= 0)
                k = json_add(o, "last_notified", json_object_new_int64(r->last_notified));
        if (k < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *rules_state_to_json(const struct rules_state *s)
{
        json_object *root = json_state_document(RULES_STATE_VERSION, "alerts", s->records, s->n,
                                                sizeof(*s->records), record_to_json);

        if (root && (json_add(root, "generation", json_object_new_int64((int64_t) s->generation)) < 0 ||
                     json_add(root, "salt", json_object_new_string(s->salt)) < 0)) {
                json_object_put(root);
                return NULL;
        }
        return root;
}

/* Optional: files written before ids were derived have neither. */
static int ids_from_json(json_object *root, struct rules_state *s, char **error)
{
        long long generation = 0;
        char *salt = NULL;
        int k = json_read_int(root, "", "generation", false, &generation, error);

        if (k >= 0)
                k = json_read_string(root, "", "salt", false, false, &salt, error);
        if (k >= 0 && salt && strlen(salt) >= sizeof(s->salt))
                k = json_read_fail(error, "", "salt: longer than %zu characters", sizeof(s->salt) - 1);
        if (k >= 0) {
                s->generation = generation < 0 ? 0 : (uint64_t) generation;
                snprintf(s->salt, sizeof(s->salt), "%s", salt ? salt : "");
        }
        free(salt);
        return k < 0 ? k : 0;
}

static int read_time(json_object *o, const char *path, const char *key, int64_t *out, char **error)
{
        long long v = 0;
        int k = json_read_int(o, path, key, true, &v, error);

        *out = v;
        return k;
}

static int record_from_json(json_object *o, const char *path, void *item, char **error)
{
        struct alert_record *r = item;
        char *state = NULL;
        int k;

        if (!json_object_is_type(o, json_type_object))
                return json_read_fail(error, path, "expected an object");
        k = json_read_string(o, path, "rule", true, false, &r->rule, error);
        if (k >= 0)
                k = json_read_int(o, path, "experiment_id", true, &r->experiment_id, error);
        if (k >= 0)
                k = json_read_string(o, path, "variant_id", true, true, &r->variant_id, error);
        if (k >= 0)
                k = json_read_string(o, path, "state", true, false, &state, error);
        if (k >= 0 && strcmp(state, "pending") != 0 && strcmp(state, "firing") != 0)
                k = json_read_fail(error, path, "state: expected \"pending\" or \"firing\"");
        if (k >= 0)
                r->state = strcmp(state, "firing") == 0 ? ALERT_FIRING : ALERT_PENDING;
        if (k >= 0)
                k = read_time(o, path, "active_since", &r->active_since, error);
        if (k >= 0)
                k = read_time(o, path, "fired_at", &r->fired_at, error);
        if (k >= 0)
                k = read_time(o, path, "last_notified", &r->last_notified, error);
        free(state);
        return k < 0 ? k : 0;
}

int rules_state_from_json(json_object *root, struct rules_state *s, char **error)
{
        void *records;
        int k;

        *s = (struct rules_state) {};
        k = json_state_read_document(root, RULES_STATE_VERSION, "alerts", sizeof(*s->records), record_from_json,
                                     &records, &s->n, error);
        s->records = records;
        s->cap = s->n;
        if (k >= 0)
                k = ids_from_json(root, s, error);
        if (k < 0)
                rules_state_clear(s);
        return k < 0 ? k : 0;
}

static int parse_state(json_object *root, void *userdata, char **error)
{
        return rules_state_from_json(root, userdata, error);
}

int rules_state_load_json(const char *dir, struct rules_state *s)
{
        rules_state_clear(s);
        return json_state_load(dir, RULES_STATE_FILE, parse_state, s);
}
