/* The digests' tables of state.db: the digests sent (once per scheduled
 * slot: the primary key makes a second one impossible), when each
 * digest's schedule was first run, and the log of alerts that fired or
 * resolved, which a digest summarises. Also each variant's counts at a
 * past time (the "then" of a digest's change since the previous one). The
 * only SQL on those tables. Each function runs in the caller's transaction
 * (the group commit: a digest's row commits with the outbox rows that
 * deliver it), or on its own in autocommit mode. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct store;

struct store_digest_row {
        const char *name;
        int64_t slot;                 /* the scheduled time; for an extra, when it was sent */
        bool extra;                   /* sent by hand (`digest NAME --send`), not the scheduled one */
        const char *id;               /* its event id */
        int64_t sent_at;
};

/* Records a digest sent. Returns 0, -EEXIST when that name × slot (× extra)
 * is recorded already (nothing changes), -EINVAL or -errno. */
int store_digest_add(struct store *s, const struct store_digest_row *row);

/* The latest scheduled (extra == false) digest of name: 1 with *slot, 0
 * when none was sent, or -errno. */
int store_digest_last(struct store *s, const char *name, int64_t *slot);

/* When name's schedule was first run: *armed_at is set to now and
 * recorded the first time, read back afterwards. 0 or -errno. */
int store_digest_armed(struct store *s, const char *name, int64_t now, int64_t *armed_at);

struct store_alert_log_row {
        int64_t at;
        const char *rule;
        long long experiment_id;
        const char *variant_id;       /* NULL or "" for an experiment-level rule, read back as NULL */
        bool resolved;                /* false: fired */
        bool held;                    /* its message was held back (silence, inhibition) */
};

/* Logs an alert that fired or resolved. 0, -EINVAL or -errno. */
int store_alert_log_add(struct store *s, const struct store_alert_log_row *row);

/* Calls fn for every entry logged at or after since, of experiment_id
 * (0: of every experiment), oldest first (see store_alerts_each for the
 * conventions). */
int store_alert_log_each(struct store *s, int64_t since, long long experiment_id,
                         int (*fn)(void *userdata, const struct store_alert_log_row *row), void *userdata);

/* Removes at most max_rows entries older than older_than: how many went,
 * or -errno. */
int store_alert_log_prune(struct store *s, int64_t older_than, int max_rows);

/* The counts of experiment id's variant at time at: its latest polls row
 * at or before at. 1 with *visitors and *conversions, 0 when it has no row
 * that old, or -errno. */
int store_variant_counts_at(struct store *s, long long id, const char *variant_id, int64_t at,
                            long long *visitors, long long *conversions);
