/* One poll cycle. Discovery pages through List Experiments (when
 * experiments = "live"); then every watched experiment's result is fetched,
 * spread over the first part of the interval. A failing experiment is
 * retried with backoff inside the cycle and never delays the others. */
#include "cycle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mida/backoff.h"
#include "config/config.h"
#include "experiment_update.h"
#include "util/grow.h"
#include "util/log.h"
#include "mida/mida.h"
#include "mida/mida_client.h"
#include "store/experiments.h"
#include "store/watchlist.h"

#define USEC_PER_SEC 1000000ULL
#define MAX_ATTEMPTS 3   /* per cycle; the next cycle tries again */
/* Result requests handed to the HTTP client at once, per allowed
 * connection: enough to keep every connection busy, while a cycle over
 * 10,000 experiments never holds 10,000 queued requests (~0.4 KiB each). */
#define REQUESTS_PER_CONNECTION 2
static const struct backoff_policy poll_backoff = {
        .initial_usec = 1 * USEC_PER_SEC, .max_usec = 60 * USEC_PER_SEC,
};

struct fetch {
        struct cycle *cycle;
        long long id;
        unsigned attempt;
        sd_event_source *timer;          /* a pending retry */
        struct http_transfer *transfer;  /* in flight */
        bool finished;
};

struct cycle {
        struct cycle_env env;
        struct cycle_hooks hooks;
        struct cycle **slot;             /* the owner's pointer to c, cleared when c is freed */
        bool spread, stopping, discovering;
        unsigned list_attempt;
        long list_offset;
        sd_event_source *list_timer;     /* a pending retry of a list page */
        struct http_transfer *list_transfer;
        long long *live;                 /* ids found by discovery */
        size_t n_live, cap_live;
        struct mida_experiment *listed;  /* every experiment of the list so far (names owned) */
        size_t n_listed, cap_listed;
        bool listed_lost;                /* an experiment of the list could not be kept */
        struct fetch *fetches;
        size_t n_fetches, outstanding;
        /* Fetches start in order: fetches[next_fetch] is the next one, when
         * fewer than `window` are in flight and (spread) its time has come. */
        size_t next_fetch, in_flight, window;
        uint64_t spread_usec;            /* 0: start as soon as a slot is free */
        sd_event_source *pace_timer;     /* the next fetch's start time */
        bool pumping;                    /* start_next_fetches is on the stack */
        uint64_t started_usec, deadline_usec;
        unsigned polled, failed;
};

static uint64_t now_usec(const struct cycle *c)
{
        uint64_t now = 0;

        sd_event_now(c->env.event, CLOCK_MONOTONIC, &now);
        return now;
}

static void finish(struct cycle *c)
{
        struct daemon_summary *s = c->env.summary;
        struct cycle_hooks hooks = c->hooks;
        unsigned failed = c->failed;

        s->last_cycle_at = time(NULL);
        s->last_cycle_seconds = (double) (now_usec(c) - c->started_usec) / USEC_PER_SEC;
        s->last_cycle_polled = c->polled;
        s->last_cycle_failed = c->failed;
        if (c->failed == 0 && !c->discovering)
                s->api_error[0] = 0;
        cycle_free(c);
        hooks.done(hooks.userdata, failed);
}

static void fetch_finished(struct fetch *f)
{
        struct cycle *c = f->cycle;

        f->finished = true;
        f->timer = sd_event_source_disable_unref(f->timer);
        if (--c->outstanding == 0 && !c->discovering && !c->pumping)
                finish(c);
}

static void log_poll_failure(struct watched_experiment *e, int status, const char *msg)
{
        char id[24], code[8];
        struct log_field fields[] = {
                { "MIDA_EXPERIMENT_ID", id }, { "MIDA_EXPERIMENT_NAME", e->name },
                { "MIDA_HTTP_STATUS", code },
        };

        snprintf(id, sizeof(id), "%lld", e->id);
        snprintf(code, sizeof(code), "%d", status);
        log_event(LOG_ERR, MIDA_MSGID_POLL_FAILED, fields, 3, "experiment %lld (%s): %s",
                  e->id, e->name ? e->name : "unnamed", msg);
}

