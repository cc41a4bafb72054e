/* Health: the monitor tells you when it cannot monitor. A pure state
 * machine over what each cycle observed, with time passed in (wall-clock
 * seconds, like rules.h, so a persisted state means the same after a
 * restart), plus its persistence in the health table of state.db.
 *
 * Conditions, one record per condition × subject:
 *   api_key_rejected    a request got 401/403 (subject "")
 *   api_failing         every request of the cycle failed otherwise (5xx,
 *                       timeouts, connection refused) (subject "")
 *   experiment_failing  an experiment's result fails while other requests
 *                       work (subject: the experiment id)
 *   delivery_failing    deliveries to a notifier fail (subject: its name)
 *   state_not_writable  the state directory cannot be written (subject "")
 *   experiment_stalled  a live experiment's visitors have not grown for
 *                       stalled_after (subject: the experiment id)
 *
 * Lifecycle, evaluated once per cycle:
 *   holds, no record          → DETECTED (journal only), record created
 *   holds for ≥ `after`       → ALERT (journal + notify once)
 *   alerted, `repeat` elapsed → REPEAT (journal + notify)
 *   clears after ALERT        → RECOVERED (journal + notify), record gone
 *   clears before ALERT       → CLEARED (journal only), record gone
 * A stalled experiment has waited stalled_after already: it is alerted as
 * soon as it is detected. What a cycle could not observe (no request made,
 * an experiment not polled, the API down so an experiment's own failure
 * says nothing) keeps its state. Experiments no longer watched and
 * notifiers no longer configured lose their records without a message, as
 * rules.h does for alerts.
 *
 * Notifications go to health.notify, except that a notifier's own failing
 * deliveries are reported only through the other health notifiers (or only
 * journalled when there is no other). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct store;

enum health_condition {
        HEALTH_API_KEY_REJECTED,
        HEALTH_API_FAILING,
        HEALTH_EXPERIMENT_FAILING,
        HEALTH_DELIVERY_FAILING,
        HEALTH_STATE_NOT_WRITABLE,
        HEALTH_EXPERIMENT_STALLED,
        HEALTH_CONDITION_COUNT
};

struct health_record {
        enum health_condition condition;
        char *subject;             /* owned; "" for daemon-wide conditions */
        char *name;                /* owned; the experiment's name, or NULL */
        char *detail;              /* owned; the latest reason (never a secret), or NULL */
        int64_t since;             /* the condition has held since */
        int64_t alerted_at;        /* 0 while not yet notified */
        int64_t last_notified;     /* the ALERT or the latest REPEAT */
        bool seen;                 /* scratch for one evaluation */
};

struct health_state {
        struct health_record *records;
        size_t n, cap;
};

/* What one cycle saw of the Mida API as a whole. */
enum health_api {
        HEALTH_API_UNKNOWN,        /* no request was made */
        HEALTH_API_OK,             /* at least one request worked */
        HEALTH_API_AUTH_FAILED,    /* a request got 401 or 403 */
        HEALTH_API_ALL_FAILED,     /* every request failed, none with 401/403 */
};

enum health_poll { HEALTH_POLL_NONE, HEALTH_POLL_OK, HEALTH_POLL_FAILED };

struct health_experiment_observation {
        long long id;
        const char *name;          /* may be NULL */
        enum health_poll poll;     /* this cycle */
        const char *error;         /* HEALTH_POLL_FAILED: why */
        bool live;                 /* running, so its traffic should grow */
        int64_t visitors_grew_at;  /* wall clock visitors last went up; 0 unknown */
};

struct health_notifier_observation {
        const char *name;
        int64_t failing_since;     /* first failure of the current failing spell; 0: working */
        const char *error;         /* the latest failure, e.g. "HTTP 503" */
};

struct health_observations {
        int64_t now;
        enum health_api api;
        const char *api_error;     /* AUTH_FAILED / ALL_FAILED: the failure */
        /* Every watched experiment (records of others are dropped). */
        const struct health_experiment_observation *experiments;
        size_t n_experiments;
        /* Every configured notifier (records of others are dropped). */
        const struct health_notifier_observation *notifiers;
        size_t n_notifiers;
        int state_writable;        /* 1 yes, 0 no, -1 not tried this cycle */
        const char *state_error;
};

enum health_transition_kind {
        HEALTH_DETECTED,
        HEALTH_ALERT,
        HEALTH_REPEAT,
        HEALTH_RECOVERED,
        HEALTH_CLEARED,
};

struct health_transition {
        enum health_transition_kind kind;
        enum health_condition condition;
        char *subject;             /* owned */
        char *name;                /* owned, may be NULL */
        char *detail;              /* owned, may be NULL */
        int64_t since;
        int64_t at;                /* the evaluation time */
        bool notify;               /* ALERT, REPEAT, RECOVERED */
};

struct health_transitions {
        struct health_transition *items;
        size_t n, cap;
};

struct health_settings {
        uint64_t after_usec, repeat_usec, stalled_after_usec;
};

void health_state_clear(struct health_state *s);
void health_transitions_clear(struct health_transitions *t);

/* Applies one cycle's observations: updates s and appends the transitions,
 * in the order of the records (daemon-wide conditions first, then by
 * condition and subject). Returns 0 or -ENOMEM (a transition may then be
 * lost, never doubled). */
int health_evaluate(struct health_state *s, const struct health_settings *settings,
                    const struct health_observations *obs, struct health_transitions *out);

/* Conditions that hold now: all records, or those already notified. */
size_t health_count(const struct health_state *s, bool alerted_only);
/* Whether condition holds now for any subject. */
bool health_holds(const struct health_state *s, enum health_condition condition);

/* Indices into c->notifiers of the health notifiers that get t (its
 * notify must be set): health.notify, without the failing notifier of a
 * delivery_failing condition. Writes at most max, returns how many. */
size_t health_targets(const struct config *c, const struct health_transition *t, size_t *out, size_t max);

/* "api_key_rejected", ... (the metrics label and the name stored in state.db). */
const char *health_condition_to_string(enum health_condition c);
int health_condition_from_string(const char *s);
/* The stable MESSAGE_ID of the journal record when a condition is first
 * detected (one per condition; see systemd/mida-monitor.catalog). ALERT and
 * REPEAT use MIDA_MSGID_HEALTH_DEGRADED, RECOVERED and CLEARED
 * MIDA_MSGID_HEALTH_RECOVERED. */
const char *health_condition_message_id(enum health_condition c);
const char *health_transition_message_id(const struct health_transition *t);

/* What the condition is, for people: "the Mida API rejects the API key",
 * "experiment 1002 (Checkout): results fail while other requests work".
 * Returns buf. */
const char *health_describe(enum health_condition c, const char *subject, const char *name,
                            char *buf, size_t size);
/* One journal line for t, e.g. "health: the Mida API rejects the API key
 * (HTTP 401: ...); notified if it lasts 1h". Returns buf. */
const char *health_transition_text(const struct health_transition *t, const struct health_settings *settings,
                                   char *buf, size_t size);

/* Persistence in the health table of state.db (health_store.c, through
 * store/health_rows.h). Neither begins nor commits: the daemon's writes
 * run in its group commit, with the outbox rows of the same cycle.
 * load: s becomes the stored records. A row this program cannot read is
 * skipped and the others are loaded: -EBADMSG then (log it); otherwise 0,
 * or another -errno with s empty.
 * save: the stored records become s's, all of them (what the table held
 * and s does not is removed). 0 or -errno. */
int health_state_load(struct store *store, struct health_state *s);
int health_state_save(struct store *store, const struct health_state *s);
