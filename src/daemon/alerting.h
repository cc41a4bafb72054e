/* Where a fresh analysis meets the rules engine, inside the daemon: each
 * polled experiment's rules are evaluated, every transition is journalled,
 * the cycle's notifications are batched and queued in the outbox when the
 * cycle settles (so Slack gets one grouped message per cycle), and rules
 * with an action are handed to action_runner.c.
 *
 * Persisted in the state directory: alerts.json (rules.h), actions.json
 * (actions.h) and outbox/ (outbox.h). A restart or reload therefore never
 * re-sends a firing alert nor forgets a pending one. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "notify/notify.h"
#include "notify/notify_payload.h"
#include "rules/rules.h"

struct manager;
struct watched_experiment;

/* One event waiting for the end of the cycle. Its strings are borrowed
 * from the config, the transition and the experiment's analysis, all of
 * which stay put until the cycle has settled. */
struct batched_event {
        struct alert_event ev;
        size_t rule_index;
        char id[NOTIFY_EVENT_ID_SIZE];
};

struct alert_batch {
        struct rule_transitions transitions;   /* owns the variant ids */
        struct batched_event *items;
        size_t n, cap;
};

/* Daemon start: loads alerts.json and actions.json, opens the outbox and
 * resends action requests a crash interrupted. Returns 0 or -errno (only
 * when the outbox directory cannot be created or read). */
int alerting_open(struct manager *m);
void alerting_close(struct manager *m);

/* The experiment was just analysed (e->current is fresh). */
void alerting_evaluate(struct manager *m, struct watched_experiment *e);
/* The experiment left the watch set: its alerts end without a message. */
void alerting_forget(struct manager *m, long long experiment_id);
/* The cycle settled: queue its notifications, save alerts.json. Returns 0
 * or the -errno of that save. */
int alerting_cycle_finished(struct manager *m);
/* A new config is in place: forget removed rules, send to new notifiers. */
void alerting_config_changed(struct manager *m);

/* The id of an event: derived from the state's salt, the event's identity
 * (what, rule, experiment) and, per_cycle, the generation of the alert
 * states, so that an event queued just before a crash is queued under the
 * same id when the next start replays it (the outbox and the receivers then
 * drop the duplicate). Action reports are not per cycle: their identity,
 * the ledger entry, is unique already, and may finish in a later cycle. */
void alerting_event_id(const struct manager *m, const char *what, const char *rule, long long experiment_id,
                       bool per_cycle, char id[static NOTIFY_EVENT_ID_SIZE]);

/* Queues ev for every notifier of rule (by index into the config) now,
 * outside the cycle's batch: action results arrive after the cycle. */
void alerting_send_now(struct manager *m, size_t rule_index, const struct alert_event *ev);
