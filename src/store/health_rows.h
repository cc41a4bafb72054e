/* The health table of state.db: the monitor's own health conditions (what
 * 0.1.0 kept in health.json), the only SQL that reads or writes it. One
 * row per condition × subject; daemon/ converts between its struct
 * health_record and this plain row.
 *
 * The subject of a daemon-wide condition is stored as '' (the schema's key
 * has no NULL): NULL and "" name the same row when written, and it is read
 * back as "", as health_record has it.
 *
 * None of these functions begins or commits: each runs in the caller's
 * transaction (store_begin ... store_commit: group commit, a cycle's
 * conditions and the outbox rows they cause in one), or on its own in
 * autocommit mode — one fsync each — when there is none. Strings are
 * bound for the call only; nothing is kept. */
#pragma once
#include <stdint.h>

struct store;

/* The values of enum health_condition (daemon/health.h), in its order;
 * stored as the names health.json uses (and the metrics label). */
enum store_health_condition {
        STORE_HEALTH_API_KEY_REJECTED,      /* "api_key_rejected" */
        STORE_HEALTH_API_FAILING,           /* "api_failing" */
        STORE_HEALTH_EXPERIMENT_FAILING,    /* "experiment_failing" */
        STORE_HEALTH_DELIVERY_FAILING,      /* "delivery_failing" */
        STORE_HEALTH_STATE_NOT_WRITABLE,    /* "state_not_writable" */
        STORE_HEALTH_EXPERIMENT_STALLED,    /* "experiment_stalled" */
        STORE_HEALTH_CONDITION_COUNT
};

struct store_health_row {
        enum store_health_condition condition;
        const char *subject;          /* NULL or "" for a daemon-wide condition */
        const char *name;             /* the experiment's name, or NULL */
        const char *detail;           /* the latest reason (never a secret), or NULL */
        int64_t since;                /* wall-clock seconds: the condition has held since */
        int64_t alerted_at;           /* 0 while not yet notified */
        int64_t last_notified;        /* the ALERT or the latest REPEAT */
};

/* The stored name of a condition; NULL for another value. */
const char *store_health_condition_to_string(enum store_health_condition condition);

/* Writes row, replacing the row of the same condition × subject. Returns
 * 0, -EINVAL (an unknown condition), or the -errno of the write (-ENOSPC,
 * -EROFS, -EBUSY, ... see store_errno). */
int store_health_upsert(struct store *s, const struct store_health_row *row);

/* Removes the row of condition × subject (NULL or "": the daemon-wide
 * one). Returns 1 when it was there, 0 when it was not, or -errno. */
int store_health_delete(struct store *s, enum store_health_condition condition, const char *subject);

/* Removes every row (the daemon rewrites its whole set each cycle).
 * Returns how many went, or -errno. */
int store_health_delete_all(struct store *s);

/* Calls fn for every row, in key order: the condition's name, then the
 * subject (as bytes, so "" first). row and its strings are valid during
 * the call only; fn must not use s (the read is in progress). A non-zero
 * return of fn stops the walk and is returned. A row this program cannot
 * read (a condition it does not know, a NULL where a value must be) is
 * passed over, not a reason to lose the rows after it: the walk goes on,
 * and returns -EBADMSG at its end. Otherwise 0, or -errno. */
int store_health_each(struct store *s, int (*fn)(void *userdata, const struct store_health_row *row),
                      void *userdata);
