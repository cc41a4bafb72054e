/* The health state machine (health.c) on a fake clock, its persistence
 * in state.db (health_store.c), the daemon's loading and writing of it in
 * the store's group commit (health_daemon.c), and its notifications
 * (health_payload.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/alerting.h"
#include "daemon/health.h"
#include "daemon/health_daemon.h"
#include "daemon/health_payload.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/group_commit.h"
#include "store/health_rows.h"
#include "store/watchlist.h"
#include "util/log.h"

#include "store_fixture.h"

#define SEC 1000000ULL
#define HOUR 3600
#define T0 1700000000   /* the fake clock starts here */

static const struct health_settings settings = {
        .after_usec = HOUR * SEC, .repeat_usec = 24 * HOUR * SEC, .stalled_after_usec = 24 * HOUR * SEC,
};

struct fixture {
        struct health_state state;
        struct health_transitions out;
};

static struct fixture fx;

static void setup(void) { memset(&fx, 0, sizeof(fx)); }
static void teardown(void)
{
        health_state_clear(&fx.state);
        health_transitions_clear(&fx.out);
}

TestSuite(health, .init = setup, .fini = teardown);

/* Evaluates obs at now with s, replacing the transitions of the last call. */
static void step(const struct health_settings *s, struct health_observations obs, int64_t now)
{
        health_transitions_clear(&fx.out);
        obs.now = now;
        cr_assert_eq(health_evaluate(&fx.state, s, &obs, &fx.out), 0);
}

static struct health_observations api(enum health_api a, const char *error)
{
        return (struct health_observations) { .api = a, .api_error = error, .state_writable = -1 };
}

static void expect_transitions(size_t n)
{
        cr_assert_eq(fx.out.n, n, "%zu transitions, expected %zu", fx.out.n, n);
}

static void expect(size_t i, enum health_transition_kind kind, enum health_condition c, const char *subject)
{
        cr_assert_lt(i, fx.out.n);
        cr_expect_eq(fx.out.items[i].kind, kind, "transition %zu: kind %d, expected %d", i, fx.out.items[i].kind, kind);
        cr_expect_eq(fx.out.items[i].condition, c, "transition %zu: condition", i);
        cr_expect_str_eq(fx.out.items[i].subject, subject);
        cr_expect_eq(fx.out.items[i].notify, kind == HEALTH_ALERT || kind == HEALTH_REPEAT || kind == HEALTH_RECOVERED);
}

static const struct config_notifier webhook_notifier = { .name = "ops", .type = NOTIFIER_WEBHOOK };
static const struct config_notifier slack_notifier = { .name = "growth", .type = NOTIFIER_SLACK };
static const struct config health_config = {
        .monitor = { .interval_usec = 60000000 }, .health = { .repeat_usec = 86400000000ULL },
};

Test(health, key_rejected_pending_alert_repeat_recovered)
{
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401: Invalid or missing API key"), T0);
        expect_transitions(1);
        expect(0, HEALTH_DETECTED, HEALTH_API_KEY_REJECTED, "");
        cr_expect_str_eq(fx.out.items[0].detail, "HTTP 401: Invalid or missing API key");
        cr_expect_eq(health_count(&fx.state, false), 1);
        cr_expect_eq(health_count(&fx.state, true), 0);

        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + HOUR - 1);
        expect_transitions(0);
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + HOUR);
        expect_transitions(1);
        expect(0, HEALTH_ALERT, HEALTH_API_KEY_REJECTED, "");
        cr_expect_eq(fx.out.items[0].since, T0);
        cr_expect_str_eq(fx.out.items[0].detail, "HTTP 401");
        cr_expect_eq(health_count(&fx.state, true), 1);

        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 2 * HOUR);
        expect_transitions(0);
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 25 * HOUR);
        expect_transitions(1);
        expect(0, HEALTH_REPEAT, HEALTH_API_KEY_REJECTED, "");
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 48 * HOUR);
        expect_transitions(0);

        step(&settings, api(HEALTH_API_OK, NULL), T0 + 50 * HOUR);
        expect_transitions(1);
        expect(0, HEALTH_RECOVERED, HEALTH_API_KEY_REJECTED, "");
        cr_expect_eq(fx.out.items[0].since, T0);
        cr_expect_eq(health_count(&fx.state, false), 0);
        step(&settings, api(HEALTH_API_OK, NULL), T0 + 51 * HOUR);
        expect_transitions(0);
}

