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

#include <systemd/sd-event.h>

#include "actions/action_runner.h"
#include "notify/notify.h"
#include "notify/notify_payload.h"
#include "rules/rules.h"

struct http_client;
struct outbox;
struct watchlist;
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

/* The daemon's alerting: owned by the manager, which hands it the config
 * (and a new one on reload) and the watch list it reads figures from. */
struct alerting {
        const struct config *config;
        const struct watchlist *watch;
        bool dry_run_forced;             /* --dry-run */
        struct rules_state alerts;       /* alerts.json */
        struct alert_batch batch;        /* this cycle's notifications */
        struct outbox *outbox;           /* deliveries */
        struct action_runner actions;    /* the ledger and the requests in flight */
        /* Called when the last action request has finished (a waiting
         * reload can then go ahead). */
        void (*idle)(void *userdata);
        void *idle_userdata;
};

/* Daemon start: loads alerts.json and actions.json and opens the outbox
 * (its deliveries go through delivery_http; actions through api_http).
 * Returns 0 or -errno (only when the outbox directory cannot be created or
 * read). al's config, watch, dry_run_forced and idle are set by the caller
 * before. */
int alerting_open(struct alerting *al, sd_event *event, struct http_client *api_http,
                  struct http_client *delivery_http);
void alerting_close(struct alerting *al);

/* The experiment was just analysed (e->current is fresh). */
void alerting_evaluate(struct alerting *al, struct watched_experiment *e);
/* The experiment left the watch set: its alerts end without a message. */
void alerting_forget(struct alerting *al, long long experiment_id);
/* The cycle settled: queue its notifications, save alerts.json. Returns 0
 * or the -errno of that save. */
int alerting_cycle_finished(struct alerting *al);
/* A new config (and Mida API client) is in place: forget removed rules,
 * send to new notifiers. Called only while no action request runs. */
void alerting_config_changed(struct alerting *al, const struct config *config, struct http_client *api_http);

/* The id of an event: derived from the state's salt, the event's identity
 * (what, rule, experiment) and, per_cycle, the generation of the alert
 * states, so that an event queued just before a crash is queued under the
 * same id when the next start replays it (the outbox and the receivers then
 * drop the duplicate). Action reports are not per cycle: their identity,
 * the ledger entry, is unique already, and may finish in a later cycle. */
void alerting_event_id(const struct alerting *al, const char *what, const char *rule, long long experiment_id,
                       bool per_cycle, char id[static NOTIFY_EVENT_ID_SIZE]);
