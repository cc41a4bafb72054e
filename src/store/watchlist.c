#include "watchlist.h"

#include "stats/analysis.h"
#include "stats/analysis_summary.h"

#include <stdlib.h>
#include <string.h>

/* Index of id, or of where it would be inserted. */
static size_t lower_bound(const struct watchlist *w, long long id)
{
        size_t lo = 0, hi = w->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (w->items[mid]->id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

struct watched_experiment *watchlist_find(const struct watchlist *w, long long id)
{
        size_t i = lower_bound(w, id);

        return i < w->n && w->items[i]->id == id ? w->items[i] : NULL;
}

struct watched_experiment *watchlist_get(struct watchlist *w, long long id)
{
        size_t i = lower_bound(w, id);
        struct watched_experiment *e;

        if (i < w->n && w->items[i]->id == id)
                return w->items[i];
        if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                struct watched_experiment **items = realloc(w->items, cap * sizeof(*items));
                if (!items)
                        return NULL;
                w->items = items;
                w->cap = cap;
        }
        e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->id = id;
        e->visitors = -1;
        e->visitors_week_ago = -1;
        memmove(w->items + i + 1, w->items + i, (w->n - i) * sizeof(*w->items));
        w->items[i] = e;
        w->n++;
        return e;
}

size_t watchlist_count_active(const struct watchlist *w)
{
        size_t n = 0;

        for (size_t i = 0; i < w->n; i++)
                n += w->items[i]->active;
        return n;
}

static void replace_string(char **slot, const char *value)
{
        char *copy = value ? strdup(value) : NULL;

        /* On allocation failure the old value stays: stale beats missing. */
        if (value && !copy)
                return;
        free(*slot);
        *slot = copy;
}

void watchlist_set_name(struct watched_experiment *e, const char *name)
{
        if (!e->name || !name || strcmp(e->name, name) != 0)
                replace_string(&e->name, name);
}

void watchlist_set_error(struct watched_experiment *e, const char *error)
{
        replace_string(&e->last_error, error);
}

void watchlist_drop_current(struct watched_experiment *e)
{
        experiment_analysis_free(e->current);
        free(e->current);
        e->current = NULL;
}

void watchlist_set_current(struct watched_experiment *e, struct experiment_analysis *a)
{
        watchlist_drop_current(e);
        e->current = a;
        free(e->restored_analysis);
        e->restored_analysis = NULL;
}

void watchlist_drop_sequential(struct watched_experiment *e)
{
        if (e->sequential)
                sequential_state_free(e->sequential);
        free(e->sequential);
        e->sequential = NULL;
        free(e->sequential_error);
        e->sequential_error = NULL;
}

void watchlist_clear(struct watchlist *w)
{
        for (size_t i = 0; i < w->n; i++) {
                struct watched_experiment *e = w->items[i];
                watchlist_drop_sequential(e);
                watchlist_set_current(e, NULL);
                analysis_summary_free(e->last);
                free(e->name);
                free(e->last_error);
                free(e);
        }
        free(w->items);
        *w = (struct watchlist) { 0 };
}
