/* The action ledger: at most one action (pause, serve-winner) per rule ×
 * experiment, ever; pure decisions (actions.c) plus persistence in the
 * actions table of state.db (actions_store.c).
 *
 * Protocol for the caller (action_runner.c), in the store's group commit
 * (store/group_commit.h): an action's intent is committed before its
 * request, and its outcome and report together after it.
 *   1. actions_decide() on FIRED / REPEAT / STILL_FIRING of a rule with an
 *      action. ACTION_RUN means an "intended" entry was recorded:
 *   2. write it into the open group (actions_entry_save), and send the
 *      request only once that group has committed; a group that rolls
 *      back means no request (the action fails, "not sent");
 *   3. then actions_record_result(), and write the entry again in the
 *      group that also holds its report.
 *   At startup, actions_prepare_retries(), write those entries, then, once
 *   committed, resend every entry still "intended" (the daemon stopped
 *   between 2 and 3) with the same request: a PATCH status 0 is
 *   idempotent, and a 409 from serve-winner on a retry means the first
 *   request went through, so it counts as done.
 *
 * Nothing is ever undone: there is no resume and no un-serve.
 *
 * dry_run: a separate "dry-run" entry is recorded ("would pause") and no
 * request is made; it does not block a real action once dry_run is turned
 * off, and it is not limited by the circuit breaker (which guards real API
 * calls only). The table keeps one row per rule × experiment: a real
 * entry's row replaces the dry-run row of the same key.
 *
 * Circuit breaker: at most max_per_hour real actions started in any sliding
 * hour (retries of an intent are not new actions); beyond that actions are
 * skipped, and only the first skip of each opening says so. 0 disables
 * actions. A skipped action is decided again on the next evaluation while
 * its alert still fires. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define ACTION_ERROR_MAX 160
#define ACTIONS_WINDOW_SECONDS 3600

enum action_entry_state {
        ACTION_STATE_INTENDED,   /* recorded; the request goes once that has committed */
        ACTION_STATE_DONE,
        ACTION_STATE_FAILED,     /* final: reported as action-failed, not retried */
        ACTION_STATE_DRY_RUN,    /* would have run */
        ACTION_STATE_COUNT
};

struct action_entry {
        char *rule;                /* owned */
        long long experiment_id;
        enum rule_action action;
        char *variant_id;          /* owned; serve-winner's variant, NULL for pause */
        int traffic_allocation;    /* serve-winner */
        enum action_entry_state state;
        unsigned attempts;         /* requests made for this intent (1, +1 per retry) */
        int64_t intended_at;       /* wall-clock seconds */
        int64_t finished_at;       /* 0 while intended */
        int http_status;           /* of the result; 0: none or transport error */
        char error[ACTION_ERROR_MAX]; /* failed: why (never a secret) */
};

struct action_ledger {
        struct action_entry *entries;
        size_t n, cap;
        bool circuit_open;         /* the open breaker has been reported */
};

enum action_decision {
        ACTION_RUN,                 /* intent recorded: write it, send the request once committed */
        ACTION_ALREADY_DONE,        /* this rule × experiment has an entry already */
        ACTION_DRY_RUN,             /* dry-run entry recorded: log/notify "would ..." */
        ACTION_SKIP_NOT_POSITIVE,   /* serve-winner for a variant whose lift is not > 0 */
        ACTION_SKIP_CIRCUIT_OPENED, /* breaker just opened: report it (once) */
        ACTION_SKIP_CIRCUIT_OPEN,   /* breaker still open: skip quietly */
        ACTION_SKIP_DISABLED,       /* max_actions_per_hour = 0 */
};

void actions_ledger_clear(struct action_ledger *l);

/* Decides the action of rule (action != RULE_ACTION_NONE) on the experiment;
 * variant_id and lift (NaN when null) are the firing variant's for
 * serve-winner (ignored for pause). Returns 0 with *ret_decision, and for
 * ACTION_RUN / ACTION_DRY_RUN *ret_entry (valid until the ledger changes;
 * ret_entry may be NULL); -EINVAL for a rule without action or a
 * serve-winner without a variant; -ENOMEM. */
int actions_decide(struct action_ledger *l, const struct config_rule *rule, long long experiment_id,
                   const char *variant_id, double lift, bool dry_run, int max_per_hour, int64_t now,
                   enum action_decision *ret_decision, const struct action_entry **ret_entry);

/* The result of the request for the intent of rule × experiment: 2xx is
 * done, a 409 from serve-winner on a retry is done, anything else failed
 * (error: a short reason without secrets, may be NULL). Returns the entry,
 * or NULL when there is no intended entry for that key. */
const struct action_entry *actions_record_result(struct action_ledger *l, const char *rule,
                                                 long long experiment_id, int http_status,
                                                 const char *error, int64_t now);

/* A request for the intent of rule × experiment is being sent again within
 * one run (its earlier outcome is unknown: timeout, 5xx, unreadable 2xx):
 * counts the attempt, so that a 409 from serve-winner then means the earlier
 * request went through. */
void actions_note_retry(struct action_ledger *l, const char *rule, long long experiment_id);

/* At startup: counts one more attempt for every entry still intended and
 * returns how many there are. Write those entries, then, once committed,
 * resend each entry with state == ACTION_STATE_INTENDED exactly as
 * recorded. */
size_t actions_prepare_retries(struct action_ledger *l);

/* Entries in that state, for metrics. */
size_t actions_count(const struct action_ledger *l, enum action_entry_state state);

/* What happened, for logs and the action_result of an event: "paused",
 * "serving variant 1 to 100%", "would pause (dry run)", "pausing",
 * "failed: HTTP 403 plan limit". Returns buf. */
const char *action_entry_describe(const struct action_entry *e, char *buf, size_t size);

const char *action_entry_state_to_string(enum action_entry_state s);

/* Persistence in state.db (actions_store.c): one row of the actions table
 * per entry (store/action_rows.h), the circuit flag in meta. None begins or
 * commits: the caller's group commit holds the writes.
 * load: fills l (cleared first) in the order the actions were intended.
 *   Returns 0, or the first -errno of the read; l then holds what could be
 *   read: the entries before a row this program cannot read (-EBADMSG: the
 *   walk stops there), and circuit_open false when it is unreadable.
 * entry_save: writes e, replacing the row of its rule × experiment.
 * save: writes every entry (dry-run ones first, so that a real entry's row
 *   wins their shared key) and the circuit flag.
 * Both return 0 or -errno. */
struct store;
int actions_ledger_load(struct store *s, struct action_ledger *l);
int actions_entry_save(struct store *s, const struct action_entry *e);
int actions_ledger_save(struct store *s, const struct action_ledger *l);
