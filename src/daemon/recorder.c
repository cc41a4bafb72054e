/* Analyses → state.db, a window of them per transaction. */
#include "recorder.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "store/digest_rows.h"
#include "store/experiments.h"
#include "store/group_commit.h"
#include "store/watchlist.h"
#include "util/log.h"

struct recorder {
        struct store_group *group;
        struct store *store;
        size_t pending;              /* experiments written in the open group */
        int64_t pruned_at;           /* wall clock of the last prune that finished */
        bool prune_more;             /* the last prune deleted a full batch */
};

int recorder_new(struct store_group *g, struct recorder **ret)
{
        struct recorder *r = calloc(1, sizeof(*r));

        if (!r)
                return -ENOMEM;
        *r = (struct recorder) { .group = g, .store = store_group_store(g) };
        *ret = r;
        return 0;
}

void recorder_free(struct recorder *r)
{
        free(r);
}

void recorder_add(struct recorder *r, const struct watched_experiment *e)
{
        int k;

        if (!r || !e)
                return;
        if (!store_group_is_open(r->group))
                r->pending = 0;
        if (store_group_join(r->group) < 0)
                return;   /* logged; the next poll records it */
        r->pending++;
        k = store_experiment_save(r->store, e, time(NULL));
        if (k >= 0)
                k = store_poll_record(r->store, e);
        if (k < 0)
                store_group_fail(r->group, k);
        if (r->pending >= RECORDER_MAX_PENDING) {
                (void) store_group_flush(r->group);
                r->pending = 0;
        }
}

void recorder_prune(struct recorder *r, uint64_t retention_usec, int64_t now)
{
        int64_t cutoff = now - (int64_t) (retention_usec / 1000000);
        int k;

        if (!r || retention_usec == 0)
                return;
        /* A clock stepped back (now < pruned_at) makes it due, not stuck. */
        if (!r->prune_more && r->pruned_at > 0 && now >= r->pruned_at &&
            now - r->pruned_at < RECORDER_PRUNE_EVERY_SEC)
                return;
        (void) store_group_flush(r->group);   /* a transaction of its own */
        k = store_begin(r->store);
        if (k >= 0)
                k = store_polls_prune(r->store, cutoff, RECORDER_PRUNE_BATCH);
        /* The alert log digests read goes with the history it belongs to. */
        if (k >= 0) {
                int logged = store_alert_log_prune(r->store, cutoff, RECORDER_PRUNE_BATCH);
                k = logged < 0 ? logged : k > logged ? k : logged;
        }
        if (k >= 0) {
                int c = store_commit(r->store);
                k = c < 0 ? c : k;
        } else {
                store_rollback(r->store);
        }
        if (k < 0) {
                log_error("state.db: cannot prune the poll history: %s", strerror(-k));
                r->prune_more = false;
                r->pruned_at = now;   /* tried again in an hour */
                return;
        }
        if (k > 0)
                log_info("state.db: %d poll history row%s older than the retention pruned", k, k == 1 ? "" : "s");
        r->prune_more = k == RECORDER_PRUNE_BATCH;
        if (!r->prune_more)
                r->pruned_at = now;
}
