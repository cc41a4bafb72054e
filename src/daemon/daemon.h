/* The manager: owns the event loop, the config, the HTTP client, the watch
 * list and the cycle timer; handles signals and the systemd notify protocol. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

enum manager_mode {
        MANAGER_DAEMON,   /* `run`: cycles every interval until SIGTERM */
        MANAGER_ONCE,     /* `once`: one cycle, then exit */
};

struct manager;

struct manager_options {
        const char *config_path;
        enum manager_mode mode;
        bool dry_run;      /* --dry-run: overrides the config's dry_run */
        bool json;         /* `once --json` output */
        FILE *output;      /* where `once` prints its table or JSON */
};

/* Loads the config (printing its errors to stderr) and the state; returns
 * 0 or a negative errno. */
int manager_new(const struct manager_options *o, struct manager **ret);
/* Runs until stopped (daemon) or until the cycle ends (once); returns the
 * process exit code. */
int manager_run(struct manager *m);
void manager_free(struct manager *m);
