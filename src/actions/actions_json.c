/* The action ledger as 0.1.0 kept it in actions.json, read once by the
 * upgrade (the ledger itself is in state.db: actions_store.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "util/json_read.h"
#include "store/json_state_file.h"
#include "util/text_format.h"

#define ACTIONS_LEDGER_VERSION 1

static json_object *entry_to_json(const void *item)
{
        const struct action_entry *e = item;
        json_object *o = json_object_new_object();
        int k = o ? 0 : -ENOMEM;

        if (k >= 0)
                k = json_add(o, "rule", json_object_new_string(e->rule));
        if (k >= 0)
                k = json_add(o, "experiment_id", json_object_new_int64(e->experiment_id));
        if (k >= 0)
                k = json_add(o, "action", json_object_new_string(rule_action_to_string(e->action)));
        if (k >= 0 && e->variant_id)
                k = json_add(o, "variant_id", json_object_new_string(e->variant_id));
        if (k >= 0)
                k = json_add(o, "traffic_allocation", json_object_new_int(e->traffic_allocation));
        if (k >= 0)
                k = json_add(o, "state", json_object_new_string(action_entry_state_to_string(e->state)));
        if (k >= 0)
                k = json_add(o, "attempts", json_object_new_int64(e->attempts));
        if (k >= 0)
                k = json_add(o, "intended_at", json_object_new_int64(e->intended_at));
        if (k >= 0)
                k = json_add(o, "finished_at", json_object_new_int64(e->finished_at));
        if (k >= 0)
                k = json_add(o, "http_status", json_object_new_int(e->http_status));
        if (k >= 0 && *e->error)
                k = json_add(o, "error", json_object_new_string(e->error));
        if (k < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *actions_ledger_to_json(const struct action_ledger *l)
{
        json_object *root = json_state_document(ACTIONS_LEDGER_VERSION, "entries", l->entries, l->n,
                                                sizeof(*l->entries), entry_to_json);

        if (root && json_add(root, "circuit_open", json_object_new_boolean(l->circuit_open)) < 0) {
                json_object_put(root);
                return NULL;
        }
        return root;
}

/* A string field that must be one of the names (index = value). */
static int read_name(json_object *o, const char *path, const char *key, const char *(*name_of)(int),
                     int first, int count, int *out, char **error)
{
        char *text = NULL;
        int k = json_read_string(o, path, key, true, false, &text, error);

        for (int v = first; k >= 0 && v < count; v++)
                if (name_of(v) && strcmp(name_of(v), text) == 0) {
                        *out = v;
                        free(text);
                        return 0;
                }
        if (k >= 0)
                k = json_read_fail(error, path, "%s: unknown value '%s'", key, text);
        free(text);
        return k;
}

static const char *action_name(int v)
{
        return rule_action_to_string((enum rule_action) v);
}

static const char *state_name(int v)
{
        return action_entry_state_to_string((enum action_entry_state) v);
}

static int read_int64(json_object *o, const char *path, const char *key, int64_t *out, char **error)
{
        long long v = 0;
        int k = json_read_int(o, path, key, true, &v, error);

        *out = v;
        return k;
}

static int read_counts(json_object *o, const char *path, struct action_entry *e, char **error)
{
        long long attempts = 0, allocation = 0, status = 0;
        int k = json_read_int(o, path, "attempts", true, &attempts, error);

        if (k >= 0)
                k = json_read_int(o, path, "traffic_allocation", true, &allocation, error);
        if (k >= 0)
                k = json_read_int(o, path, "http_status", true, &status, error);
        if (k >= 0 && (attempts < 0 || attempts > 1000000 || allocation < 0 || allocation > 100 ||
                       status < 0 || status > 999))
                k = json_read_fail(error, path, "attempts, traffic_allocation or http_status out of range");
        e->attempts = (unsigned) attempts;
        e->traffic_allocation = (int) allocation;
        e->http_status = (int) status;
        return k;
}

static int entry_from_json(json_object *o, const char *path, void *item, char **error)
{
        struct action_entry *e = item;
        char *text = NULL;
        int action = 0, state = 0, k;

        if (!json_object_is_type(o, json_type_object))
                return json_read_fail(error, path, "expected an object");
        k = json_read_string(o, path, "rule", true, false, &e->rule, error);
        if (k >= 0)
                k = json_read_int(o, path, "experiment_id", true, &e->experiment_id, error);
        if (k >= 0)
                k = read_name(o, path, "action", action_name, RULE_ACTION_PAUSE, RULE_ACTION_SERVE_WINNER + 1,
                              &action, error);
        if (k >= 0)
                k = json_read_string(o, path, "variant_id", action == RULE_ACTION_SERVE_WINNER, true,
                                     &e->variant_id, error);
        if (k >= 0)
                k = read_name(o, path, "state", state_name, 0, ACTION_STATE_COUNT, &state, error);
        if (k >= 0)
                k = read_counts(o, path, e, error);
        if (k >= 0)
                k = read_int64(o, path, "intended_at", &e->intended_at, error);
        if (k >= 0)
                k = read_int64(o, path, "finished_at", &e->finished_at, error);
        if (k >= 0)
                k = json_read_string(o, path, "error", false, false, &text, error);
        e->action = (enum rule_action) action;
        e->state = (enum action_entry_state) state;
        snprintf(e->error, sizeof(e->error), "%s", text ? text : "");
        free(text);
        return k < 0 ? k : 0;
}

int actions_ledger_from_json(json_object *root, struct action_ledger *l, char **error)
{
        void *entries;
        int k;

        *l = (struct action_ledger) {};
        k = json_state_read_document(root, ACTIONS_LEDGER_VERSION, "entries", sizeof(*l->entries), entry_from_json,
                                     &entries, &l->n, error);
        l->entries = entries;
        l->cap = l->n;
        if (k >= 0)
                k = json_read_bool(root, "", "circuit_open", true, &l->circuit_open, error);
        if (k < 0)
                actions_ledger_clear(l);
        return k < 0 ? k : 0;
}

static int parse_ledger(json_object *root, void *userdata, char **error)
{
        return actions_ledger_from_json(root, userdata, error);
}

int actions_ledger_load_json(const char *dir, struct action_ledger *l)
{
        actions_ledger_clear(l);
        return json_state_load(dir, ACTIONS_LEDGER_FILE, parse_ledger, l);
}