Test(health, cleared_before_after_is_not_notified)
{
        step(&settings, api(HEALTH_API_ALL_FAILED, "HTTP 503"), T0);
        expect(0, HEALTH_DETECTED, HEALTH_API_FAILING, "");
        step(&settings, api(HEALTH_API_OK, NULL), T0 + 600);
        expect_transitions(1);
        expect(0, HEALTH_CLEARED, HEALTH_API_FAILING, "");
        cr_expect_eq(health_count(&fx.state, false), 0);
}

Test(health, after_zero_alerts_at_once_and_repeat_zero_never_repeats)
{
        struct health_settings now = { .after_usec = 0, .repeat_usec = 0, .stalled_after_usec = 0 };

        step(&now, api(HEALTH_API_ALL_FAILED, "timeout"), T0);
        expect_transitions(2);
        expect(0, HEALTH_DETECTED, HEALTH_API_FAILING, "");
        expect(1, HEALTH_ALERT, HEALTH_API_FAILING, "");
        step(&now, api(HEALTH_API_ALL_FAILED, "timeout"), T0 + 1000 * HOUR);
        expect_transitions(0);
}

Test(health, a_rejected_key_is_not_an_api_failure)
{
        step(&settings, api(HEALTH_API_ALL_FAILED, "connection refused"), T0);
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 403"), T0 + 60);
        expect_transitions(2);
        expect(0, HEALTH_CLEARED, HEALTH_API_FAILING, "");
        expect(1, HEALTH_DETECTED, HEALTH_API_KEY_REJECTED, "");
        /* Down again: whether the key is accepted is unknown, it stays. */
        step(&settings, api(HEALTH_API_ALL_FAILED, "HTTP 502"), T0 + 120);
        expect_transitions(1);
        expect(0, HEALTH_DETECTED, HEALTH_API_FAILING, "");
        cr_expect(health_holds(&fx.state, HEALTH_API_KEY_REJECTED));
}

Test(health, nothing_observed_keeps_state)
{
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0);
        step(&settings, api(HEALTH_API_UNKNOWN, NULL), T0 + 10 * HOUR);
        expect_transitions(0);
        cr_expect(health_holds(&fx.state, HEALTH_API_KEY_REJECTED));
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 11 * HOUR);
        expect_transitions(1);
        expect(0, HEALTH_ALERT, HEALTH_API_KEY_REJECTED, "");
        cr_expect_eq(fx.out.items[0].since, T0);
}

static struct health_experiment_observation experiment(long long id, enum health_poll poll, int64_t grew_at)
{
        return (struct health_experiment_observation) {
                .id = id, .name = "Checkout", .poll = poll, .error = poll == HEALTH_POLL_FAILED ? "HTTP 500" : NULL,
                .live = true, .visitors_grew_at = grew_at,
        };
}

Test(health, one_experiment_failing_while_others_work)
{
        struct health_experiment_observation x[2] = {
                experiment(1001, HEALTH_POLL_OK, T0), experiment(1002, HEALTH_POLL_FAILED, T0),
        };
        struct health_observations o = api(HEALTH_API_OK, NULL);

        o.experiments = x;
        o.n_experiments = 2;
        step(&settings, o, T0);
        expect_transitions(1);
        expect(0, HEALTH_DETECTED, HEALTH_EXPERIMENT_FAILING, "1002");
        cr_expect_str_eq(fx.out.items[0].name, "Checkout");
        step(&settings, o, T0 + HOUR);
        expect(0, HEALTH_ALERT, HEALTH_EXPERIMENT_FAILING, "1002");

        /* The whole API down: an experiment's own failure says nothing. */
        o.api = HEALTH_API_ALL_FAILED;
        x[0].poll = HEALTH_POLL_FAILED;
        step(&settings, o, T0 + 2 * HOUR);
        expect_transitions(1);
        expect(0, HEALTH_DETECTED, HEALTH_API_FAILING, "");
        cr_expect(health_holds(&fx.state, HEALTH_EXPERIMENT_FAILING));

        o.api = HEALTH_API_OK;
        x[0].poll = x[1].poll = HEALTH_POLL_OK;
        step(&settings, o, T0 + 3 * HOUR);
        expect_transitions(2);
        expect(0, HEALTH_CLEARED, HEALTH_API_FAILING, "");
        expect(1, HEALTH_RECOVERED, HEALTH_EXPERIMENT_FAILING, "1002");
}

