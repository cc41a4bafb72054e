/* Room daemon/: the manager — event loop, cycle timer, signals, reload,
 * the systemd notify protocol — and what it runs: the poll cycle, alerting,
 * health and metrics; and the upgrade from 0.1.0 with the readers of its
 * JSON files (upgrade.h, upgrade_read.h). The only room that wires the others together; it may
 * use every room below it (actions/, rules/, notify/, store/, stats/, mida/,
 * config/, expr/, util/) and is used only by cli/.
 *
 * This header is the room's door for cli/: build a manager, run it, free
 * it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct config;
struct watchlist;
struct watched_experiment;

enum manager_mode {
        MANAGER_DAEMON,   /* `run`: cycles every interval until SIGTERM */
        MANAGER_ONCE,     /* `once`: one cycle, then exit */
};

struct manager;

struct manager_options {
        const char *config_path;
        enum manager_mode mode;
        bool dry_run;      /* --dry-run: overrides the config's dry_run */
        /* `once`: called when its cycle has finished, with what it saw
         * (the caller prints it); not called when the cycle was cut short. */
        void (*once_finished)(void *userdata, const struct watchlist *w, const struct config *c);
        /* `once`: called as each experiment's analysis arrives (e->current
         * fresh); it may print and drop it (watchlist_drop_current), so that
         * memory does not grow with the number of experiments. May be NULL. */
        void (*once_analysed)(void *userdata, struct watched_experiment *e, const struct config *c);
        void *userdata;
        /* `run`: what else the process serves hears of the daemon through
         * these (cli/ wires the status page to them; either may be NULL).
         * A cycle ended and what it saw is committed to state.db: */
        void (*cycle_finished)(void *hooks_userdata);
        /* A reload applied c (the running config from now on; the old one
         * is freed right after): */
        void (*config_reloaded)(void *hooks_userdata, const struct config *c);
        void *hooks_userdata;
};

/* Loads the config (printing its errors to stderr) and the state; returns
 * 0 or a negative errno. */
int manager_new(const struct manager_options *o, struct manager **ret);
/* Runs until stopped (daemon) or until the cycle ends (once); returns the
 * process exit code. */
int manager_run(struct manager *m);
void manager_free(struct manager *m);

/* For what runs beside the daemon on its loop (`run`'s status page). */
struct sd_event;
struct sd_event *manager_event(const struct manager *m);
const struct config *manager_config(const struct manager *m);
/* The Prometheus exposition of the daemon as it is now: the text the
 * metrics file gets after each cycle, whether or not monitor.metrics_file
 * is set. Returns 0 with *ret (malloc'd, NUL-terminated) and *ret_len, or
 * -ENOMEM. */
int manager_metrics_text(const struct manager *m, char **ret, size_t *ret_len);
