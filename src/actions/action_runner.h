/* Room actions/: what a firing rule may do to an experiment — pause it or
 * serve its winner — decided at most once per rule × experiment through the
 * ledger (actions.h, kept in the actions table of state.db), and the runner
 * that sends the request to the Mida API. May use: rules/ (the transition
 * that fired), notify/ (the alert_event kinds), stats/, mida/, store/,
 * config/, util/. It reports back only through the hooks its owner
 * registered.
 *
 * The runner writes the ledger in the store's group commit
 * (store/group_commit.h), as one of its writers with a listener of its
 * own. An action's intent is committed before its request: the 'intended'
 * row joins the open group, and the request is sent only when that group
 * has committed; a group that rolls back (or an intent that cannot be
 * written) sends nothing, and the action fails as "not sent: the intent
 * could not be saved". Its outcome and its report commit together after
 * it: the row with the result is written into the open group, then the
 * report hook runs, whose notifications join the same group. Transient
 * failures (5xx, 429, timeouts) are retried a few times, honouring
 * Retry-After, before the action counts as failed. When a group holding
 * the runner's writes rolls back, the memory stays the truth: the next
 * group rewrites every entry. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "actions.h"
#include "notify/notify_payload.h"

struct experiment_analysis;
struct http_client;
struct store_group;
struct rule_transition;
struct action_request;

/* One outcome for the rule's notifiers (strings borrowed for the call). */
struct action_report {
        const char *what;            /* the event's identity: "action done 1700000000" */
        bool per_cycle;              /* the identity holds for this cycle only (alerting_event_id) */
        const char *rule;
        long long experiment_id;
        const char *variant_id;      /* the variant the rule fired on, or NULL */
        enum alert_event_kind kind;  /* ALERT_EVENT_ACTION or ALERT_EVENT_ACTION_FAILED */
        const char *action, *result;
        bool dry_run;
};

struct action_runner_hooks {
        void *userdata;
        void (*report)(void *userdata, const struct action_report *r);
        /* The last request waiting for its intent's commit, in flight or
         * waiting for a retry has finished. */
        void (*idle)(void *userdata);
};

struct action_runner {
        sd_event *event;
        struct http_client *http;        /* the Mida API's; a reload swaps it only while idle */
        const struct config *config;     /* likewise */
        struct store_group *group;       /* state.db's group commit; NULL: none, nothing is sent */
        struct action_ledger ledger;     /* the actions table, as committed or about to be */
        struct action_request *requests; /* awaiting their intent's commit, in flight or a retry */
        uint64_t rng;                    /* retry jitter */
        bool stopping;                   /* no request starts, nor retries, any more */
        bool resync;                     /* the rows lag the memory: the next group rewrites them */
        bool written;                    /* the runner wrote into the open group */
        bool committing_written;         /* ... into the group now committing */
        struct action_runner_hooks hooks;
};

/* Daemon start: loads the ledger from g's store (a row it cannot read is
 * logged, and the runner goes on with what it could read) and listens to
 * g, which must outlive r's use of it: free g before r's memory goes
 * (after action_runner_close, r's listener does nothing), and open r once
 * per group. Returns 0, or the -errno of store_group_listen (-ENOSPC):
 * then, as with g NULL (nothing loaded), no request is ever sent: an
 * intent that cannot be committed is concluded "not sent". */
int action_runner_open(struct action_runner *r, sd_event *event, struct http_client *http,
                       const struct config *config, struct store_group *g, const struct action_runner_hooks *hooks);
/* Shutdown: drops the requests (their intents stay recorded and are resent
 * at the next start: a PATCH to the same status, or a 409 from serve-winner
 * after a retry, is harmless) and frees the ledger. Writes nothing and does
 * not touch the group (it may be gone). */
void action_runner_close(struct action_runner *r);

/* A rule with an action fired, repeated or still fires (t), with the
 * analysis it fired on (a; may be NULL). */
void action_runner_consider(struct action_runner *r, const struct rule_transition *t,
                            const struct experiment_analysis *a, bool dry_run);
/* Daemon start: resends the requests of intents a crash left unfinished,
 * once their new attempt count has committed. */
void action_runner_resume(struct action_runner *r);
/* Requests in flight or waiting to be retried. */
bool action_runner_busy(const struct action_runner *r);