Test(health, experiment_no_longer_watched_is_dropped_silently)
{
        struct health_experiment_observation x = experiment(1002, HEALTH_POLL_FAILED, T0);
        struct health_observations o = api(HEALTH_API_OK, NULL);

        o.experiments = &x;
        o.n_experiments = 1;
        step(&settings, o, T0);
        step(&settings, o, T0 + HOUR);
        expect(0, HEALTH_ALERT, HEALTH_EXPERIMENT_FAILING, "1002");
        o.n_experiments = 0;
        step(&settings, o, T0 + 2 * HOUR);
        expect_transitions(0);
        cr_expect_eq(health_count(&fx.state, false), 0);
}

Test(health, stalled_traffic)
{
        struct health_experiment_observation x = experiment(1001, HEALTH_POLL_OK, T0);
        struct health_observations o = api(HEALTH_API_OK, NULL);

        o.experiments = &x;
        o.n_experiments = 1;
        step(&settings, o, T0 + 24 * HOUR - 1);
        expect_transitions(0);
        /* stalled_after is its own wait: alerted when detected. */
        step(&settings, o, T0 + 25 * HOUR);
        expect_transitions(2);
        expect(0, HEALTH_DETECTED, HEALTH_EXPERIMENT_STALLED, "1001");
        expect(1, HEALTH_ALERT, HEALTH_EXPERIMENT_STALLED, "1001");
        cr_expect_eq(fx.out.items[1].since, T0 + 24 * HOUR);
        cr_expect_str_eq(fx.out.items[1].detail, "no new visitors for 1d1h");

        /* A failed poll says nothing about traffic. */
        x.poll = HEALTH_POLL_FAILED;
        step(&settings, o, T0 + 26 * HOUR);
        cr_expect(health_holds(&fx.state, HEALTH_EXPERIMENT_STALLED));

        x.poll = HEALTH_POLL_OK;
        x.visitors_grew_at = T0 + 27 * HOUR;
        step(&settings, o, T0 + 27 * HOUR);
        expect_transitions(2);
        expect(0, HEALTH_CLEARED, HEALTH_EXPERIMENT_FAILING, "1001");
        expect(1, HEALTH_RECOVERED, HEALTH_EXPERIMENT_STALLED, "1001");
}

Test(health, stalled_needs_live_known_and_enabled)
{
        struct health_experiment_observation x = experiment(1001, HEALTH_POLL_OK, T0);
        struct health_observations o = api(HEALTH_API_OK, NULL);
        struct health_settings off = settings;

        o.experiments = &x;
        o.n_experiments = 1;
        x.live = false;
        step(&settings, o, T0 + 100 * HOUR);
        expect_transitions(0);
        x.live = true;
        x.visitors_grew_at = 0;
        step(&settings, o, T0 + 100 * HOUR);
        expect_transitions(0);
        x.visitors_grew_at = T0;
        off.stalled_after_usec = 0;
        step(&off, o, T0 + 100 * HOUR);
        expect_transitions(0);
}

static struct config *two_notifiers(void)
{
        static struct config_notifier notifiers[2] = { { .name = "ops" }, { .name = "pager" } };
        static size_t notify[2] = { 0, 1 };
        static struct config c;

        c = (struct config) { .notifiers = notifiers, .n_notifiers = 2,
                              .health = { .notify = notify, .n_notify = 2 } };
        return &c;
}

