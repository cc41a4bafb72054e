#include "history_read.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "store/db.h"
#include "store/experiments.h"
#include "store/watchlist.h"

/* The variants as the daemon's last analysis listed them (order, names,
 * control): the polls rows carry only ids and counts. */
static int declare_variants(struct history_series *s, const struct watched_experiment *e)
{
        json_object *a = e && e->restored_analysis ? json_tokener_parse(e->restored_analysis) : NULL;
        json_object *list, *v, *field;
        int r = 0;

        if (!json_object_object_get_ex(a, "variants", &list) || !json_object_is_type(list, json_type_array)) {
                json_object_put(a);
                return 0;
        }
        for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
                v = json_object_array_get_idx(list, i);
                if (!json_object_object_get_ex(v, "variant_id", &field) || !json_object_is_type(field, json_type_string))
                        continue;
                const char *id = json_object_get_string(field);
                const char *name = json_object_object_get_ex(v, "name", &field) &&
                                   json_object_is_type(field, json_type_string) ? json_object_get_string(field) : NULL;
                bool control = json_object_object_get_ex(v, "control", &field) && json_object_get_boolean(field);
                r = history_series_declare(s, id, name, control);
        }
        json_object_put(a);
        return r;
}

static int add_row(void *userdata, const struct store_poll *row)
{
        return history_series_add_row(userdata, row->polled_at, row->variant_id, row->visitors, row->conversions);
}

int history_read(struct store *store, const struct statistics_settings *settings, long long id,
                       struct history_series *s)
{
        return history_read_analysis(store, settings, id, s, NULL);
}

int history_read_analysis(struct store *store, const struct statistics_settings *settings, long long id,
                          struct history_series *s, char **analysis)
{
        struct watchlist w = { 0 };
        int r = store_watchlist_load(store, &w, NULL);   /* one analysis is recomputed, not all */
        struct watched_experiment *e = r >= 0 ? watchlist_find(&w, id) : NULL;

        if (e)
                r = store_experiment_restore(store, e, settings);
        if (r >= 0) {
                r = history_series_init(s, id, e ? e->name : NULL);
                if (r >= 0)
                        r = declare_variants(s, e);
        }
        if (analysis) {
                *analysis = r >= 0 && e ? e->restored_analysis : NULL;
                if (*analysis)
                        e->restored_analysis = NULL;   /* taken */
        }
        watchlist_clear(&w);
        if (r >= 0)
                r = store_polls_each(store, id, NULL, 0, add_row, s);
        return r;
}
