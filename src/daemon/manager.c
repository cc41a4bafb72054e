/* The manager's construction, reload and status; the event loop itself is
 * in daemon.c. */
#include "manager.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "alerting.h"
#include "config/config.h"
#include "cycle.h"
#include "health_daemon.h"
#include "lifecycle.h"
#include "stats/analysis.h"
#include "recorder.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "mida/http.h"
#include "util/grow.h"
#include "util/log.h"
#include "notify/outbox.h"
#include "store/experiments.h"
#include "store/state_lock.h"
#include "upgrade.h"

static int load_config(const char *path, struct config **ret)
{
        struct config_diag diag = { 0 };
        int r = config_load(path, ret, &diag);

        /* Under systemd these lines reach the journal, one per problem. */
        for (size_t i = 0; i < diag.n_messages; i++)
                log_event(diag.messages[i].warning ? LOG_WARNING : LOG_ERR, NULL, NULL, 0, "%s",
                          diag.messages[i].text);
        if (r < 0 && diag.n_messages == 0)
                log_error("%s: cannot load configuration: %s", path, strerror(-r));
        config_diag_clear(&diag);
        return r;
}

static int make_http_client(sd_event *event, const struct config_mida *api, struct http_client **ret)
{
        struct http_client_options o = {
                .user_agent = "mida-monitor/" PACKAGE_VERSION,
                .connect_timeout_ms = (long) (api->connect_timeout_usec / 1000),
                .timeout_ms = (long) (api->timeout_usec / 1000),
                .max_response_bytes = api->max_response_size,
                .max_connections = api->max_connections,
                .max_requests_per_second = api->max_requests_per_second,
                .ca_file = api->ca_file,
        };

        *ret = http_client_new(event, &o);
        return *ret ? 0 : -ENOMEM;
}

static int lock_state_directory(struct manager *m)
{
        const char *dir = m->config->monitor.state_directory;
        int fd = state_directory_lock(dir);

        if (fd == -EBUSY)
                log_error("%s: another mida-monitor is running with this state directory; "
                          "not starting a second one (it would send every alert twice)", dir);
        else if (fd < 0)
                log_error("%s: cannot lock the state directory: %s", dir, strerror(-fd));
        m->state_lock_fd = fd;
        return fd < 0 ? fd : 0;
}

/* A group commit that failed: the state directory is not writable. */
static void group_committed(void *userdata, int r)
{
        struct manager *m = userdata;

        if (r < 0 && m->record_error == 0)
                m->record_error = r;
}

/* state.db holds everything the daemon remembers: without it there is
 * nothing to start from, and systemd's restart tries again. */
static int open_store(struct manager *m)
{
        const char *dir = m->config->monitor.state_directory;
        const struct store_group_listener l = { .committed = group_committed, .userdata = m };
        int r = store_open(dir, 0, &m->store);

        if (r == -EPROTO)
                log_error("%s/%s was written by a newer mida-monitor; not starting (downgrades are not supported)",
                          dir, STORE_FILE);
        else if (r < 0)
                log_error("%s/%s: cannot open the database: %s", dir, STORE_FILE, strerror(-r));
        if (r >= 0)
                r = store_group_new(m->store, m->event, &m->group);
        if (r >= 0)
                r = store_group_listen(m->group, &l);
        if (r >= 0)
                r = recorder_new(m->group, &m->recorder);
        return r;
}

/* The first start after 0.1.0 imports its files; a failed import keeps
 * them for the next start, and this one begins without them. */
static void upgrade_state_directory(struct manager *m)
{
        const char *dir = m->config->monitor.state_directory;
        int r = upgrade_import_0_1_0(dir, m->store);

        if (r > 0 && (r = upgrade_move_imported(dir)) < 0)
                log_warning("%s: cannot move the imported 0.1.0 files into %s/: %s", dir, UPGRADE_IMPORTED_DIR,
                            strerror(-r));
}