static void record_failure(struct cycle *c, struct watched_experiment *e, int status, const char *msg)
{
        e->failures++;
        e->last_http_status = status;
        watchlist_set_error(e, msg);
        /* One record per failing spell, not one per retry or per cycle. */
        if (!e->failure_logged)
                log_poll_failure(e, status, msg);
        e->failure_logged = true;
        if (status == 401 || status == 403)
                snprintf(c->env.summary->api_error, sizeof(c->env.summary->api_error), "%s", msg);
        c->failed++;
        c->hooks.request(c->hooks.userdata, false, status, msg);
}

static void record_success(struct cycle *c, struct watched_experiment *e)
{
        if (e->failure_logged)
                log_notice("experiment %lld (%s): polling works again", e->id, e->name ? e->name : "unnamed");
        e->failures = 0;
        e->failure_logged = false;
        watchlist_set_error(e, NULL);
        c->polled++;
        c->hooks.request(c->hooks.userdata, true, 200, NULL);
}

static void start_fetch(struct fetch *f);
static void start_next_fetches(struct cycle *c);

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct fetch *f = userdata;

        f->timer = sd_event_source_disable_unref(f->timer);
        start_fetch(f);
        return 0;
}

static int arm_timer(struct cycle *c, sd_event_source **slot, uint64_t when, sd_event_time_handler_t fn,
                     void *userdata)
{
        return sd_event_add_time(c->env.event, slot, CLOCK_MONOTONIC, when, USEC_PER_SEC / 100, fn, userdata);
}

/* Retries a transient failure if the retry still fits in this cycle. */
static bool retry_later(struct fetch *f, long retry_after)
{
        struct cycle *c = f->cycle;
        uint64_t when = now_usec(c) + backoff_delay(&poll_backoff, f->attempt - 1,
                                                     backoff_random(c->env.rng), retry_after);

        if (c->stopping || f->attempt >= MAX_ATTEMPTS || when > c->deadline_usec)
                return false;
        return arm_timer(c, &f->timer, when, on_retry_timer, f) >= 0;
}

/* priority: NOTICE for one the API says is gone (404), DEBUG for one
 * discovery no longer lists (counted in the discovery's summary line). */
static void drop_experiment(struct cycle *c, struct watched_experiment *e, int priority, const char *why)
{
        char id[24];
        struct log_field fields[] = { { "MIDA_EXPERIMENT_ID", id }, { "MIDA_EXPERIMENT_NAME", e->name } };

        snprintf(id, sizeof(id), "%lld", e->id);
        e->active = false;
        c->hooks.dropped(c->hooks.userdata, e->id);
        log_event(priority, MIDA_MSGID_EXPERIMENT_DROPPED, fields, 2,
                  "experiment %lld (%s): %s; dropped from the watch list", e->id,
                  e->name ? e->name : "unnamed", why);
}

static void on_result(const struct http_response *r, void *userdata)
{
        struct fetch *f = userdata;
        struct cycle *c = f->cycle;
        struct watched_experiment *e = watchlist_find(c->env.watch, f->id);
        char msg[256];

        f->transfer = NULL;
        c->in_flight--;
        start_next_fetches(c);
        if (r->status == 200) {
                if (c->hooks.prepare(c->hooks.userdata, e, msg, sizeof(msg)) >= 0 &&
                    experiment_update(e, r->body, r->body_len, &c->env.config->statistics, time(NULL),
                                      msg, sizeof(msg)) >= 0) {
                        record_success(c, e);
                        c->hooks.analysed(c->hooks.userdata, e);
                        fetch_finished(f);
                        return;
                }
        } else if (r->status == 404) {
                drop_experiment(c, e, LOG_NOTICE, "the API says it does not exist (HTTP 404)");
                fetch_finished(f);
                return;
        } else {
                mida_describe_failure(MIDA_CALL_RESULT, r, msg, sizeof(msg));
        }
        /* A malformed 200 is retried like a 5xx: proxies truncate bodies. */
        if ((r->status == 200 || mida_failure_is_transient(r->status)) && retry_later(f, r->retry_after_seconds))
                return;
        record_failure(c, e, r->status, msg);
        fetch_finished(f);
}

