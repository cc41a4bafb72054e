/* The alert states in state.db, so that a restart or a reload neither
 * re-sends a firing alert nor forgets a pending one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "store/alert_rows.h"
#include "store/meta.h"
#include "util/grow.h"

static int add_row(void *userdata, const struct store_alert_row *row)
{
        struct rules_state *s = userdata;
        struct alert_record *r = grow_array(s->records, &s->cap, s->n, sizeof(*r));

        if (!r)
                return -ENOMEM;
        s->records = r;
        r = &s->records[s->n];
        *r = (struct alert_record) {
                .rule = strdup(row->rule), .experiment_id = row->experiment_id,
                .variant_id = strdup(row->variant_id ? row->variant_id : ""),
                .state = row->state == STORE_ALERT_FIRING ? ALERT_FIRING : ALERT_PENDING,
                .active_since = row->active_since, .fired_at = row->fired_at, .last_notified = row->last_notified,
                .held = row->held,
        };
        if (!r->rule || !r->variant_id) {
                free(r->rule);
                free(r->variant_id);
                return -ENOMEM;
        }
        s->n++;
        return 0;
}

int rules_state_load(struct store *store, struct rules_state *s)
{
        int r;

        int unreadable;

        rules_state_clear(s);
        r = store_alerts_each(store, add_row, s);
        unreadable = r == -EBADMSG ? r : 0;   /* the rows that can be read are kept */
        if (r >= 0 || unreadable)
                r = store_salt_get(store, s->salt);
        if (r >= 0)
                r = store_generation_get(store, &s->generation);
        if (r < 0)
                rules_state_clear(s);
        return r < 0 ? r : unreadable;
}

static int save_record(struct store *store, const struct alert_record *rec)
{
        const struct store_alert_row row = {
                .rule = rec->rule, .experiment_id = rec->experiment_id, .variant_id = rec->variant_id,
                .state = rec->state == ALERT_FIRING ? STORE_ALERT_FIRING : STORE_ALERT_PENDING,
                .active_since = rec->active_since, .fired_at = rec->fired_at, .last_notified = rec->last_notified,
                .held = rec->held,
        };

        return store_alert_upsert(store, &row);
}

int rules_state_save_experiment(struct store *store, const struct rules_state *s, long long experiment_id)
{
        int r = store_alerts_delete_experiment(store, experiment_id);

        for (size_t i = 0; i < s->n && r >= 0; i++)
                if (s->records[i].experiment_id == experiment_id)
                        r = save_record(store, &s->records[i]);
        return r < 0 ? r : 0;
}

int rules_state_save(struct store *store, const struct rules_state *s)
{
        int r = store_alerts_delete_all(store);

        for (size_t i = 0; i < s->n && r >= 0; i++)
                r = save_record(store, &s->records[i]);
        /* No salt yet: the daemon picks one at start and saves it then. */
        if (r >= 0 && s->salt[0])
                r = store_salt_set(store, s->salt);
        if (r >= 0)
                r = store_generation_set(store, s->generation);
        return r < 0 ? r : 0;
}