/* The watch list and summary the last run left. The last analyses are not
 * recomputed here: the first cycle replaces them, and restore_unpolled
 * recomputes those of experiments it could not poll. */
static void load_state(struct manager *m, struct store *s)
{
        int r = store_watchlist_load(s, &m->watch, NULL);

        if (r >= 0)
                r = store_summary_load(s, &m->summary);
        if (r < 0)
                log_error("%s: cannot read the saved state: %s; starting without it", STORE_FILE, strerror(-r));
}

/* `once` looks at the daemon's state if there is one, and writes nothing. */
static void read_state(struct manager *m)
{
        struct store *s = NULL;

        if (store_open(m->config->monitor.state_directory, STORE_READ_ONLY, &s) < 0)
                return;
        load_state(m, s);
        if (store_watchlist_load_sequential(s, &m->watch) < 0) {
                log_warning("%s: cannot read the sequential states; looking afresh", STORE_FILE);
                for (size_t i = 0; i < m->watch.n; i++)
                        watchlist_drop_sequential(m->watch.items[i]);
        }
        store_close(s);
}

static void actions_idle(void *userdata)
{
        manager_idle_check(userdata);
}

static int open_alerting(struct manager *m)
{
        const struct http_client_options o = { .user_agent = "mida-monitor/" PACKAGE_VERSION };

        m->delivery_http = http_client_new(m->event, &o);
        if (!m->delivery_http || health_daemon_open(m->group, &m->health) < 0)
                return -ENOMEM;
        m->alerting.config = m->config;
        m->alerting.watch = &m->watch;
        m->alerting.group = m->group;
        m->alerting.idle = actions_idle;
        m->alerting.idle_userdata = m;
        return alerting_open(&m->alerting, m->event, m->http, m->delivery_http);
}

int manager_new(const struct manager_options *o, struct manager **ret)
{
        struct manager *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        m->mode = o->mode;
        m->state_lock_fd = -1;
        m->alerting.dry_run_forced = o->dry_run;
        m->once_finished = o->once_finished;
        m->once_analysed = o->once_analysed;
        m->once_userdata = o->userdata;
        m->cycle_hook = o->cycle_finished;
        m->reload_hook = o->config_reloaded;
        m->hooks_userdata = o->hooks_userdata;
        m->config_path = strdup(o->config_path);
        if (getrandom(&m->rng, sizeof(m->rng), 0) != sizeof(m->rng))
                m->rng = (uint64_t) time(NULL);
        r = m->config_path ? load_config(o->config_path, &m->config) : -ENOMEM;
        if (r >= 0)
                r = sd_event_default(&m->event);
        if (r >= 0)
                r = make_http_client(m->event, &m->config->mida, &m->http);
        if (r >= 0 && m->mode == MANAGER_DAEMON)
                r = lock_state_directory(m);
        if (r >= 0 && m->mode == MANAGER_DAEMON)
                r = open_store(m);
        if (r >= 0 && m->mode == MANAGER_DAEMON) {
                upgrade_state_directory(m);
                load_state(m, m->store);
                r = open_alerting(m);
                if (r >= 0)
                        digests_open(&m->digests, m->event, m->group, m->alerting.outbox, m->config);
        } else if (r >= 0) {
                read_state(m);
        }
        if (r < 0) {
                manager_free(m);
                return r;
        }
        m->summary.started_at = time(NULL);
        *ret = m;
        return 0;
}

static void free_retired_http(struct manager *m)
{
        for (size_t i = 0; i < m->n_retired; i++)
                http_client_free(m->retired_http[i]);
        m->n_retired = 0;
}

static int on_retire(sd_event_source *s, void *userdata)
{
        free_retired_http(userdata);
        return 0;
}

/* Clients retired during the cycle that just ended, freed on the next loop
 * iteration (this runs inside one of their callbacks); at the next cycle's
 * start when even that cannot be arranged. */