static void start_fetch(struct fetch *f)
{
        struct cycle *c = f->cycle;
        int r;

        if (c->stopping) {
                fetch_finished(f);
                return;
        }
        f->attempt++;
        r = mida_get_result(c->env.http, &c->env.config->mida, f->id, on_result, f, &f->transfer);
        if (r < 0) {
                record_failure(c, watchlist_find(c->env.watch, f->id), 0, strerror(-r));
                fetch_finished(f);
                return;
        }
        c->in_flight++;
}

static bool is_excluded(const struct config_monitor *mon, long long id)
{
        for (size_t i = 0; i < mon->n_exclude; i++)
                if (strtoll(mon->exclude[i], NULL, 10) == id)
                        return true;
        return false;
}

static int on_pace_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct cycle *c = userdata;

        c->pace_timer = sd_event_source_disable_unref(c->pace_timer);
        start_next_fetches(c);
        return 0;
}

/* When fetches[i] is due: spread evenly over spread_usec. */
static uint64_t fetch_due_usec(const struct cycle *c, size_t i)
{
        return c->started_usec + c->spread_usec / c->n_fetches * i;
}

/* Starts the fetches that are due while slots are free; otherwise arms the
 * pace timer for the next one (a completed request also calls this). */
static void start_next_fetches(struct cycle *c)
{
        if (c->pumping)
                return;   /* a fetch that failed at once: the loop below goes on */
        c->pumping = true;
        while (!c->stopping && c->next_fetch < c->n_fetches && c->in_flight < c->window) {
                uint64_t due = fetch_due_usec(c, c->next_fetch);
                /* Without a timer (out of memory) it starts now rather than never. */
                if (due > now_usec(c) && (c->pace_timer || arm_timer(c, &c->pace_timer, due, on_pace_timer, c) >= 0))
                        break;
                start_fetch(&c->fetches[c->next_fetch++]);
        }
        c->pumping = false;
        if (c->outstanding == 0 && !c->discovering)
                finish(c);
}

/* Fetches for every active experiment, spread over spread × interval. */
static void schedule_fetches(struct cycle *c)
{
        const struct config *config = c->env.config;
        struct watchlist *w = c->env.watch;
        size_t n = watchlist_count_active(w), k = 0;

        c->discovering = false;
        c->fetches = calloc(n ? n : 1, sizeof(*c->fetches));
        if (!c->fetches) {
                log_error("out of memory starting a poll cycle");
                n = 0;
        }
        for (size_t i = 0; i < w->n && k < n; i++) {
                struct watched_experiment *e = w->items[i];
                if (!e->active)
                        continue;
                c->fetches[k] = (struct fetch) { .cycle = c, .id = e->id };
                k++;
        }
        c->n_fetches = c->outstanding = k;
        c->spread_usec = c->spread ? (uint64_t) (config->monitor.interval_usec * config->monitor.spread) : 0;
        c->window = (size_t) (config->mida.max_connections > 0 ? config->mida.max_connections : 1) *
                    REQUESTS_PER_CONNECTION;
        start_next_fetches(c);
}

/* One line per discovery at info when the watch set changed (a first start
 * at 10,000 experiments logged 10,000 lines); each experiment's own line,
 * with its MESSAGE_ID and fields, at debug. */
static void mark_watch_set(struct cycle *c)
{
        struct watchlist *w = c->env.watch;
        size_t added = 0, gone = 0, watched;

        for (size_t i = 0; i < w->n; i++)
                w->items[i]->seen = false;
        for (size_t i = 0; i < c->n_live; i++) {
                struct watched_experiment *e = watchlist_get(w, c->live[i]);
                if (!e)
                        continue;
                e->seen = true;
                if (!e->active) {
                        char id[24];
                        struct log_field fields[] = { { "MIDA_EXPERIMENT_ID", id } };
                        snprintf(id, sizeof(id), "%lld", e->id);
                        log_event(LOG_DEBUG, MIDA_MSGID_EXPERIMENT_ADDED, fields, 1,
                                  "experiment %lld: now watched", e->id);
                        e->active = true;
                        added++;
                }
        }
        for (size_t i = 0; i < w->n; i++)
                if (w->items[i]->active && !w->items[i]->seen) {
                        drop_experiment(c, w->items[i], LOG_DEBUG, "no longer live");
                        gone++;
                }
        watched = watchlist_count_active(w);
        log_event(added || gone ? LOG_INFO : LOG_DEBUG, NULL, NULL, 0,
                  "watching %zu %s experiment%s: %zu new, %zu gone",
                  watched, c->env.config->monitor.n_experiments ? "configured" : "live", watched == 1 ? "" : "s",
                  added, gone);
}

