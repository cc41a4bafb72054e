/* 0.1.0's alerts.json: the alert states, and the salt and generation the
 * event ids derive from (rules.h), which the store keeps in its alerts
 * table and meta now. */
#include "upgrade_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "util/json_read.h"

#define ALERTS_VERSION 1

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

int upgrade_read_alerts(json_object *root, struct rules_state *s, char **error)
{
        void *records;
        int k;

        *s = (struct rules_state) {};
        k = upgrade_read_document(root, ALERTS_VERSION, "alerts", sizeof(*s->records), record_from_json, &records,
                                  &s->n, error);
        s->records = records;
        s->cap = s->n;
        if (k >= 0)
                k = ids_from_json(root, s, error);
        if (k < 0)
                rules_state_clear(s);
        return k < 0 ? k : 0;
}

static int parse_alerts(json_object *root, void *userdata, char **error)
{
        return upgrade_read_alerts(root, userdata, error);
}

int upgrade_load_alerts(const char *dir, struct rules_state *s)
{
        rules_state_clear(s);
        return upgrade_load_json(dir, UPGRADE_ALERTS_FILE, parse_alerts, s);
}
