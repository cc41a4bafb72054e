/* One transaction shared by the writes of a short window. */
#include "group_commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "util/log.h"

struct store_group {
        struct store *store;
        sd_event *event;
        sd_event_source *timer;      /* ends the open window */
        bool open, flushing;
        int error;                   /* the first failed write of the window */
        char error_text[160];        /* SQLite's words for it (a rollback clears them) */
        struct store_group_listener listeners[STORE_GROUP_MAX_LISTENERS];
        size_t n_listeners;
};

int store_group_new(struct store *s, sd_event *event, struct store_group **ret)
{
        struct store_group *g = calloc(1, sizeof(*g));

        if (!g)
                return -ENOMEM;
        g->store = s;
        g->event = event ? sd_event_ref(event) : NULL;
        *ret = g;
        return 0;
}

void store_group_free(struct store_group *g)
{
        if (!g)
                return;
        /* A committed hook may write (e.g. an action concluded because its
         * intent was rolled back): that opens a group, committed here too. */
        for (int i = 0; i < 3 && g->open; i++)
                (void) store_group_flush(g);
        sd_event_source_disable_unref(g->timer);
        sd_event_unref(g->event);
        free(g);
}

struct store *store_group_store(struct store_group *g)
{
        return g->store;
}

bool store_group_is_open(const struct store_group *g)
{
        return g && g->open;
}

int store_group_listen(struct store_group *g, const struct store_group_listener *l)
{
        if (g->n_listeners >= STORE_GROUP_MAX_LISTENERS)
                return -ENOSPC;
        g->listeners[g->n_listeners++] = *l;
        return 0;
}

static int on_window_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void) store_group_flush(userdata);
        return 0;
}

static void arm_timer(struct store_group *g)
{
        uint64_t now = 0;

        if (!g->event)
                return;
        sd_event_now(g->event, CLOCK_MONOTONIC, &now);
        if (sd_event_add_time(g->event, &g->timer, CLOCK_MONOTONIC, now + STORE_GROUP_WINDOW_MSEC * 1000ULL, 0,
                              on_window_end, g) < 0)
                g->timer = NULL;   /* then the writers' own flushes end it */
}

int store_group_join(struct store_group *g)
{
        int r;

        if (g->open)
                return 0;
        r = store_begin(g->store);
        if (r < 0) {
                log_error("state.db: cannot start a transaction: %s", store_error(g->store));
                return r;
        }
        g->open = true;
        arm_timer(g);
        return 0;
}

void store_group_fail(struct store_group *g, int r)
{
        if (!g->open || g->error < 0 || r >= 0)
                return;
        g->error = r;
        snprintf(g->error_text, sizeof(g->error_text), "%s", store_failure(g->store));
}

static int end_transaction(struct store_group *g)
{
        int r;

        if (g->error < 0) {
                store_rollback(g->store);
                return g->error;
        }
        r = store_commit(g->store);
        if (r < 0)
                snprintf(g->error_text, sizeof(g->error_text), "%s", store_commit_error(g->store));
        return r;
}

int store_group_flush(struct store_group *g)
{
        int r;

        if (!g || !g->open || g->flushing)
                return 0;
        g->flushing = true;
        for (size_t i = 0; i < g->n_listeners; i++)
                if (g->listeners[i].before_commit)
                        g->listeners[i].before_commit(g->listeners[i].userdata);
        g->timer = sd_event_source_disable_unref(g->timer);
        r = end_transaction(g);
        if (r < 0)
                log_error("state.db: a transaction failed and was rolled back: %s (%s)", g->error_text,
                          strerror(-r));
        g->open = false;
        g->error = 0;
        g->flushing = false;
        /* Closed before the hooks: a write they cause opens a new group. */
        for (size_t i = 0; i < g->n_listeners; i++)
                if (g->listeners[i].committed)
                        g->listeners[i].committed(g->listeners[i].userdata, r);
        return r;
}
