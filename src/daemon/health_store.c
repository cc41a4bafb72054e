/* The health records in state.db, so that a restart neither re-sends a
 * health alert nor forgets how long a condition has held. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "store/health_rows.h"
#include "util/grow.h"

static char *copy_or_null(const char *text, bool *failed)
{
        char *copy = text ? strdup(text) : NULL;

        if (text && !copy)
                *failed = true;
        return copy;
}

static int add_row(void *userdata, const struct store_health_row *row)
{
        struct health_state *s = userdata;
        struct health_record *records = grow_array(s->records, &s->cap, s->n, sizeof(*s->records));
        struct health_record *r;
        bool failed = false;

        if (!records)
                return -ENOMEM;
        s->records = records;
        r = &s->records[s->n];
        /* The same enum in the same order (the _Static_assert of health.c). */
        *r = (struct health_record) {
                .condition = (enum health_condition) row->condition,
                .subject = copy_or_null(row->subject ? row->subject : "", &failed),
                .name = copy_or_null(row->name, &failed),
                .detail = copy_or_null(row->detail, &failed),
                .since = row->since, .alerted_at = row->alerted_at, .last_notified = row->last_notified,
        };
        if (failed) {
                free(r->subject);
                free(r->name);
                free(r->detail);
                return -ENOMEM;
        }
        s->n++;
        return 0;
}

int health_state_load(struct store *store, struct health_state *s)
{
        int r;

        health_state_clear(s);
        r = store_health_each(store, add_row, s);
        if (r < 0 && r != -EBADMSG)
                health_state_clear(s);
        return r;
}

int health_state_save(struct store *store, const struct health_state *s)
{
        /* The whole set, not the changes: a group that was rolled back is
         * made good by the next save, with no record of what it held. */
        int r = store_health_delete_all(store);

        for (size_t i = 0; i < s->n && r >= 0; i++) {
                const struct health_record *rec = &s->records[i];
                const struct store_health_row row = {
                        .condition = (enum store_health_condition) rec->condition,
                        .subject = rec->subject, .name = rec->name, .detail = rec->detail,
                        .since = rec->since, .alerted_at = rec->alerted_at, .last_notified = rec->last_notified,
                };

                r = store_health_upsert(store, &row);
        }
        return r < 0 ? r : 0;
}