static void clear_listed(struct cycle *c)
{
        for (size_t i = 0; i < c->n_listed; i++)
                free(c->listed[i].test_name);
        c->n_listed = 0;
}

/* Kept for the listed hook: a page is freed before the next arrives. */
static void add_listed(struct cycle *c, const struct mida_experiment *x)
{
        struct mida_experiment *items = grow_array(c->listed, &c->cap_listed, c->n_listed, sizeof(*items));

        if (!items)
                return;   /* the lifecycle then sees a shorter list: it is not told at all (see below) */
        c->listed = items;
        items[c->n_listed] = *x;
        items[c->n_listed].test_name = x->test_name ? strdup(x->test_name) : NULL;
        c->n_listed++;
}

static int add_live(struct cycle *c, long long id)
{
        if (c->n_live == c->cap_live) {
                size_t cap = c->cap_live ? c->cap_live * 2 : 64;
                long long *live = realloc(c->live, cap * sizeof(*live));
                if (!live)
                        return -ENOMEM;
                c->live = live;
                c->cap_live = cap;
        }
        c->live[c->n_live++] = id;
        return 0;
}

static void request_list_page(struct cycle *c);

static int on_list_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct cycle *c = userdata;

        c->list_timer = sd_event_source_disable_unref(c->list_timer);
        request_list_page(c);
        return 0;
}

/* Discovery failed: keep polling what was watched before. */
static void discovery_failed(struct cycle *c, const struct http_response *r, const char *msg)
{
        struct daemon_summary *s = c->env.summary;
        uint64_t when = now_usec(c) + backoff_delay(&poll_backoff, c->list_attempt - 1,
                                                     backoff_random(c->env.rng), r->retry_after_seconds);

        if ((r->status == 0 || r->status == 200 || mida_failure_is_transient(r->status)) && !c->stopping &&
            c->list_attempt < MAX_ATTEMPTS && when < c->deadline_usec &&
            arm_timer(c, &c->list_timer, when, on_list_retry, c) >= 0)
                return;
        if (strcmp(s->api_error, msg) != 0) {
                char code[8];
                struct log_field fields[] = { { "MIDA_HTTP_STATUS", code } };
                snprintf(code, sizeof(code), "%d", r->status);
                log_event(LOG_ERR, MIDA_MSGID_POLL_FAILED, fields, 1,
                          "listing experiments failed: %s; polling the %zu experiments already watched",
                          msg, watchlist_count_active(c->env.watch));
        }
        snprintf(s->api_error, sizeof(s->api_error), "%s", msg);
        c->failed++;
        c->hooks.request(c->hooks.userdata, false, r->status, msg);
        schedule_fetches(c);
}

static void on_list_page(const struct http_response *r, void *userdata)
{
        struct cycle *c = userdata;
        struct mida_experiment_list list = { 0 };
        char msg[256] = "";
        char *error = NULL;

        c->list_transfer = NULL;

        if (r->status != 200) {
                mida_describe_failure(MIDA_CALL_LIST, r, msg, sizeof(msg));
                discovery_failed(c, r, msg);
                return;
        }
        if (mida_experiment_list_parse(r->body, r->body_len, &list, &error) < 0) {
                snprintf(msg, sizeof(msg), "malformed experiment list: %s", error ? error : "invalid JSON");
                free(error);
                discovery_failed(c, r, msg);
                return;
        }
        for (size_t i = 0; i < list.n; i++) {
                const struct mida_experiment *x = &list.experiments[i];
                size_t before = c->n_listed;

                add_listed(c, x);
                c->listed_lost = c->listed_lost || c->n_listed == before;
                if (x->status == 1 && !is_excluded(&c->env.config->monitor, x->test_id) &&
                    add_live(c, x->test_id) == 0)
                        watchlist_set_name(watchlist_get(c->env.watch, x->test_id), x->test_name);
        }
        /* A full page means there may be more. */
        if (list.n == MIDA_LIST_PAGE_SIZE && !c->stopping) {
                c->list_offset += MIDA_LIST_PAGE_SIZE;
                c->list_attempt = 0;
                mida_experiment_list_free(&list);
                request_list_page(c);
                return;
        }
        mida_experiment_list_free(&list);
        c->hooks.request(c->hooks.userdata, true, 200, NULL);
        /* A list short of what the API said (out of memory, or stopped
         * early) would read as experiments gone. */
        if (!c->listed_lost && !c->stopping)
                c->hooks.listed(c->hooks.userdata, c->listed, c->n_listed);
        mark_watch_set(c);
        schedule_fetches(c);
}