Test(health, failing_notifier_reported_through_the_others)
{
        struct health_notifier_observation n[2] = {
                { .name = "ops", .failing_since = T0 - 2 * HOUR, .error = "HTTP 503" },
                { .name = "pager" },
        };
        struct health_observations o = api(HEALTH_API_OK, NULL);
        struct config *c = two_notifiers();
        size_t targets[4];

        o.notifiers = n;
        o.n_notifiers = 2;
        /* Failing for 2 h already when first seen: alerted at once. */
        step(&settings, o, T0);
        expect_transitions(2);
        expect(0, HEALTH_DETECTED, HEALTH_DELIVERY_FAILING, "ops");
        expect(1, HEALTH_ALERT, HEALTH_DELIVERY_FAILING, "ops");
        cr_expect_eq(fx.out.items[1].since, T0 - 2 * HOUR);
        cr_assert_eq(health_targets(c, &fx.out.items[1], targets, 4), 1);
        cr_expect_eq(targets[0], 1);

        /* Only the failing one configured: journal only. */
        c->health.n_notify = 1;
        cr_expect_eq(health_targets(c, &fx.out.items[1], targets, 4), 0);
        c->health.n_notify = 2;

        n[0].failing_since = 0;
        step(&settings, o, T0 + HOUR);
        expect(0, HEALTH_RECOVERED, HEALTH_DELIVERY_FAILING, "ops");
        cr_expect_eq(health_targets(c, &fx.out.items[0], targets, 4), 1);

        /* Other conditions go to every health notifier. */
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 2 * HOUR);
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 3 * HOUR);
        expect(0, HEALTH_ALERT, HEALTH_API_KEY_REJECTED, "");
        cr_expect_eq(health_targets(c, &fx.out.items[0], targets, 4), 2);
}

Test(health, notifier_removed_by_reload_is_dropped)
{
        struct health_notifier_observation n = { .name = "ops", .failing_since = T0, .error = "HTTP 500" };
        struct health_observations o = api(HEALTH_API_OK, NULL);

        o.notifiers = &n;
        o.n_notifiers = 1;
        step(&settings, o, T0);
        o.n_notifiers = 0;
        step(&settings, o, T0 + 2 * HOUR);
        expect_transitions(0);
        cr_expect_eq(health_count(&fx.state, false), 0);
}

Test(health, state_directory_not_writable)
{
        struct health_observations o = api(HEALTH_API_OK, NULL);

        o.state_writable = 0;
        o.state_error = "No space left on device";
        step(&settings, o, T0);
        expect(0, HEALTH_DETECTED, HEALTH_STATE_NOT_WRITABLE, "");
        o.state_writable = -1;
        step(&settings, o, T0 + 2 * HOUR);
        expect_transitions(0);   /* not tried: unchanged, and no ALERT either */
        o.state_writable = 0;
        step(&settings, o, T0 + 2 * HOUR);
        expect(0, HEALTH_ALERT, HEALTH_STATE_NOT_WRITABLE, "");
        o.state_writable = 1;
        step(&settings, o, T0 + 3 * HOUR);
        expect(0, HEALTH_RECOVERED, HEALTH_STATE_NOT_WRITABLE, "");
}

/* ---- persistence in state.db (health_store.c, and the daemon's group) ---- */

static struct store *open_store(unsigned flags)
{
        struct store *s = NULL;

        cr_assert_eq(store_open(store_dir, flags, &s), 0);
        return s;
}

static void store_setup(void)
{
        setup();
        store_fixture_make_dir();
}

static void store_teardown(void)
{
        teardown();
        store_fixture_remove_dir();
}

TestSuite(health_store, .init = store_setup, .fini = store_teardown);

/* Saves fx.state through a group, as the daemon does: joined, then flushed. */
static void save_in_group(struct store *s)
{
        struct store_group *g = NULL;

        cr_assert_eq(store_group_new(s, NULL, &g), 0);
        cr_assert_eq(store_group_join(g), 0);
        cr_assert_eq(health_state_save(s, &fx.state), 0, "%s", store_error(s));
        cr_assert_eq(store_group_flush(g), 0);
        store_group_free(g);
}

static void expect_record(const struct health_record *r, enum health_condition c, const char *subject,
                          const char *name, const char *detail)
{
        cr_expect_eq(r->condition, c);
        cr_expect_str_eq(r->subject, subject);
        expect_str_or_null(r->name, name, "name");
        expect_str_or_null(r->detail, detail, "detail");
}

