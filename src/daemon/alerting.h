/* Where a fresh analysis meets the rules engine, inside the daemon: each
 * polled experiment's rules are evaluated, every transition is journalled,
 * the notifications are batched and queued in the outbox when the store's
 * group commit ends (so Slack gets one grouped message per group: the
 * experiments analysed within 100 ms), and rules with an action are handed
 * to action_runner.c.
 *
 * Persisted in state.db, in the same group commit as the poll that caused
 * them: the alert rows (rules.h), the ledger (actions.h) and the outbox
 * rows (outbox.h) commit together or not at all, and nothing is sent before
 * that commit. A restart or reload therefore never re-sends a firing alert
 * nor forgets a pending one. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-event.h>

#include "actions/action_runner.h"
#include "notify/notify.h"
#include "notify/notify_payload.h"
#include "rules/rules.h"
#include "rules/silences.h"

struct http_client;
struct outbox;
struct store_group;
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
 * (and a new one on reload), the watch list it reads figures from and the
 * group commit of state.db. */
struct alerting {
        const struct config *config;
        const struct watchlist *watch;
        struct store_group *group;
        bool dry_run_forced;             /* --dry-run */
        struct rules_state alerts;       /* the alerts table */
        bool resync;                     /* the rows lag the memory: rewrite them all */
        struct alert_batch batch;        /* the open group's notifications */
        struct outbox *outbox;           /* deliveries */
        struct action_runner actions;    /* the ledger and the requests in flight */
        struct silences silences;        /* read again when state.db changes under us */
        long long silences_version;      /* state.db's data_version when they were read */
        bool silences_loaded;
        bool holds_changed;              /* an alert_record.held changed in this evaluation */
        /* Called when the last action request has finished (a waiting
         * reload can then go ahead). */
        void (*idle)(void *userdata);
        void *idle_userdata;
};

/* Daemon start: loads the alert states and the ledger, opens the outbox
 * (its deliveries go through delivery_http; actions through api_http) and
 * listens to the group commit. Returns 0 or -errno (the outbox cannot be
 * read, -ENOMEM). al's config, watch, group, dry_run_forced and idle are
 * set by the caller before. */
int alerting_open(struct alerting *al, sd_event *event, struct http_client *api_http,
                  struct http_client *delivery_http);
void alerting_close(struct alerting *al);

/* The experiment was just analysed (e->current is fresh). */
void alerting_evaluate(struct alerting *al, struct watched_experiment *e);
/* The experiment left the watch set: its alerts end without a message. */
void alerting_forget(struct alerting *al, long long experiment_id);
/* A new config (and Mida API client) is in place: forget removed rules,
 * send to new notifiers. Called only while no action request runs. */
void alerting_config_changed(struct alerting *al, const struct config *config, struct http_client *api_http);

/* The id of an event: derived from the state's salt, the event's identity
 * (what, rule, experiment) and, per_cycle, the generation of the alert
 * states (one more per group commit that queued events), so that an alert
 * firing again later gets a new id, and the same id across installations
 * never meets. Action reports are not per cycle: their identity, the ledger
 * entry, is unique already, and may finish in a later group. */
void alerting_event_id(const struct alerting *al, const char *what, const char *rule, long long experiment_id,
                       bool per_cycle, char id[static NOTIFY_EVENT_ID_SIZE]);
