/* Room actions/: what a firing rule may do to an experiment — pause it or
 * serve its winner — decided at most once per rule × experiment through the
 * ledger (actions.h, kept in actions.json), and the runner that sends the
 * request to the Mida API. May use: rules/ (the transition that fired),
 * notify/ (the alert_event kinds), stats/, mida/, store/, config/, util/.
 * It reports back only through the hooks its owner registered.
 *
 * The runner: the intent is saved before the request, the result recorded
 * after it, and both outcomes are journalled and handed to the report hook
 * for the rule's notifiers. Transient failures (5xx, 429, timeouts) are
 * retried a few times, honouring Retry-After, before the action counts as
 * failed. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "actions.h"
#include "notify/notify_payload.h"

struct experiment_analysis;
struct http_client;
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
        /* The last request in flight or waiting for a retry has finished. */
        void (*idle)(void *userdata);
};

struct action_runner {
        sd_event *event;
        struct http_client *http;        /* the Mida API's; a reload swaps it only while idle */
        const struct config *config;     /* likewise */
        struct action_ledger ledger;     /* actions.json */
        struct action_request *requests; /* in flight or awaiting a retry */
        uint64_t rng;                    /* retry jitter */
        bool stopping;                   /* no retries any more */
        struct action_runner_hooks hooks;
};

/* Daemon start: loads actions.json from the config's state directory. */
void action_runner_open(struct action_runner *r, sd_event *event, struct http_client *http,
                        const struct config *config, const struct action_runner_hooks *hooks);
/* Shutdown: drops the requests (their intents stay recorded and are resent
 * at the next start: a PATCH to the same status, or a 409 from serve-winner
 * after a retry, is harmless) and frees the ledger. */
void action_runner_close(struct action_runner *r);

/* A rule with an action fired, repeated or still fires (t), with the
 * analysis it fired on (a; may be NULL). */
void action_runner_consider(struct action_runner *r, const struct rule_transition *t,
                            const struct experiment_analysis *a, bool dry_run);
/* Daemon start: resends the requests of intents a crash left unfinished. */
void action_runner_resume(struct action_runner *r);
/* Requests in flight or waiting to be retried. */
bool action_runner_busy(const struct action_runner *r);