static void schedule_retire(struct manager *m)
{
        if (m->n_retired == 0)
                return;
        if (m->retire_source)   /* a defer source is created one-shot, and re-armed so */
                (void) sd_event_source_set_enabled(m->retire_source, SD_EVENT_ONESHOT);
        else
                (void) sd_event_add_defer(m->event, &m->retire_source, on_retire, m);
}

/* The replaced client: freed now when no cycle runs, else kept until it
 * has ended (its requests in flight finish on it). */
static int retire_http(struct manager *m, struct http_client *old)
{
        struct http_client **grown;

        if (!m->cycle) {
                http_client_free(old);
                return 0;
        }
        if (!(grown = grow_array(m->retired_http, &m->cap_retired, m->n_retired, sizeof(*grown))))
                return -ENOMEM;
        m->retired_http = grown;
        m->retired_http[m->n_retired++] = old;
        return 0;
}

void manager_free(struct manager *m)
{
        if (!m)
                return;
        cycle_free(m->cycle);
        sd_event_source_unref(m->tick);
        digests_close(&m->digests);
        store_group_free(m->group);   /* commits what is pending */
        recorder_free(m->recorder);
        store_close(m->store);
        alerting_close(&m->alerting);   /* also when never opened: all zero */
        health_daemon_close(m->health);
        http_client_free(m->delivery_http);
        http_client_free(m->http);
        free_retired_http(m);
        free(m->retired_http);
        sd_event_source_disable_unref(m->retire_source);
        watchlist_clear(&m->watch);
        config_free(m->config);
        sd_event_unref(m->event);
        if (m->state_lock_fd >= 0)
                close(m->state_lock_fd);
        free(m->config_path);
        free(m);
}

/* Swaps in fresh and its client. */
static void apply_config(struct manager *m, struct config *fresh, struct http_client *http)
{
        struct config *old = m->config;

        m->config = fresh;
        m->http = http;
        if (m->cycle)
                cycle_reconfigure(m->cycle, fresh, http);
        alerting_config_changed(&m->alerting, fresh, http);
        digests_set_config(&m->digests, fresh);
        if (m->reload_hook)
                m->reload_hook(m->hooks_userdata, fresh);
        config_free(old);
}

void manager_reload(struct manager *m)
{
        struct config *fresh = NULL;
        struct http_client *http = NULL;
        uint64_t now;

        /* The open group is committed first: its batched notifications name
         * rules by their index in the running config, and its commit may
         * start action requests on the running client, which a reload
         * waits for (manager_idle_check runs it again when they end). */
        if (m->group)
                (void) store_group_flush(m->group);
        if (manager_busy(m))
                return;
        m->reload_pending = false;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long) now);
        if (load_config(m->config_path, &fresh) < 0) {
                log_error("%s: new configuration rejected; keeping the running one", m->config_path);
        } else {
                if (make_http_client(m->event, &fresh->mida, &http) < 0 || retire_http(m, m->http) < 0) {
                        http_client_free(http);
                        config_free(fresh);
                        log_error("cannot apply the new configuration: out of memory");
                } else {
                        apply_config(m, fresh, http);
                        log_event(LOG_INFO, MIDA_MSGID_CONFIG_RELOADED, NULL, 0,
                                  "%s: configuration reloaded%s", m->config_path,
                                  m->cycle ? "; the cycle in progress goes on with it" : "");
                }
        }
        sd_notify(false, "READY=1");
}

sd_event *manager_event(const struct manager *m)
{
        return m->event;
}

const struct config *manager_config(const struct manager *m)
{
        return m->config;
}

int manager_metrics_text(const struct manager *m, char **ret, size_t *ret_len)
{
        const struct health_sources s = {
                .config = m->config, .watch = &m->watch, .alerting = &m->alerting, .summary = &m->summary,
        };

        return health_daemon_metrics_text(m->health, &s, ret, ret_len);
}

bool manager_busy(const struct manager *m)
{
        return action_runner_busy(&m->alerting.actions);
}

