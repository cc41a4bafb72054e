/* One poll cycle: discover the experiments to watch, fetch each result
 * (spread over part of the interval, with per-experiment retries), hand
 * each to the analysis, and report back through the hooks its owner
 * registered — it never calls up into the manager. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct config;
struct mida_experiment;
struct daemon_summary;
struct http_client;
struct watchlist;
struct watched_experiment;
struct cycle;

/* What a cycle works with, borrowed until it has settled or a reload hands
 * it others (cycle_reconfigure). */
struct cycle_env {
        sd_event *event;
        struct http_client *http;
        const struct config *config;
        struct watchlist *watch;
        struct daemon_summary *summary;  /* last cycle's figures and the API's error */
        uint64_t *rng;                   /* retry jitter (backoff_random) */
};

struct cycle_hooks {
        void *userdata;
        /* e's result arrived and is about to be analysed: its sequential
         * state must be in e->sequential. Returns 0, or -errno with a
         * one-line reason in err (the poll then fails and is retried). */
        int (*prepare)(void *userdata, struct watched_experiment *e, char *err, size_t err_size);
        /* e's result was fetched and analysed: e->current is fresh. */
        void (*analysed)(void *userdata, struct watched_experiment *e);
        /* e left the watch set. */
        void (*dropped)(void *userdata, long long experiment_id);
        /* Discovery read the whole experiment list (every page; not with
         * a configured list of ids): every experiment, live or not, in the
         * API's order. Called before the watch set is updated. */
        void (*listed)(void *userdata, const struct mida_experiment *experiments, size_t n);
        /* A request settled after its retries: ok, or failed with
         * http_status (0: transport) and a message without secrets. */
        void (*request)(void *userdata, bool ok, int http_status, const char *error);
        /* The cycle settled, its figures are in the summary; `failed` polls
         * failed. The cycle is already freed. */
        void (*done)(void *userdata, unsigned failed);
};

/* Starts a cycle and stores it in *slot, which is cleared when the cycle is
 * freed (as sd-event does with its sources): a cycle over nothing settles
 * before this returns. Returns 0, or -ENOMEM when nothing could be started
 * (the done hook is then not called). `spread`: spread requests over
 * monitor.spread of the interval instead of sending them at once. Every
 * hook must be set. */
int cycle_start(const struct cycle_env *env, const struct cycle_hooks *hooks, bool spread, struct cycle **slot);
/* A reload: every request not yet started (results, retries, the next
 * list page) goes through http with config, and each analysis from now on
 * uses config's statistics; requests in flight finish on the client they
 * started on, which the caller keeps until the cycle has ended. Discovery
 * still in progress starts again from its first page on the new API. The
 * cycle's pacing (spread, window, deadline) stays as it started. */
void cycle_reconfigure(struct cycle *c, const struct config *config, struct http_client *http);
/* SIGTERM: start nothing new; the cycle ends when in-flight requests do. */
void cycle_stop_starting(struct cycle *c);
/* Abandons in-flight requests and frees c; the done hook is not called. */
void cycle_abort(struct cycle *c);
void cycle_free(struct cycle *c);
