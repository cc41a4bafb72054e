/* Group commit: the daemon's writes to state.db share one transaction that
 * stays open for at most STORE_GROUP_WINDOW_MSEC (or until a writer ends it
 * sooner), so 10,000 analyses cost a few fsyncs, not 10,000.
 *
 * Every writer joins the open group before it writes (opening it when none
 * is), and nothing a write records may leave the process before the group
 * commits: the writers learn it from their listener's committed hook, and
 * only then send the delivery or the request. A transition and the outbox
 * rows it causes therefore commit together, or neither does, by
 * construction: there is no moment where one is durable without the other.
 *
 * Listeners (one per writer, registered once):
 *   before_commit  the group is about to commit: last writes that belong to
 *                  it (e.g. the notifications batched from its transitions);
 *   committed      r = 0: every write of the group is durable;
 *                  r < 0: the group was rolled back, none of it is stored
 *                  (the writer keeps its memory and writes again later).
 * A write that fails dooms the group (store_group_fail): it rolls back at
 * its end, and every listener hears the error. */
#pragma once
#include <stdbool.h>
#include <systemd/sd-event.h>

struct store;
struct store_group;

#define STORE_GROUP_WINDOW_MSEC 100
#define STORE_GROUP_MAX_LISTENERS 8

struct store_group_listener {
        void (*before_commit)(void *userdata);
        void (*committed)(void *userdata, int r);
        void *userdata;
};

/* event: the loop whose timer ends a window; NULL: a group lasts until
 * store_group_flush() (tests, one-shot tools). Returns 0 or -ENOMEM. */
int store_group_new(struct store *s, sd_event *event, struct store_group **ret);
/* Commits what is open (and what its committed hooks write), then frees g
 * (not the store). */
void store_group_free(struct store_group *g);
struct store *store_group_store(struct store_group *g);

/* Registers l (copied). Returns 0, or -ENOSPC beyond STORE_GROUP_MAX_LISTENERS. */
int store_group_listen(struct store_group *g, const struct store_group_listener *l);

/* Before a write: opens the group's transaction when none is open.
 * Returns 0, or the -errno of BEGIN (then nothing is open: the caller
 * treats its write as failed). */
int store_group_join(struct store_group *g);
/* A write of the open group failed with r (-errno): the group rolls back
 * at its end. The first failure's SQLite text is kept for the log. */
void store_group_fail(struct store_group *g, int r);
/* Ends the group now: before_commit hooks, COMMIT (ROLLBACK when doomed),
 * committed hooks. Returns 0 (also when nothing was open) or the -errno of
 * the group. */
int store_group_flush(struct store_group *g);
bool store_group_is_open(const struct store_group *g);
