/* The manager object's fields, shared by daemon.c (event loop and signals),
 * manager.c (construction, reload, status) and cycle.c (one poll cycle).
 * Nothing else reaches inside it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "state.h"
#include "watchlist.h"

struct config;
struct cycle;
struct http_client;

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

        bool reload_pending;
        bool stopping;
        int exit_code;

        struct daemon_summary summary;   /* for STATUS= and `status` */
        uint64_t rng;                    /* jitter; seeded at start */
};

void manager_reload(struct manager *m);
void manager_format_status(const struct manager *m, char *buf, size_t size);
void manager_save_state(struct manager *m);
/* Called by cycle.c when a cycle has settled: saves state, reports. */
void manager_cycle_finished(struct manager *m);
uint64_t manager_random(struct manager *m);
bool manager_dry_run(const struct manager *m);