Test(health_store, restart_does_not_realert)
{
        struct store *s = open_store(0);

        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0);
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + HOUR);
        expect(0, HEALTH_ALERT, HEALTH_API_KEY_REJECTED, "");
        save_in_group(s);
        store_close(s);

        /* "Restart": a fresh state from the database. */
        health_state_clear(&fx.state);
        s = open_store(0);
        cr_assert_eq(health_state_load(s, &fx.state), 0);
        cr_assert_eq(fx.state.n, 1);
        expect_record(&fx.state.records[0], HEALTH_API_KEY_REJECTED, "", NULL, "HTTP 401");
        cr_expect_eq(fx.state.records[0].since, T0);
        cr_expect_eq(fx.state.records[0].alerted_at, T0 + HOUR);
        cr_expect_eq(fx.state.records[0].last_notified, T0 + HOUR);
        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0 + 2 * HOUR);
        expect_transitions(0);
        step(&settings, api(HEALTH_API_OK, NULL), T0 + 3 * HOUR);
        expect(0, HEALTH_RECOVERED, HEALTH_API_KEY_REJECTED, "");
        store_close(s);
}

Test(health_store, save_replaces_the_stored_set)
{
        struct health_experiment_observation x = experiment(7, HEALTH_POLL_FAILED, T0);
        struct health_observations o = api(HEALTH_API_ALL_FAILED, "HTTP 503");
        struct health_state loaded = { 0 };
        struct store *s = open_store(0);

        o.experiments = &x;
        o.n_experiments = 1;
        o.state_writable = 0;
        o.state_error = "No space left on device";
        step(&settings, o, T0);
        cr_assert_eq(fx.state.n, 2);
        save_in_group(s);
        cr_assert_eq(health_state_load(s, &loaded), 0);
        cr_assert_eq(loaded.n, 2);
        /* In the store's key order, by the condition's name. */
        expect_record(&loaded.records[0], HEALTH_API_FAILING, "", NULL, "HTTP 503");
        expect_record(&loaded.records[1], HEALTH_STATE_NOT_WRITABLE, "", NULL, "No space left on device");

        /* The API answers again, the experiment fails on its own: one
         * record went, one came. */
        o.api = HEALTH_API_OK;
        o.state_writable = 1;
        step(&settings, o, T0 + 60);
        save_in_group(s);
        cr_assert_eq(health_state_load(s, &loaded), 0);
        cr_assert_eq(loaded.n, 1);
        expect_record(&loaded.records[0], HEALTH_EXPERIMENT_FAILING, "7", "Checkout", "HTTP 500");
        cr_expect_eq(loaded.records[0].since, T0 + 60);

        health_state_clear(&fx.state);
        save_in_group(s);
        cr_expect_eq(health_state_load(s, &loaded), 0);
        cr_expect_eq(loaded.n, 0, "an empty state empties the table");
        health_state_clear(&loaded);
        store_close(s);
}

Test(health_store, load_skips_a_row_it_cannot_read)
{
        struct store *s = open_store(0);

        step(&settings, api(HEALTH_API_AUTH_FAILED, "HTTP 401"), T0);
        save_in_group(s);
        /* Sorted before api_key_rejected: the walk must go past it. */
        store_exec_sql(s, "INSERT INTO health (condition, since) VALUES ('a_newer_condition', 1)");
        health_state_clear(&fx.state);
        cr_expect_eq(health_state_load(s, &fx.state), -EBADMSG);
        cr_assert_eq(fx.state.n, 1, "the readable rows are loaded");
        expect_record(&fx.state.records[0], HEALTH_API_KEY_REJECTED, "", NULL, "HTTP 401");
        store_close(s);
}

/* ---- the daemon: health_daemon_open and the cycle's write in the group ---- */

struct daemon_fixture {
        struct config config;
        struct watchlist watch;
        struct alerting alerting;          /* no outbox: nothing is queued */
        struct daemon_summary summary;
        struct health_sources sources;
        struct store *store;
        struct store_group *group;
        struct health_daemon *health;
};

