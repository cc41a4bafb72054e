/* Lifecycle changes (pure): the experiment list of this discovery against
 * the previous one — started (newly listed live, or resumed), stopped
 * (left live), concluded (is_completed became 1), disappeared (gone from
 * the list). Whether a stop was this daemon's own pause is the caller's
 * question (the action ledger). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"   /* enum lifecycle_event */

#define LISTED_LIVE 1        /* the API's status of a live experiment */

struct listed_state {
        long long id;
        const char *name;            /* borrowed; may be NULL */
        int status;                  /* 9 draft, 1 live, 0 inactive */
        bool completed;
};

struct lifecycle_change {
        enum lifecycle_event event;
        const struct listed_state *now;      /* NULL for disappeared */
        const struct listed_state *before;   /* NULL for a new experiment */
};

/* The state of experiment id in items (n, sorted by id), or NULL. */
const struct listed_state *listed_state_find(const struct listed_state *items, size_t n, long long id);

/* The changes from before (n_before, sorted by id) to now (n_now, any
 * order), in now's order then the disappeared in id order; *ret is
 * malloc'd (free it), pointing into before and now. Returns how many, or
 * -ENOMEM. */
long lifecycle_changes(const struct listed_state *before, size_t n_before, const struct listed_state *now,
                       size_t n_now, struct lifecycle_change **ret);
