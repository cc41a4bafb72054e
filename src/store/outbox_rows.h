/* The outbox table of state.db: queued deliveries, the only SQL that reads
 * or writes it. A row is one delivery of one notification to one notifier,
 * the record 0.1.0 kept as outbox/<notifier>.<id>.json; notify/ converts
 * between this plain row and its own entries.
 *
 * Order: rows come back in the order they were added (the table's seq), so
 * each notifier's deliveries read back oldest first, as they are sent.
 *
 * A row goes when its delivery got a 2xx or was given up: the store keeps
 * no given-up deliveries (0.1.0 moved them to outbox/failed/; the schema
 * has no such flag or table). The caller logs a given-up delivery, with
 * whatever it wants an operator to see, before it removes the row.
 *
 * None of these functions begins or commits: each runs in the caller's
 * transaction (store_begin, so that the rows a transition causes commit
 * with it), or on its own in autocommit mode — one fsync each — when there
 * is none. Strings are bound for the call only; nothing is kept. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct store;

struct store_delivery {
        const char *id;                 /* the event id, also the webhook-id header */
        const char *notifier;           /* the notifier's name in the config */
        const char *body;               /* the exact JSON POSTed */
        uint64_t created_at_usec;       /* µs since the epoch */
        uint64_t next_attempt_at_usec;  /* µs since the epoch; 0: due at once */
        unsigned attempts;
        const char *last_error;         /* NULL: none yet */
};

/* Queues d (at the end of the order). id, notifier and body must not be
 * NULL; times must fit an int64. Returns 0, -EEXIST when that notifier has
 * that id queued already (nothing changes), -EINVAL, -ERANGE, or the
 * -errno of the write (-ENOSPC, -EROFS, -EBUSY, ... see store_errno). */
int store_delivery_add(struct store *s, const struct store_delivery *d);

/* Records a failed attempt: attempts, when the next one is due, and the
 * last error (NULL clears it). The row keeps its place in the order.
 * Returns 0, -ENOENT when no such row is queued, -EINVAL, -ERANGE, or the
 * -errno of the write. */
int store_delivery_attempted(struct store *s, const char *notifier, const char *id, unsigned attempts,
                             uint64_t next_attempt_at_usec, const char *last_error);

/* Removes a delivery that was delivered or given up. A row that is not
 * there is no error. Returns 0, -EINVAL or the -errno of the write. */
int store_delivery_remove(struct store *s, const char *notifier, const char *id);

/* Calls fn for each queued delivery, all notifiers, in queue order (for
 * loading the queues at start). d and its strings are valid during the
 * call only. fn must not use s: the read is in progress. A non-zero return
 * of fn stops the walk and is returned; otherwise 0, -errno, or -EBADMSG
 * when rows it cannot read were skipped (fn has had the others). */
int store_deliveries_each(struct store *s, int (*fn)(void *userdata, const struct store_delivery *d),
                          void *userdata);

/* How many deliveries are queued for notifier, or for all when notifier
 * is NULL (status). Returns 0 with *ret set, or -errno. */
int store_deliveries_count(struct store *s, const char *notifier, size_t *ret);