static void daemon_open(struct daemon_fixture *d)
{
        *d = (struct daemon_fixture) {
                .config.health = { .after_usec = HOUR * SEC, .repeat_usec = 24 * HOUR * SEC },
        };
        d->sources = (struct health_sources) { .config = &d->config, .watch = &d->watch,
                                               .alerting = &d->alerting, .summary = &d->summary };
        d->store = open_store(0);
        cr_assert_eq(store_group_new(d->store, NULL, &d->group), 0);
        cr_assert_eq(health_daemon_open(d->group, &d->health), 0);
}

static void daemon_close(struct daemon_fixture *d)
{
        health_daemon_close(d->health);
        store_group_free(d->group);
        store_close(d->store);
}

/* Whether the daemon holds condition c (its metrics say so). */
static bool daemon_holds(struct daemon_fixture *d, enum health_condition c)
{
        struct metrics_input in;
        bool holds;

        cr_assert_eq(health_daemon_metrics(d->health, &d->sources, &in), 0);
        cr_assert_eq(in.n_health, HEALTH_CONDITION_COUNT);
        holds = in.health[c].value > 0;
        health_daemon_metrics_free(&in);
        return holds;
}

/* What another connection sees committed, like `status` while the daemon writes. */
static size_t committed_rows(struct health_read *got)
{
        struct store *reader = open_store(STORE_READ_ONLY);

        health_read_clear(got);
        cr_assert_eq(store_health_each(reader, collect_health, got), 0);
        store_close(reader);
        return got->n;
}

Test(health_store, daemon_loads_at_open_and_writes_in_the_open_group)
{
        int64_t now = (int64_t) time(NULL);
        const struct store_health_row stored = {
                STORE_HEALTH_API_KEY_REJECTED, "", NULL, "HTTP 401", now - 2 * HOUR, now - HOUR, now - HOUR,
        };
        struct health_read got = { 0 };
        struct daemon_fixture d;
        struct store *s = open_store(0);

        cr_assert_eq(store_health_upsert(s, &stored), 0);
        store_close(s);
        daemon_open(&d);
        cr_expect(daemon_holds(&d, HEALTH_API_KEY_REJECTED), "loaded at open");

        /* Still rejected: the loaded record goes on (not detected anew). */
        health_daemon_request(d.health, false, 401, "HTTP 401: Invalid or missing API key");
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect(store_group_is_open(d.group), "written in the open group, not committed on its own");
        cr_assert_eq(committed_rows(&got), 1);
        expect_str_or_null(got.rows[0].detail, "HTTP 401", "detail before the group commits");
        cr_assert_eq(store_group_flush(d.group), 0);
        cr_assert_eq(committed_rows(&got), 1);
        cr_expect_eq(got.rows[0].since, now - 2 * HOUR);
        cr_expect_eq(got.rows[0].alerted_at, now - HOUR, "not alerted again");
        expect_str_or_null(got.rows[0].detail, "HTTP 401: Invalid or missing API key", "detail");

        /* Accepted again: recovered, and the row goes with the group. */
        health_daemon_request(d.health, true, 200, NULL);
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect_eq(committed_rows(&got), 1);
        cr_assert_eq(store_group_flush(d.group), 0);
        cr_expect_eq(committed_rows(&got), 0);
        cr_expect_not(daemon_holds(&d, HEALTH_API_KEY_REJECTED));
        health_read_clear(&got);
        daemon_close(&d);
}

