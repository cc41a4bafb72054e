/* The listed table of state.db: the experiment list as the last complete
 * discovery saw it, which lifecycle notices compare the next one with. The
 * only SQL on that table. Each function runs in the caller's transaction
 * (the group commit), or on its own in autocommit mode. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct store;

struct store_listed_row {
        long long experiment_id;
        const char *name;             /* may be NULL */
        int status;                   /* 9 draft, 1 live, 0 inactive, -1 unknown */
        bool completed;               /* is_completed */
        int64_t live_since;           /* when it last became live; 0: not live */
};

/* Writes row, replacing the one of the same experiment. 0 or -errno. */
int store_listed_upsert(struct store *s, const struct store_listed_row *row);
/* Removes the row of an experiment gone from the list. 0 or -errno. */
int store_listed_delete(struct store *s, long long experiment_id);
/* The row of one experiment, its name left NULL: 1 with *ret, 0 when
 * there is none, or -errno. */
int store_listed_get(struct store *s, long long experiment_id, struct store_listed_row *ret);
/* Calls fn for every row in experiment_id order (see store_alerts_each
 * for the conventions). */
int store_listed_each(struct store *s, int (*fn)(void *userdata, const struct store_listed_row *row), void *userdata);
