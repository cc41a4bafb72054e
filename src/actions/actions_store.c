/* The action ledger in state.db: its entries to and from the rows of the
 * actions table, its circuit flag in meta. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "store/action_rows.h"
#include "util/grow.h"

/* action_rows.h keeps the states in the order of enum action_entry_state:
 * the two convert by a cast. */
_Static_assert((int) STORE_ACTION_INTENDED == (int) ACTION_STATE_INTENDED &&
               (int) STORE_ACTION_DONE == (int) ACTION_STATE_DONE &&
               (int) STORE_ACTION_FAILED == (int) ACTION_STATE_FAILED &&
               (int) STORE_ACTION_DRY_RUN == (int) ACTION_STATE_DRY_RUN &&
               (int) STORE_ACTION_STATE_COUNT == (int) ACTION_STATE_COUNT,
               "enum store_action_state follows enum action_entry_state");

static int add_row(void *userdata, const struct store_action_row *row)
{
        struct action_ledger *l = userdata;
        struct action_entry *e = grow_array(l->entries, &l->cap, l->n, sizeof(*e));

        if (!e)
                return -ENOMEM;
        l->entries = e;
        e = &l->entries[l->n];
        *e = (struct action_entry) {
                .rule = strdup(row->rule), .experiment_id = row->experiment_id, .action = row->action,
                .variant_id = row->variant_id ? strdup(row->variant_id) : NULL,
                .traffic_allocation = row->traffic_allocation, .state = (enum action_entry_state) row->state,
                .attempts = row->attempts, .intended_at = row->intended_at, .finished_at = row->finished_at,
                .http_status = row->http_status,
        };
        snprintf(e->error, sizeof(e->error), "%s", row->error ? row->error : "");
        if (!e->rule || (row->variant_id && !e->variant_id)) {
                free(e->rule);
                free(e->variant_id);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

int actions_ledger_load(struct store *s, struct action_ledger *l)
{
        int r, k;

        actions_ledger_clear(l);
        r = store_actions_each(s, add_row, l);
        /* The flag even after a bad row: what can be read is kept. */
        k = store_actions_circuit_open_get(s, &l->circuit_open);
        return r < 0 ? r : k;
}

int actions_entry_save(struct store *s, const struct action_entry *e)
{
        const struct store_action_row row = {
                .rule = e->rule, .experiment_id = e->experiment_id, .action = e->action,
                .variant_id = e->variant_id, .traffic_allocation = e->traffic_allocation,
                .state = (enum store_action_state) e->state, .attempts = e->attempts,
                .intended_at = e->intended_at, .finished_at = e->finished_at, .http_status = e->http_status,
                .error = e->error,
        };

        return store_action_upsert(s, &row);
}

int actions_ledger_save(struct store *s, const struct action_ledger *l)
{
        int r = 0;

        /* A rule × experiment has one row: its dry-run entry (the only one
         * that may share the key) is written first, so the real one wins. */
        for (size_t i = 0; i < l->n && r >= 0; i++)
                if (l->entries[i].state == ACTION_STATE_DRY_RUN)
                        r = actions_entry_save(s, &l->entries[i]);
        for (size_t i = 0; i < l->n && r >= 0; i++)
                if (l->entries[i].state != ACTION_STATE_DRY_RUN)
                        r = actions_entry_save(s, &l->entries[i]);
        if (r >= 0)
                r = store_actions_circuit_open_set(s, l->circuit_open);
        return r;
}