Test(health_store, a_failed_write_raises_state_not_writable)
{
        struct health_read got = { 0 };
        struct daemon_fixture d;

        daemon_open(&d);
        store_exec_sql(d.store, "CREATE TRIGGER refuse BEFORE INSERT ON health "
                                "BEGIN SELECT RAISE(ABORT, 'refused'); END");
        health_daemon_request(d.health, false, 401, "HTTP 401");
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect(daemon_holds(&d, HEALTH_API_KEY_REJECTED));
        cr_expect_lt(store_group_flush(d.group), 0, "the group is rolled back");
        cr_expect_eq(committed_rows(&got), 0);

        /* The next cycle sees the failure, even though the manager reports
         * a success of its own afterwards. */
        health_daemon_state_written(d.health, 0);
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect(daemon_holds(&d, HEALTH_STATE_NOT_WRITABLE));
        (void) store_group_flush(d.group);

        /* Writable again: this cycle still sees the last cycle's failed
         * write, and writes the whole set kept in memory meanwhile. */
        store_exec_sql(d.store, "DROP TRIGGER refuse");
        health_daemon_state_written(d.health, 0);
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect(daemon_holds(&d, HEALTH_STATE_NOT_WRITABLE));
        cr_assert_eq(store_group_flush(d.group), 0);
        cr_assert_eq(committed_rows(&got), 2);
        cr_expect_eq(got.rows[0].condition, STORE_HEALTH_API_KEY_REJECTED);
        cr_expect_eq(got.rows[1].condition, STORE_HEALTH_STATE_NOT_WRITABLE);
        /* The next one clears it. */
        health_daemon_state_written(d.health, 0);
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect_not(daemon_holds(&d, HEALTH_STATE_NOT_WRITABLE));
        cr_assert_eq(store_group_flush(d.group), 0);
        cr_expect_eq(committed_rows(&got), 1);
        health_read_clear(&got);
        daemon_close(&d);
}

Test(health_store, a_failed_group_reported_by_the_manager_holds_for_the_cycle)
{
        struct daemon_fixture d;

        daemon_open(&d);
        health_daemon_state_written(d.health, -ENOSPC);
        health_daemon_state_written(d.health, 0);
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect(daemon_holds(&d, HEALTH_STATE_NOT_WRITABLE));
        health_daemon_state_written(d.health, 0);
        health_daemon_cycle_finished(d.health, &d.sources);
        cr_expect_not(daemon_holds(&d, HEALTH_STATE_NOT_WRITABLE));
        daemon_close(&d);
}

Test(health_store, open_needs_a_group)
{
        struct health_daemon *h = NULL;

        cr_expect_eq(health_daemon_open(NULL, &h), -EINVAL);
        cr_expect_null(h);
}

Test(health, names_message_ids_and_text)
{
        char buf[512];
        struct health_transition t = { .kind = HEALTH_DETECTED, .condition = HEALTH_API_KEY_REJECTED,
                                       .subject = "", .detail = "HTTP 401", .since = T0, .at = T0 };

        for (int c = 0; c < HEALTH_CONDITION_COUNT; c++) {
                cr_expect_eq(health_condition_from_string(health_condition_to_string(c)), c);
                cr_expect_eq(strlen(health_condition_message_id(c)), 32);
                for (int d = 0; d < c; d++)
                        cr_expect_str_neq(health_condition_message_id(c), health_condition_message_id(d));
        }
        cr_expect_lt(health_condition_from_string("nope"), 0);
        cr_expect_str_eq(health_transition_message_id(&t), MIDA_MSGID_HEALTH_API_KEY_REJECTED);
        cr_expect_str_eq(health_transition_text(&t, &settings, buf, sizeof(buf)),
                         "health: the Mida API rejects the API key (HTTP 401); notified if it lasts 1h");
        t.kind = HEALTH_ALERT;
        t.at = T0 + 3600 + 60;
        cr_expect_str_eq(health_transition_message_id(&t), MIDA_MSGID_HEALTH_DEGRADED);
        cr_expect_str_eq(health_transition_text(&t, &settings, buf, sizeof(buf)),
                         "health degraded: the Mida API rejects the API key (HTTP 401), for 1h1m");
        t.kind = HEALTH_RECOVERED;
        cr_expect_str_eq(health_transition_message_id(&t), MIDA_MSGID_HEALTH_RECOVERED);
        cr_expect_str_eq(health_transition_text(&t, &settings, buf, sizeof(buf)),
                         "health recovered: the Mida API rejects the API key no more, after 1h1m");
        cr_expect_str_eq(health_describe(HEALTH_EXPERIMENT_STALLED, "1001", "Checkout", buf, sizeof(buf)),
                         "experiment 1001 (Checkout): traffic stalled");
        cr_expect_str_eq(health_describe(HEALTH_DELIVERY_FAILING, "ops", NULL, buf, sizeof(buf)),
                         "deliveries to notifier ops fail");
}

