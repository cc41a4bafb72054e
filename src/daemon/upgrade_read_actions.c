/* 0.1.0's actions.json: the action ledger and its circuit flag
 * (actions.h), which the store keeps in its actions table and meta now. */
#include "upgrade_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/actions.h"
#include "util/json_read.h"

#define ACTIONS_VERSION 1

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

int upgrade_read_actions(json_object *root, struct action_ledger *l, char **error)
{
        void *entries;
        int k;

        *l = (struct action_ledger) {};
        k = upgrade_read_document(root, ACTIONS_VERSION, "entries", sizeof(*l->entries), entry_from_json, &entries,
                                  &l->n, error);
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
        return upgrade_read_actions(root, userdata, error);
}

int upgrade_load_actions(const char *dir, struct action_ledger *l)
{
        actions_ledger_clear(l);
        return upgrade_load_json(dir, UPGRADE_ACTIONS_FILE, parse_ledger, l);
}
