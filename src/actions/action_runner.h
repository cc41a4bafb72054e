/* Actions of firing rules against the Mida API: pause (PATCH status 0) and
 * serve-winner (POST serve-winner), at most once per rule × experiment
 * through the ledger of actions.h: the intent is saved before the request,
 * the result recorded after it, and both outcomes are reported to the
 * journal and to the rule's notifiers. Transient failures (5xx, 429,
 * timeouts) are retried a few times, honouring Retry-After, before the
 * action counts as failed. */
#pragma once
#include <stdbool.h>

struct experiment_analysis;
struct manager;
struct rule_transition;

/* A rule with an action fired, repeated or still fires (t), with the
 * analysis it fired on (a; may be NULL). */
void action_runner_consider(struct manager *m, const struct rule_transition *t,
                            const struct experiment_analysis *a);
/* Daemon start: resends the requests of intents a crash left unfinished. */
void action_runner_resume(struct manager *m);
/* Requests in flight or waiting to be retried. */
bool action_runner_busy(const struct manager *m);
/* Shutdown: drops them; their intents stay recorded and are resent at the
 * next start (a PATCH to the same status, or a 409 from serve-winner after
 * a retry, is harmless). */
void action_runner_cancel_all(struct manager *m);
