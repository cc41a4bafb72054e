/* Analyses → state.db, a window of them per transaction. */
#include "recorder.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "store/experiments.h"
#include "store/watchlist.h"
#include "util/log.h"

struct recorder {
        sd_event *event;
        struct store *store;
        void (*written)(void *userdata, int r);
        void *userdata;
        sd_event_source *timer;      /* ends the open window */
        size_t pending;              /* experiments written in the open transaction */
        int error;                   /* the first failed write of the window */
        char error_text[160];        /* SQLite's words for it (a rollback clears them) */
        int64_t pruned_at;           /* wall clock of the last prune that finished */
        bool prune_more;             /* the last prune deleted a full batch */
};

int recorder_new(sd_event *event, struct store *s, void (*written)(void *userdata, int r), void *userdata,
                 struct recorder **ret)
{
        struct recorder *r = calloc(1, sizeof(*r));

        if (!r)
                return -ENOMEM;
        *r = (struct recorder) { .event = event, .store = s, .written = written, .userdata = userdata };
        *ret = r;
        return 0;
}

void recorder_flush(struct recorder *r)
{
        int k;

        if (!r || r->pending == 0)
                return;
        r->timer = sd_event_source_disable_unref(r->timer);
        if (r->error < 0) {
                store_rollback(r->store);
                k = r->error;
        } else if ((k = store_commit(r->store)) < 0) {
                snprintf(r->error_text, sizeof(r->error_text), "%s", store_error(r->store));
        }
        if (k < 0)
                log_error("state.db: the history of %zu experiment%s is not recorded: %s", r->pending,
                          r->pending == 1 ? "" : "s", r->error_text);
        r->pending = 0;
        r->error = 0;
        if (r->written)
                r->written(r->userdata, k);
}

void recorder_free(struct recorder *r)
{
        if (!r)
                return;
        recorder_flush(r);
        free(r);
}

static int on_window_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        recorder_flush(userdata);
        return 0;
}

/* The first experiment of a window opens the transaction and the timer. */
static int open_window(struct recorder *r)
{
        uint64_t now = 0;
        int k = store_begin(r->store);

        if (k < 0)
                return k;
        sd_event_now(r->event, CLOCK_MONOTONIC, &now);
        if (sd_event_add_time(r->event, &r->timer, CLOCK_MONOTONIC, now + RECORDER_WINDOW_MSEC * 1000ULL, 0,
                              on_window_end, r) < 0)
                r->timer = NULL;   /* then RECORDER_MAX_PENDING or the cycle's end commits it */
        return 0;
}

void recorder_add(struct recorder *r, const struct watched_experiment *e)
{
        int k = 0;

        if (!r || !e)
                return;
        if (r->pending == 0 && (k = open_window(r)) < 0) {
                log_error("state.db: cannot start a transaction: %s", strerror(-k));
                if (r->written)
                        r->written(r->userdata, k);
                return;
        }
        r->pending++;
        if (r->error == 0)
                k = store_experiment_save(r->store, e, time(NULL));
        if (r->error == 0 && k >= 0)
                k = store_poll_record(r->store, e);
        if (r->error == 0 && k < 0) {
                r->error = k;
                snprintf(r->error_text, sizeof(r->error_text), "%s", store_error(r->store));
        }
        if (r->pending >= RECORDER_MAX_PENDING)
                recorder_flush(r);
}

void recorder_prune(struct recorder *r, uint64_t retention_usec, int64_t now)
{
        int64_t cutoff = now - (int64_t) (retention_usec / 1000000);
        int k;

        if (!r || retention_usec == 0 || r->pending > 0)
                return;
        /* A clock stepped back (now < pruned_at) makes it due, not stuck. */
        if (!r->prune_more && r->pruned_at > 0 && now >= r->pruned_at &&
            now - r->pruned_at < RECORDER_PRUNE_EVERY_SEC)
                return;
        k = store_begin(r->store);
        if (k >= 0)
                k = store_polls_prune(r->store, cutoff, RECORDER_PRUNE_BATCH);
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