void manager_idle_check(struct manager *m)
{
        if (m->reload_pending && !m->stopping && !manager_busy(m))
                manager_reload(m);
}

void manager_format_status(const struct manager *m, char *buf, size_t size)
{
        const struct daemon_summary *s = &m->summary;
        size_t firing = rules_firing_count(&m->alerting.alerts, NULL);
        size_t pending = m->alerting.outbox ? outbox_pending(m->alerting.outbox) : 0;
        int n = snprintf(buf, size, "Watching %zu experiments", watchlist_count_active(&m->watch));

        /* What an operator glancing at `systemctl status` needs first. */
        if (firing > 0 && n >= 0 && (size_t) n < size)
                n += snprintf(buf + n, size - n, "; %zu alert%s firing", firing, firing == 1 ? "" : "s");
        if (pending > 0 && n >= 0 && (size_t) n < size)
                n += snprintf(buf + n, size - n, "; %zu deliver%s pending", pending, pending == 1 ? "y" : "ies");
        if (n < 0 || (size_t) n >= size)
                return;
        if (s->last_cycle_at == 0)
                snprintf(buf + n, size - n, "; first cycle running");
        else
                snprintf(buf + n, size - n, "; last cycle: %u polled, %u failed%s%s", s->last_cycle_polled,
                         s->last_cycle_failed, s->api_error[0] ? "; API error: " : "", s->api_error);
}

/* What the metrics show for an active experiment not polled since start
 * (its polls failed): its last analysis, recomputed from state.db once. */
static void restore_unpolled(struct manager *m)
{
        for (size_t i = 0; i < m->watch.n; i++) {
                struct watched_experiment *e = m->watch.items[i];
                int r;

                if (!e->active || e->last || e->restored_analysis)
                        continue;
                r = store_experiment_restore(m->store, e, &m->config->statistics);
                if (r < 0)
                        log_warning("experiment %lld: cannot recompute its last analysis: %s", e->id, strerror(-r));
        }
}

/* The cycle's end, in the open group: the summary, and the experiments
 * whose polls failed (their failure count and error; the polled ones were
 * recorded as they came). */
static void record_cycle(struct manager *m)
{
        int r;

        for (size_t i = 0; i < m->watch.n; i++) {
                struct watched_experiment *e = m->watch.items[i];
                if (e->active && e->failures > 0)
                        recorder_add(m->recorder, e);
                watchlist_drop_sequential(e);   /* left by a poll whose analysis failed */
        }
        r = store_group_join(m->group);
        if (r >= 0 && (r = store_summary_save(m->store, &m->summary)) < 0)
                store_group_fail(m->group, r);
}

void manager_save_state(struct manager *m)
{
        if (m->mode == MANAGER_DAEMON)
                (void) store_group_flush(m->group);
}

/* The cycle's hooks. Only the daemon alerts and tracks health: `once`
 * looks, and its output is printed by the caller's once_finished. */
#define WEEK_SECONDS (7 * 24 * 3600)

static int cycle_prepare(void *userdata, struct watched_experiment *e, char *err, size_t err_size)
{
        struct manager *m = userdata;
        int r;

        if (m->mode != MANAGER_DAEMON)
                return 0;   /* `once` looks once: a first look, no state */
        r = store_sequential_load(m->store, e);
        if (r < 0)
                snprintf(err, err_size, "cannot read its sequential state from state.db: %s", strerror(-r));
        /* The traffic of the last week, for time to decision; without a
         * week of history it is counted since the start. */
        if (r >= 0 && store_visitors_at(m->store, e->id, (int64_t) time(NULL) - WEEK_SECONDS, &e->visitors_week_ago) != 1)
                e->visitors_week_ago = -1;
        return r;
}