static const char *get_string(json_object *o, const char *path)
{
        char copy[128], *save = NULL;
        json_object *cur = o;

        snprintf(copy, sizeof(copy), "%s", path);
        for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save))
                if (!json_object_object_get_ex(cur, k, &cur))
                        return "(absent)";
        return cur ? json_object_get_string(cur) : "(null)";
}

Test(health, webhook_payload)
{
        struct health_transition t = { .kind = HEALTH_ALERT, .condition = HEALTH_EXPERIMENT_STALLED,
                                       .subject = "1001", .name = "Check \"out\"", .detail = "no new visitors for 1d",
                                       .since = T0, .at = T0 + 60 };
        json_object *o = health_webhook_payload("evt_1", &t, T0 + 60);
        char *text;

        cr_assert_not_null(o);
        cr_expect_eq(json_object_get_int(json_object_object_get(o, "version")), 1);
        cr_expect_str_eq(get_string(o, "id"), "evt_1");
        cr_expect_str_eq(get_string(o, "event"), "health-degraded");
        cr_expect_str_eq(get_string(o, "severity"), "critical");
        cr_expect_str_eq(get_string(o, "rule"), "(null)");
        cr_expect_str_eq(get_string(o, "summary"),
                         "mida-monitor degraded: experiment 1001 (Check \"out\"): traffic stalled "
                         "(no new visitors for 1d), since 2023-11-14T22:13:20Z");
        cr_expect_eq(json_object_get_int64(json_object_object_get(json_object_object_get(o, "experiment"), "id")), 1001);
        cr_expect_str_eq(get_string(o, "experiment.name"), "Check \"out\"");
        cr_expect_str_eq(get_string(o, "health.condition"), "experiment_stalled");
        cr_expect_str_eq(get_string(o, "health.since"), "2023-11-14T22:13:20Z");
        cr_expect_str_eq(get_string(o, "timestamps.resolved"), "(null)");
        cr_expect(json_object_object_get_ex(json_object_object_get(o, "analysis"), "lift", NULL));
        json_object_put(o);

        t.kind = HEALTH_RECOVERED;
        t.condition = HEALTH_API_KEY_REJECTED;
        t.subject = "";
        text = health_render(&health_config, &webhook_notifier, "evt_2", &t, T0 + 60);
        cr_assert_not_null(text);
        o = json_tokener_parse(text);
        cr_assert_not_null(o, "%s", text);
        cr_expect_str_eq(get_string(o, "event"), "health-recovered");
        cr_expect_str_eq(get_string(o, "experiment"), "(null)");
        cr_expect_str_eq(get_string(o, "health.subject"), "(null)");
        cr_expect_str_eq(get_string(o, "timestamps.resolved"), "2023-11-14T22:14:20Z");
        json_object_put(o);
        free(text);
}

Test(health, slack_payload)
{
        struct health_transition t = { .kind = HEALTH_ALERT, .condition = HEALTH_EXPERIMENT_FAILING,
                                       .subject = "1002", .name = "<b>&co</b>", .detail = "HTTP 500",
                                       .since = T0, .at = T0 + 60 };
        char *text = health_render(&health_config, &slack_notifier, "evt_3", &t, T0 + 60);
        json_object *o, *blocks;

        cr_assert_not_null(text);
        o = json_tokener_parse(text);
        cr_assert_not_null(o);
        cr_expect(strstr(get_string(o, "text"), "mida-monitor degraded: experiment 1002 (<b>&co</b>)"));
        blocks = json_object_object_get(o, "blocks");
        cr_assert_eq(json_object_array_length(blocks), 3);
        cr_expect_str_eq(get_string(json_object_array_get_idx(blocks, 0), "text.text"), "mida-monitor degraded");
        cr_expect(strstr(get_string(json_object_array_get_idx(blocks, 1), "text.text"), "&lt;b&gt;&amp;co&lt;/b&gt;"),
                  "%s", text);
        json_object_put(o);
        free(text);
}
