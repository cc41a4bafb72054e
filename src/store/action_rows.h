/* The actions table of state.db: the action ledger (what 0.1.0 kept in
 * actions.json), the only SQL that reads or writes it. At most one row per
 * rule × experiment, ever; actions/ converts between its struct
 * action_entry and this plain row. The ledger's circuit_open flag is a meta
 * value, read and written here.
 *
 * The ledger is written before its request is sent: the caller commits the
 * upsert of an 'intended' row, and only then makes the API call.
 *
 * None of these functions begins or commits: each runs in the caller's
 * transaction (store_begin ... store_commit: group commit), or on its own
 * in autocommit mode — one fsync each — when there is none. Strings are
 * bound for the call only; nothing is kept. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"   /* enum rule_action, stored as its config text */

struct store;

/* The values of enum action_entry_state (actions.h), in its order; stored
 * as the text actions.json uses: 'intended', 'done', 'failed', 'dry-run'. */
enum store_action_state {
        STORE_ACTION_INTENDED,
        STORE_ACTION_DONE,
        STORE_ACTION_FAILED,
        STORE_ACTION_DRY_RUN,
        STORE_ACTION_STATE_COUNT
};

struct store_action_row {
        const char *rule;              /* the rule's name, not NULL */
        long long experiment_id;
        enum rule_action action;       /* RULE_ACTION_PAUSE or _SERVE_WINNER: 'pause', 'serve-winner' */
        const char *variant_id;        /* serve-winner's variant; NULL for pause */
        int traffic_allocation;        /* serve-winner */
        enum store_action_state state;
        unsigned attempts;             /* requests made for this intent */
        int64_t intended_at;           /* wall-clock seconds */
        int64_t finished_at;           /* 0 while intended */
        int http_status;               /* of the result; 0: none or transport error */
        const char *error;             /* why it failed; NULL or "" for none, read back as NULL */
};

/* "intended", "done", "failed", "dry-run"; NULL for another value. */
const char *store_action_state_to_string(enum store_action_state state);

/* Writes row, replacing the row of the same rule × experiment (its result
 * recorded, a retry counted). Returns 0, -EINVAL (no rule, an action other
 * than pause or serve-winner, an unknown state), or the -errno of the write
 * (-ENOSPC, -EROFS, -EBUSY, ... see store_errno). */
int store_action_upsert(struct store *s, const struct store_action_row *row);

/* Calls fn for every row, in intended_at order (then rule, experiment_id).
 * row and its strings are valid during the call only; fn must not use s
 * (the read is in progress). A non-zero return of fn stops the walk and is
 * returned; otherwise 0, -errno, or -EBADMSG when rows this program cannot
 * read (an action or state it does not know, a number that does not fit)
 * were skipped: fn has had every other row. */
int store_actions_each(struct store *s, int (*fn)(void *userdata, const struct store_action_row *row),
                       void *userdata);

/* The ledger's circuit_open flag (the open breaker has been reported), in
 * meta under STORE_META_CIRCUIT_OPEN: false when never set. get returns 0,
 * -EBADMSG when the stored value is not 0 or 1 (*ret = false), or -errno;
 * set returns 0 or -errno. */
int store_actions_circuit_open_get(struct store *s, bool *ret);
int store_actions_circuit_open_set(struct store *s, bool open);
