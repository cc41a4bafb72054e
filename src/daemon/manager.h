/* The manager object's fields, shared by daemon.c (event loop and signals),
 * manager.c (construction, reload, status) and cycle.c (one poll cycle).
 * Nothing else reaches inside it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "actions/actions.h"
#include "alerting.h"
#include "daemon.h"
#include "rules/rules.h"
#include "store/state.h"
#include "store/watchlist.h"

struct action_request;
struct config;
struct health_daemon;
struct cycle;
struct http_client;
struct outbox;

struct manager {
        sd_event *event;
        char *config_path;
        struct config *config;
        struct http_client *http;
        struct watchlist watch;          /* experiments and their persisted state */
        struct cycle *cycle;             /* the cycle in progress, or NULL */
        sd_event_source *tick;

        enum manager_mode mode;
        bool dry_run_forced;             /* --dry-run */
        bool json;
        FILE *output;

        int state_lock_fd;               /* state_lock.h; -1 in `once` */
        bool reload_pending;
        bool stopping;
        int exit_code;

        /* Alerting (alerting.c, action_runner.c) */
        struct rules_state alerts;       /* alerts.json */
        struct action_ledger actions;    /* actions.json */
        struct alert_batch batch;        /* this cycle's notifications */
        struct action_request *action_requests;  /* in flight or awaiting a retry */
        struct outbox *outbox;           /* deliveries; NULL in `once` */
        struct http_client *delivery_http;  /* notifiers: not bound by the Mida API's caps */

        /* Health and metrics (health_daemon.c); NULL in `once` */
        struct health_daemon *health;

        struct daemon_summary summary;   /* for STATUS= and `status` */
        uint64_t rng;                    /* jitter; seeded at start */
};

void manager_reload(struct manager *m);
/* Whether a cycle or an action request is running: a reload waits for them
 * (they hold pointers into the config and the HTTP client). */
bool manager_busy(const struct manager *m);
/* Something finished: applies a reload that was waiting for it. */
void manager_idle_check(struct manager *m);
void manager_format_status(const struct manager *m, char *buf, size_t size);
void manager_save_state(struct manager *m);
/* Called by cycle.c when a cycle has settled: saves state, reports. */
void manager_cycle_finished(struct manager *m);
uint64_t manager_random(struct manager *m);
bool manager_dry_run(const struct manager *m);