static void cycle_analysed(void *userdata, struct watched_experiment *e)
{
        struct manager *m = userdata;

        if (m->mode == MANAGER_ONCE && m->once_analysed)
                m->once_analysed(m->once_userdata, e, m->config);
        if (m->mode != MANAGER_DAEMON)
                return;
        alerting_evaluate(&m->alerting, e);
        if (e->current->concluded)
                lifecycle_concluded(m->group, m->alerting.outbox, m->config, e->id, e->current->test_name);
        recorder_add(m->recorder, e);
        /* Between polls the daemon needs only the figures (e->last); the
         * sequential state is in state.db. */
        watchlist_drop_current(e);
        watchlist_drop_sequential(e);
}

static void cycle_dropped(void *userdata, long long experiment_id)
{
        struct manager *m = userdata;

        if (m->mode != MANAGER_DAEMON)
                return;
        alerting_forget(&m->alerting, experiment_id);
        recorder_add(m->recorder, watchlist_find(&m->watch, experiment_id));   /* now inactive */
}

static void cycle_listed(void *userdata, const struct mida_experiment *experiments, size_t n)
{
        struct manager *m = userdata;

        if (m->mode == MANAGER_DAEMON)
                lifecycle_listed(m->group, m->alerting.outbox, m->config, experiments, n);
}

static void cycle_request(void *userdata, bool ok, int http_status, const char *error)
{
        struct manager *m = userdata;

        health_daemon_request(m->health, ok, http_status, error);
}

static void cycle_finished(void *userdata, unsigned failed)
{
        struct manager *m = userdata;
        const struct daemon_summary *s = &m->summary;

        schedule_retire(m);
        /* Only `once` reports failed polls in its exit status; `run` exits 0
         * on SIGTERM whatever its last cycle saw (systemd would call a
         * plain stop a failure otherwise). */
        if (m->mode == MANAGER_ONCE)
                m->exit_code = failed ? 1 : 0;
        if (m->mode == MANAGER_DAEMON) {
                /* A group that failed since the last cycle means the state
                 * directory is not writable. */
                health_daemon_state_written(m->health, m->record_error);
                m->record_error = 0;
                record_cycle(m);
                restore_unpolled(m);
                health_daemon_cycle_finished(m->health, &(struct health_sources) {
                        .config = m->config, .watch = &m->watch, .alerting = &m->alerting,
                        .summary = &m->summary,
                });
                /* The cycle's last polls, its summary, the health conditions
                 * and their notifications: one commit, before the cycle is
                 * said to be finished. */
                (void) store_group_flush(m->group);
                recorder_prune(m->recorder, m->config->monitor.history_retention_usec, time(NULL));
                if (m->cycle_hook)
                        m->cycle_hook(m->hooks_userdata);
                /* The cycle's transient trees (responses, analyses, JSON)
                 * are freed; give their pages back until the next one. */
                malloc_trim(0);
        }
        /* Last, so that whoever waits for this line finds everything saved. */
        log_debug("poll cycle finished: %u polled, %u failed in %.2f s", s->last_cycle_polled,
                  s->last_cycle_failed, s->last_cycle_seconds);
        if (m->mode == MANAGER_ONCE && m->once_finished)
                m->once_finished(m->once_userdata, &m->watch, m->config);
        m->cycle_done(m);
}

void manager_start_cycle(struct manager *m, bool spread, void (*done)(struct manager *m))
{
        const struct cycle_env env = {
                .event = m->event, .http = m->http, .config = m->config, .watch = &m->watch,
                .summary = &m->summary, .rng = &m->rng,
        };
        const struct cycle_hooks hooks = {
                .userdata = m, .prepare = cycle_prepare, .analysed = cycle_analysed, .dropped = cycle_dropped,
                .listed = cycle_listed, .request = cycle_request, .done = cycle_finished,
        };

        if (m->cycle) {
                /* The previous cycle is still running: never run two at once. */
                log_warning("previous poll cycle still running; skipping this tick");
                return;
        }
        m->cycle_done = done;
        free_retired_http(m);
        if (cycle_start(&env, &hooks, spread, &m->cycle) < 0) {
                log_error("out of memory starting a poll cycle");
                done(m);
        }
}
