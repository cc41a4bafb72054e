#include "silences.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/silence_rows.h"
#include "util/grow.h"

void silences_clear(struct silences *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i].rule);
                free(s->items[i].variant_id);
        }
        free(s->items);
        *s = (struct silences) { 0 };
}

static bool matches(const struct silence *x, const char *rule, long long experiment_id, const char *variant_id)
{
        return (x->experiment_id == 0 || x->experiment_id == experiment_id) &&
               (!x->rule || strcmp(x->rule, rule) == 0) &&
               (!x->variant_id || strcmp(x->variant_id, variant_id ? variant_id : "") == 0);
}

const struct silence *silences_match(const struct silences *s, const char *rule, long long experiment_id,
                                     const char *variant_id, int64_t now, bool for_actions)
{
        for (size_t i = 0; s && i < s->n; i++) {
                const struct silence *x = &s->items[i];

                if (x->starts_at <= now && now < x->ends_at && (!for_actions || x->actions) &&
                    matches(x, rule, experiment_id, variant_id))
                        return x;
        }
        return NULL;
}

static int add_row(void *userdata, const struct store_silence_row *row)
{
        struct silences *s = userdata;
        struct silence *x = grow_array(s->items, &s->cap, s->n, sizeof(*x));

        if (!x)
                return -ENOMEM;
        s->items = x;
        x = &s->items[s->n];
        *x = (struct silence) {
                .id = row->id, .experiment_id = row->experiment_id,
                .starts_at = row->starts_at, .ends_at = row->expired_at ? row->expired_at : row->ends_at,
                .actions = row->actions,
        };
        if ((row->rule && !(x->rule = strdup(row->rule))) || (row->variant_id && !(x->variant_id = strdup(row->variant_id)))) {
                free(x->rule);
                return -ENOMEM;
        }
        s->n++;
        return 0;
}

int silences_load(struct store *store, int64_t now, struct silences *s)
{
        struct silences fresh = { 0 };
        int r = store_silences_each(store, now, false, add_row, &fresh);

        if (r < 0 && r != -EBADMSG) {
                silences_clear(&fresh);
                return r;
        }
        silences_clear(s);
        *s = fresh;
        return 0;
}
