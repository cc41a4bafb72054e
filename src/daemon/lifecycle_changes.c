#include "lifecycle_changes.h"

#include <errno.h>
#include <stdlib.h>

static int by_id(const void *key, const void *item)
{
        long long a = *(const long long *) key, b = ((const struct listed_state *) item)->id;

        return a < b ? -1 : a > b;
}

const struct listed_state *listed_state_find(const struct listed_state *items, size_t n, long long id)
{
        /* bsearch must not be given a NULL array, even an empty one. */
        return n ? bsearch(&id, items, n, sizeof(*items), by_id) : NULL;
}

static bool add(struct lifecycle_change *out, size_t *n, enum lifecycle_event event, const struct listed_state *now,
                const struct listed_state *before)
{
        out[(*n)++] = (struct lifecycle_change) { .event = event, .now = now, .before = before };
        return true;
}

long lifecycle_changes(const struct listed_state *before, size_t n_before, const struct listed_state *now,
                       size_t n_now, struct lifecycle_change **ret)
{
        /* At most two per listed experiment (stopped and concluded at once), one per gone one. */
        struct lifecycle_change *out = calloc(2 * n_now + n_before + 1, sizeof(*out));
        bool *still = calloc(n_before + 1, sizeof(*still));
        size_t n = 0;

        if (!out || !still) {
                free(out);
                free(still);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_now; i++) {
                const struct listed_state *x = &now[i];
                const struct listed_state *was = listed_state_find(before, n_before, x->id);
                bool live = x->status == LISTED_LIVE, was_live = was && was->status == LISTED_LIVE;

                if (was)
                        still[was - before] = true;
                if (live && !was_live)
                        add(out, &n, LIFECYCLE_STARTED, x, was);
                if (was_live && !live)
                        add(out, &n, LIFECYCLE_STOPPED, x, was);
                if (was && !was->completed && x->completed)
                        add(out, &n, LIFECYCLE_CONCLUDED, x, was);
        }
        for (size_t i = 0; i < n_before; i++)
                if (!still[i])
                        add(out, &n, LIFECYCLE_DISAPPEARED, NULL, &before[i]);
        free(still);
        *ret = out;
        return (long) n;
}
