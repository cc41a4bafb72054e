/* The manager object's fields, shared by daemon.c (event loop and signals)
 * and manager.c (construction, reload, status, the cycle's hooks), and read
 * by health_daemon.c. The files below it (cycle.c, alerting.c) get what they
 * need as arguments and report back through hooks. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "alerting.h"
#include "digests.h"
#include "daemon.h"
#include "store/experiments.h"
#include "store/watchlist.h"

struct config;
struct health_daemon;
struct recorder;
struct store;
struct store_group;
struct cycle;
struct http_client;

struct manager {
        sd_event *event;
        char *config_path;
        struct config *config;
        struct http_client *http;
        struct watchlist watch;          /* experiments and their persisted state */
        struct cycle *cycle;             /* the cycle in progress, or NULL */
        void (*cycle_done)(struct manager *m);  /* daemon.c's, after manager.c's */
        sd_event_source *tick;

        enum manager_mode mode;
        void (*once_finished)(void *userdata, const struct watchlist *w, const struct config *c);
        void (*once_analysed)(void *userdata, struct watched_experiment *e, const struct config *c);
        void *once_userdata;
        void (*cycle_hook)(void *userdata);      /* manager_options' cycle_finished */
        void (*reload_hook)(void *userdata, const struct config *c);
        void *hooks_userdata;

        int state_lock_fd;               /* state_lock.h; -1 in `once` */
        bool reload_pending;
        /* Clients a reload replaced while a cycle had requests in flight on
         * them: freed after that cycle, from retire_source (not from the
         * client's own callback, which ends the cycle). */
        struct http_client **retired_http;
        size_t n_retired, cap_retired;
        sd_event_source *retire_source;
        bool stopping;
        int exit_code;

        /* Rules, notifications and actions (alerting.c); only the daemon
         * opens it: in `once` its outbox is NULL. */
        struct alerting alerting;
        struct http_client *delivery_http;  /* notifiers: not bound by the Mida API's caps */

        /* Health and metrics (health_daemon.c); NULL in `once` */
        struct health_daemon *health;

        /* The scheduled digests (digests.c); only the daemon opens them. */
        struct digests digests;

        /* state.db and the poll history written to it (recorder.c); NULL in
         * `once`, or when the database cannot be opened (logged). */
        struct store *store;
        struct store_group *group;       /* group commit of every write to it */
        struct recorder *recorder;
        int record_error;                /* this cycle's first failed commit, for health */

        struct daemon_summary summary;   /* for STATUS= and `status` */
        uint64_t rng;                    /* jitter; seeded at start */
};

/* Reloads the config (a pending SIGHUP), unless committing the open group
 * started an action request: then it stays pending until that ends. */
void manager_reload(struct manager *m);
/* An action request is in flight: it holds the config and the client, so
 * a reload waits for it (a cycle does not make it wait). */
bool manager_busy(const struct manager *m);
/* Something finished: applies a reload that was waiting for it. */
void manager_idle_check(struct manager *m);
void manager_format_status(const struct manager *m, char *buf, size_t size);
/* Stopping: commits the open group. */
void manager_save_state(struct manager *m);
/* Starts a cycle unless one runs; daemon.c's done hook follows when it
 * has settled. */
void manager_start_cycle(struct manager *m, bool spread, void (*done)(struct manager *m));
