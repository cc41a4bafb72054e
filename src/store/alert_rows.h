/* The alerts table of state.db: the alert state machine's records (what
 * 0.1.0 kept in alerts.json), the only SQL that reads or writes it. One
 * row per rule × experiment × variant; rules/ converts between its struct
 * alert_record and this plain row. The salt and generation that 0.1.0 kept
 * in alerts.json too are meta values (meta.h).
 *
 * The variant of an experiment-level rule is stored as '' (the schema's
 * key has no NULL): NULL and "" name the same row when written, and it is
 * read back as "", as alert_record has it.
 *
 * None of these functions begins or commits: each runs in the caller's
 * transaction (store_begin ... store_commit: group commit, many
 * experiments' alerts and the outbox rows they cause in one), or on its
 * own in autocommit mode — one fsync each — when there is none. Strings
 * are bound for the call only; nothing is kept. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The values of enum alert_state (rules.h), in its order; stored as the
 * text alerts.json uses: 'pending', 'firing'. */
enum store_alert_state { STORE_ALERT_PENDING, STORE_ALERT_FIRING };

struct store_alert_row {
        const char *rule;             /* the rule's name, not NULL */
        long long experiment_id;
        const char *variant_id;       /* NULL or "" for an experiment-level rule */
        enum store_alert_state state;
        int64_t active_since;         /* wall-clock seconds: the condition has held since */
        int64_t fired_at;             /* 0 while pending */
        int64_t last_notified;        /* the FIRED or the latest REPEAT */
        bool held;                    /* its message was held back (silence, inhibition) */
};

/* "pending", "firing"; NULL for another value. */
const char *store_alert_state_to_string(enum store_alert_state state);

/* Writes row, replacing the row of the same rule × experiment × variant.
 * Returns 0, -EINVAL (no rule, an unknown state), or the -errno of the
 * write (-ENOSPC, -EROFS, -EBUSY, ... see store_errno). */
int store_alert_upsert(struct store *s, const struct store_alert_row *row);

/* Removes the row of rule × experiment × variant (NULL or "": the
 * experiment-level one). Returns 1 when it was there, 0 when it was not,
 * or -errno. */
int store_alert_delete(struct store *s, const char *rule, long long experiment_id, const char *variant_id);

/* Removes every row of an experiment (no longer watched), or of a rule
 * (removed by a reload). Return how many rows went, or -errno. */
int store_alerts_delete_experiment(struct store *s, long long experiment_id);
int store_alerts_delete_rule(struct store *s, const char *rule);
/* Removes every row (the state is rewritten whole). Returns how many went,
 * or -errno. */
int store_alerts_delete_all(struct store *s);

/* Calls fn for every row, in key order: rule, experiment_id, variant_id
 * (rule and variant as bytes, so "" first). row and its strings are valid
 * during the call only; fn must not use s (the read is in progress). A
 * non-zero return of fn stops the walk and is returned; otherwise 0,
 * -errno, or -EBADMSG when rows this program cannot read (a state it does
 * not know) were skipped: fn has had every other row. */
int store_alerts_each(struct store *s, int (*fn)(void *userdata, const struct store_alert_row *row),
                      void *userdata);