static void request_list_page(struct cycle *c)
{
        c->list_attempt++;
        if (mida_list_experiments(c->env.http, &c->env.config->mida, c->list_offset, on_list_page, c,
                                  &c->list_transfer) < 0) {
                struct http_response r = { .status = 0, .error = "out of memory", .retry_after_seconds = -1 };
                discovery_failed(c, &r, "out of memory");
        }
}

/* experiments = [ ... ]: the configured ids, minus exclude. */
static void watch_configured(struct cycle *c)
{
        const struct config_monitor *mon = &c->env.config->monitor;

        for (size_t i = 0; i < mon->n_experiments; i++) {
                long long id = strtoll(mon->experiments[i], NULL, 10);
                if (!is_excluded(mon, id))
                        add_live(c, id);
        }
        mark_watch_set(c);
}

/* Discovery in progress starts again under the new config, so that one
 * cycle never watches a list made of two projects' pages. */
static void restart_discovery(struct cycle *c)
{
        if (c->list_transfer)
                http_transfer_cancel(c->list_transfer);   /* its callback will not run */
        c->list_transfer = NULL;
        c->list_timer = sd_event_source_disable_unref(c->list_timer);
        c->n_live = 0;
        clear_listed(c);
        c->listed_lost = false;
        c->list_offset = 0;
        c->list_attempt = 0;
        if (c->env.config->monitor.experiments_live) {
                request_list_page(c);
        } else {
                watch_configured(c);
                schedule_fetches(c);
        }
}

void cycle_reconfigure(struct cycle *c, const struct config *config, struct http_client *http)
{
        c->env.config = config;
        c->env.http = http;
        if (c->discovering && !c->stopping)
                restart_discovery(c);
}

int cycle_start(const struct cycle_env *env, const struct cycle_hooks *hooks, bool spread, struct cycle **slot)
{
        struct cycle *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        *c = (struct cycle) { .env = *env, .hooks = *hooks, .slot = slot, .spread = spread, .discovering = true };
        *slot = c;
        c->started_usec = now_usec(c);
        /* Retries must settle before the next tick is due. */
        c->deadline_usec = c->started_usec + env->config->monitor.interval_usec * 9 / 10;
        if (env->config->monitor.experiments_live) {
                request_list_page(c);
        } else {
                watch_configured(c);
                schedule_fetches(c);
        }
        return 0;
}

void cycle_stop_starting(struct cycle *c)
{
        if (!c)
                return;
        c->stopping = true;
        c->list_timer = sd_event_source_disable_unref(c->list_timer);
        c->pace_timer = sd_event_source_disable_unref(c->pace_timer);
        /* Fetches not started or waiting for a retry are dropped; in-flight
         * ones finish. */
        for (size_t i = 0; i < c->n_fetches; i++) {
                struct fetch *f = &c->fetches[i];
                if (!f->finished && !f->transfer) {
                        f->timer = sd_event_source_disable_unref(f->timer);
                        f->finished = true;
                        c->outstanding--;
                }
        }
        if (c->outstanding == 0 && !c->discovering)
                finish(c);
}

void cycle_abort(struct cycle *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_fetches; i++)
                if (c->fetches[i].transfer)
                        http_transfer_cancel(c->fetches[i].transfer);
        if (c->list_transfer)
                http_transfer_cancel(c->list_transfer);
        cycle_free(c);
}

void cycle_free(struct cycle *c)
{
        if (!c)
                return;
        if (c->slot)
                *c->slot = NULL;
        for (size_t i = 0; i < c->n_fetches; i++)
                sd_event_source_disable_unref(c->fetches[i].timer);
        sd_event_source_disable_unref(c->list_timer);
        sd_event_source_disable_unref(c->pace_timer);
        free(c->fetches);
        free(c->live);
        clear_listed(c);
        free(c->listed);
        free(c);
}
