/* Room rules/: the alert state machine — analyses in, transitions out —
 * with the analysis as rule variables (rule_env.h), each transition as the
 * alert_event notifiers format (rule_event.h), and the alert states kept
 * in state.db (rules_store.c).
 * May use: notify/ (struct alert_event), store/ (the alerts table),
 * stats/ (the analysis), expr/ (compiled conditions), config/ (the rules),
 * util/.
 * Used by: actions, daemon, cli.
 *
 * The alert lifecycle (Prometheus semantics), pure: time is passed in.
 *
 * One alert per rule × experiment × variant (variant "" for a rule on
 * experiment-level variables only). An inactive alert has no record.
 *
 *   condition true, no record      → pending (active_since = now): PENDING
 *                                    when `for` > 0
 *   pending, held for ≥ `for`      → firing: FIRED (for = 0: at once)
 *   firing, `repeat` > 0 elapsed   → REPEAT (notify again)
 *   firing, condition false        → RESOLVED (notify if notify_resolved),
 *                                    record forgotten
 *   pending, condition false       → forgotten, nothing sent
 *
 * A null condition (missing data) is false. Times are wall-clock seconds
 * (time(NULL), the clock of watched_experiment.polled_at), so that a
 * persisted state means the same after a restart.
 *
 * What is not evaluated keeps its state: an experiment whose poll failed
 * this cycle is simply not passed in, and its alerts stay as they were. An
 * experiment that leaves the watch set (no longer live) has its alerts
 * dropped silently with rules_drop_experiment(): it was ended on purpose,
 * and a "resolved" would wrongly say the condition cleared. Records of a
 * rule that a reload removed, or whose condition changed between
 * experiment and variant level, are dropped silently too. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct config_rule;
struct experiment_analysis;

enum alert_state { ALERT_PENDING, ALERT_FIRING };

struct alert_record {
        char *rule;                /* owned */
        long long experiment_id;
        char *variant_id;          /* owned; "" for an experiment-level rule */
        enum alert_state state;
        int64_t active_since;      /* the condition has held since */
        int64_t fired_at;          /* 0 while pending */
        int64_t last_notified;     /* the FIRED or the latest REPEAT */
        bool held;                 /* fired or repeated while a silence or an inhibition held
                                    * its message back: one message is owed when released */
        bool visited;              /* scratch for one evaluation */
};

#define RULES_SALT_SIZE 33   /* 32 hex digits and a NUL */

struct rules_state {
        struct alert_record *records;
        size_t n, cap;
        /* Event ids derive from these (alerting.c), so that an event queued
         * just before a crash is queued under the same id when the next
         * start replays it: generation counts the saves, salt (random, per
         * state directory) keeps ids apart across installations. */
        uint64_t generation;
        char salt[RULES_SALT_SIZE];   /* "" until set */
};

enum rule_transition_kind {
        RULE_TRANSITION_FIRED,
        RULE_TRANSITION_REPEAT,
        RULE_TRANSITION_RESOLVED,
        /* Firing and nothing to send: reported only for rules with an
         * action, so that an action skipped (circuit breaker) or lost in a
         * crash before its intent was recorded is decided again, and for
         * rules that notify an Alertmanager, which must hear of a firing
         * alert every cycle. */
        RULE_TRANSITION_STILL_FIRING,
        /* The condition started to hold and the rule has a `for`: journal
         * only (notify is false). */
        RULE_TRANSITION_PENDING,
};

struct rule_transition {
        enum rule_transition_kind kind;
        size_t rule_index;         /* into config->rules */
        long long experiment_id;
        char *variant_id;          /* owned; NULL for an experiment-level rule */
        size_t variant_index;      /* into the analysis' variants; SIZE_MAX when
                                    * experiment-level or no longer in the result */
        int64_t fired_at;
        int64_t at;                /* the evaluation time */
        bool notify;               /* FIRED, REPEAT; RESOLVED with notify_resolved */
        bool held;                 /* the alert's record was held (alert_record.held) */
};

/* The transitions of one cycle, appended to by each evaluation. */
struct rule_transitions {
        struct rule_transition *items;
        size_t n, cap;
};

void rules_state_clear(struct rules_state *s);
void rule_transitions_clear(struct rule_transitions *t);
/* Appends a copy of item (its variant_id copied too). 0 or -ENOMEM. */
int rule_transitions_push(struct rule_transitions *t, const struct rule_transition *item);

/* The rule called name in c that has a compiled condition (the only kind
 * alerts and actions exist for), with its index if ret_index is not NULL;
 * NULL when there is none (e.g. removed by a reload). */
const struct config_rule *rule_find(const struct config *c, const char *name, size_t *ret_index);

/* The alert of rule on experiment_id and variant_id (NULL or "":
 * experiment-level), NULL when it is inactive. */
struct alert_record *rules_find_alert(struct rules_state *s, const char *rule, long long experiment_id,
                                      const char *variant_id);

/* Whether one of rule's notifiers is an Alertmanager (which keeps alert
 * state and must be re-told every cycle). */
bool rule_notifies_alertmanager(const struct config *c, const struct config_rule *rule);

/* Whether rule applies to the experiment: no `experiments` filter, or an
 * entry equal to its id or matching its id or name as an fnmatch(3) glob. */
bool rule_applies_to(const struct config_rule *rule, long long experiment_id, const char *name);

/* Evaluates every rule of c with a compiled condition that applies to a
 * (per non-control variant for variant-level rules) at time now, updates
 * the alerts of a->test_id and appends the transitions to out. Alerts of
 * this experiment that no longer match a rule (variant gone, filter
 * changed) count as condition false. hours_since_new_visitor: NaN when
 * unknown. Returns 1 when a record of the experiment was added, removed or
 * updated (it must be saved), 0 when none was, or -ENOMEM (an alert may
 * then be lost, never doubled). */
int rules_evaluate_experiment(struct rules_state *s, const struct config *c,
                              const struct experiment_analysis *a, double hours_since_new_visitor,
                              int64_t now, struct rule_transitions *out);

/* Forgets the alerts of an experiment no longer watched, without
 * notification; returns how many there were. */
size_t rules_drop_experiment(struct rules_state *s, long long experiment_id);
/* After loading the state or a reload: forgets alerts of rules c does not
 * have (or has without a compiled condition); returns how many. */
size_t rules_state_prune(struct rules_state *s, const struct config *c);

/* Alerts firing now for rule_name (NULL: all rules), for metrics. */
size_t rules_firing_count(const struct rules_state *s, const char *rule_name);
size_t rules_pending_count(const struct rules_state *s, const char *rule_name);

/* Persistence in state.db (rules_store.c): the alerts table, and the salt
 * and generation in meta. None begins or commits: the caller's group
 * commit holds the writes. load fills s (cleared first; empty on failure):
 * 0, -EBADMSG when rows it cannot read were skipped (the others are kept),
 * or -errno. save_experiment replaces the rows of one experiment by its
 * records; save replaces every row and writes salt and generation. */
struct store;
int rules_state_load(struct store *store, struct rules_state *s);
int rules_state_save_experiment(struct store *store, const struct rules_state *s, long long experiment_id);
int rules_state_save(struct store *store, const struct rules_state *s);

