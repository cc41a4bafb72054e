/* The outbox across restarts (state.db closed and opened again), a kill
 * before the commit, rows it cannot send, config changes and a failing
 * disk; Standard Webhooks headers; notify_events(); nothing secret in the
 * log. Real mida-sim receiver, real sd-event loop and HTTP client. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mida/http.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "notify/webhook_sign.h"
#include "outbox_fixture.h"
#include "sim_harness.h"
#include "store/db.h"
#include "store/group_commit.h"

#define BODY "{\"event\":\"fired\",\"url\":\"https://x.test/a/b\"}"
#define USEC_PER_SEC 1000000ULL

TestSuite(outbox_restart, .init = fixture_setup, .fini = fixture_teardown, .timeout = 60);

/* Runs until the committed row of notifier and id records a failed
 * attempt; *rows holds it. */
static const struct store_delivery *wait_for_failed_attempt(struct deliveries_read *rows, const char *notifier,
                                                            const char *id)
{
        for (;;) {
                const struct store_delivery *d = committed_row(rows, notifier, id);

                if (d && d->attempts >= 1 && d->last_error)
                        return d;
                cr_assert_geq(sd_event_run(fx.loop, 10000), 0);
        }
}

Test(outbox_restart, a_failed_attempt_is_recorded_and_a_restart_resends_at_once)
{
        struct outbox *o = fixture_open(60000, 600000);   /* the retry would be a minute away */
        struct deliveries_read rows = { 0 };
        const struct store_delivery *row;
        json_object *list;

        hook_fail("ops", 1, 500, -1);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_restart", BODY), 0);
        row = wait_for_failed_attempt(&rows, "ops", "evt_restart");
        cr_expect_str_eq(row->last_error, "HTTP 500");
        cr_expect_eq(row->attempts, 1);
        cr_expect_gt(row->next_attempt_at_usec, row->created_at_usec + 25 * USEC_PER_SEC,
                     "next attempt not pushed out by the backoff");
        deliveries_read_clear(&rows);
        fixture_close();

        o = fixture_open(60000, 600000);
        cr_expect_eq(outbox_pending(o), 1);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 2);
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 1)), 200);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 1), "webhook-id"), "evt_restart");
        run_until_committed();
        cr_expect_eq(rows_committed(NULL), 0);
        json_object_put(list);
        fixture_close();
}

/* Stopped with the POSTs in flight: all of them arrive after the next
 * start, in order, each at least once. */
Test(outbox_restart, stopped_while_in_flight_loses_nothing)
{
        struct outbox *o = fixture_open_unwindowed(20, 100);
        json_object *list;
        size_t n;

        cr_assert_eq(outbox_enqueue(o, "plain", "evt_k1", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_k2", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_k3", BODY), 0);
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_assert_geq(sd_event_run(fx.loop, 0), 0);
        fixture_close();

        o = fixture_open(20, 100);
        cr_expect_eq(rows_committed(NULL), 3);
        cr_expect_eq(outbox_pending(o), 3);
        run_until_empty(o);
        list = hook_deliveries("plain");
        n = json_object_array_length(list);
        cr_assert_geq(n, 2);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, n - 2), "webhook-id"), "evt_k1");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, n - 1), "webhook-id"), "evt_k2");
        json_object_put(list);
        cr_expect_geq(hook_count("ops"), 1);
        run_until_committed();
        cr_expect_eq(rows_committed(NULL), 0);
        fixture_close();
}

/* The killed daemon, in a child process with its own loop and state.db
 * connection: evt_kept is committed and delivered (its removal is not
 * committed), evt_lost is queued in a group that never commits; then
 * _exit, as kill -9 would. Returns the exit status (0: as planned). */
static int run_killed_daemon(void)
{
        struct store *store = NULL;
        struct store_group *group = NULL;
        struct http_client *http;
        struct outbox *o = NULL;
        sd_event *loop = NULL;

        if (sd_event_new(&loop) < 0 || !(http = http_client_new(loop, &(struct http_client_options) { 0 })) ||
            store_open(fx.dir, 0, &store) < 0 || store_group_new(store, NULL, &group) < 0 ||
            outbox_open(group, loop, http, &o) < 0)
                return 2;
        outbox_set_config(o, &fx.config);
        if (outbox_enqueue(o, "ops", "evt_kept", BODY) < 0 || store_group_flush(group) < 0)
                return 3;
        while (outbox_delivered_total(o) == 0)
                if (sd_event_run(loop, UINT64_MAX) < 0)
                        return 4;
        if (outbox_enqueue(o, "ops", "evt_lost", BODY) < 0)
                return 5;
        /* What the loop would still do in 200 ms: evt_lost is not sent. */
        for (int i = 0; i < 20; i++)
                if (sd_event_run(loop, 10000) < 0)
                        return 6;
        return 0;
}

Test(outbox_restart, a_kill_before_the_commit_sends_nothing_uncommitted_and_loses_nothing_committed)
{
        struct outbox *o;
        json_object *list;
        pid_t pid;
        int status = 0;

        fflush(NULL);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0)
                _exit(run_killed_daemon());
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the killed daemon: status %d", status);
        cr_expect_eq(hook_count("ops"), 1, "sent before its commit, or not after it");

        o = fixture_open(20, 100);
        cr_expect_eq(rows_committed(NULL), 1);
        cr_expect_eq(outbox_pending(o), 1);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 2);
        /* Delivered, then again: its removal died with the process. */
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 0), "webhook-id"), "evt_kept");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 1), "webhook-id"), "evt_kept");
        json_object_put(list);
        run_until_committed();
        cr_expect_eq(rows_committed(NULL), 0);
        fixture_close();
}

/* Rows the outbox cannot send (written by hand, or by a bug) stay in the
 * table untouched; the others load, due at once whatever their
 * next_attempt_at, still failing as they were. */
Test(outbox_restart, rows_that_are_no_delivery_are_left_and_the_rest_is_due_at_once)
{
        struct outbox *o;
        json_object *list;
        const char *error = NULL;
        uint64_t created = (uint64_t) time(NULL) * USEC_PER_SEC;

        fixture_open(20, 100);
        add_row(&(struct store_delivery) { .id = "evt_bad", .notifier = "../x", .body = "{}", .created_at_usec = 1 });
        add_row(&(struct store_delivery) { .id = "evt.dot", .notifier = "plain", .body = "{}", .created_at_usec = 1 });
        add_row(&(struct store_delivery) { .id = "evt_good", .notifier = "plain", .body = "{}",
                                           .created_at_usec = created, .attempts = 2,
                                           .next_attempt_at_usec = created + 3600 * USEC_PER_SEC,
                                           .last_error = "HTTP 503" });
        fixture_close();

        o = fixture_open(20, 100);
        cr_expect_eq(outbox_pending(o), 1);
        cr_expect_eq(outbox_notifier_failing_since(o, "plain", &error), created);
        cr_expect_str_eq(error, "HTTP 503");
        /* Due at once despite the stored next_attempt_at. */
        run_until_empty(o);
        list = hook_deliveries("plain");
        cr_assert_eq(json_object_array_length(list), 1);
        cr_expect_str_eq(jstr(json_object_array_get_idx(list, 0), "body"), "{}");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 0), "webhook-id"), "evt_good");
        cr_expect_eq(outbox_notifier_failing_since(o, "plain", NULL), 0);
        json_object_put(list);
        run_until_committed();
        cr_expect_eq(rows_committed(NULL), 2, "a row that is no delivery was touched");
        fixture_close();
}

Test(outbox_restart, signed_webhooks_verify_and_others_carry_no_signature)
{
        struct outbox *o = fixture_open(20, 100);
        char expected[WEBHOOK_SIGNATURE_SIZE];
        json_object *list, *d;
        const char *ts;

        cr_assert_eq(outbox_enqueue(o, "ops", "evt_signed", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_unsigned", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "growth", "evt_slack", "{\"text\":\"hi\"}"), 0);
        run_until_empty(o);

        list = hook_deliveries("ops");
        d = json_object_array_get_idx(list, 0);
        cr_assert_not_null(d);
        ts = delivery_header(d, "webhook-timestamp");
        cr_assert_not_null(ts);
        cr_expect_str_eq(delivery_header(d, "webhook-id"), "evt_signed");
        cr_assert_eq(webhook_sign(FIXTURE_WHSEC, "evt_signed", atoll(ts), jstr(d, "body"), strlen(jstr(d, "body")),
                                  expected, sizeof(expected)), 0);
        cr_expect_str_eq(delivery_header(d, "webhook-signature"), expected);
        cr_expect_leq(llabs(atoll(ts) - (long long) time(NULL)), 5, "timestamp is not the attempt's time");
        json_object_put(list);

        list = hook_deliveries("plain");
        d = json_object_array_get_idx(list, 0);
        cr_expect_str_eq(delivery_header(d, "webhook-id"), "evt_unsigned");
        cr_expect_null(delivery_header(d, "webhook-signature"));
        json_object_put(list);

        list = hook_deliveries("growth");
        d = json_object_array_get_idx(list, 0);
        cr_expect_eq(delivery_status(d), 200);
        cr_expect_null(delivery_header(d, "webhook-id"));
        cr_expect_null(delivery_header(d, "webhook-signature"));
        json_object_put(list);
        fixture_close();
}

Test(outbox_restart, an_entry_of_a_removed_notifier_waits_for_it)
{
        struct config without_ops = { .notifiers = fx.notifiers + 1, .n_notifiers = N_FIXTURE_NOTIFIERS - 1 };
        struct outbox *o = fixture_open(20, 100);

        outbox_set_config(o, &without_ops);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_wait", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_go", BODY), 0);
        run_for_ms(300);
        cr_expect_eq(outbox_pending(o), 1);
        cr_expect_eq(rows_committed("ops"), 1);
        cr_expect_eq(hook_count("ops"), 0);

        outbox_set_config(o, &fx.config);
        run_until_empty(o);
        cr_expect_eq(hook_count("ops"), 1);
        fixture_close();
}

/* The disk fails (SQLite reads the database as read-only): enqueue
 * reports the error, the delivery is still made, and the log says it is
 * not crash-safe. */
Test(outbox_restart, a_failed_write_still_delivers)
{
        struct outbox *o = fixture_open(20, 100);
        char *log;

        store_exec_sql(fx.store, "PRAGMA query_only = 1");
        log_capture_start();
        cr_expect_eq(outbox_enqueue(o, "plain", "evt_nodisk", BODY), -EROFS);
        cr_expect_eq(outbox_pending(o), 1);
        run_until_empty(o);
        log = log_capture_end();
        cr_expect_eq(hook_count("plain"), 1);
        cr_expect_not_null(strstr(log, "delivery evt_nodisk to notifier plain is not stored"), "log: %s", log);
        cr_expect_not_null(strstr(log, "not crash-safe"), "log: %s", log);
        store_exec_sql(fx.store, "PRAGMA query_only = 0");
        cr_expect_eq(rows_queued(NULL), 0);
        free(log);
        fixture_close();
}

/* The row of a delivered delivery cannot be removed (the disk refuses
 * writes): this run does not send it again, and the removal is retried
 * with the next commit, so that the next start does not send it either. */
Test(outbox_restart, a_failed_removal_is_retried_with_the_next_commit)
{
        struct outbox *o = fixture_open(20, 100);
        char *log;

        cr_assert_eq(outbox_enqueue(o, "plain", "evt_stuck", BODY), 0);
        run_until_committed();
        store_exec_sql(fx.store, "PRAGMA query_only = 1");
        log_capture_start();
        run_until_empty(o);
        run_for_ms(200);
        log = log_capture_end();
        cr_expect_eq(hook_count("plain"), 1, "sent again in the same run");
        cr_expect_eq(outbox_delivered_total(o), 1);
        cr_expect_not_null(strstr(log, "cannot remove delivery evt_stuck to notifier plain (delivered)"),
                           "log: %s", log);
        cr_expect_not_null(strstr(log, "retried with the next commit"), "log: %s", log);
        cr_expect_eq(rows_committed("plain"), 1);
        free(log);

        /* Writable again: the next group (here, another delivery's) takes
         * the removal along. */
        store_exec_sql(fx.store, "PRAGMA query_only = 0");
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_next", BODY), 0);
        run_until_committed();
        run_until_empty(o);
        run_until_committed();
        cr_expect_eq(rows_committed(NULL), 0, "the stuck row is still there");
        cr_expect_eq(hook_count("plain"), 2);
        fixture_close();

        o = fixture_open(20, 100);
        run_for_ms(200);
        cr_expect_eq(hook_count("plain"), 2, "the next start sent it again");
        fixture_close();
}

static struct alert_event make_event(const char *id, const char *rule, long long experiment)
{
        return (struct alert_event) {
                .id = id, .kind = ALERT_EVENT_FIRED, .rule = rule, .severity = "warning",
                .experiment_id = experiment, .experiment_name = "Checkout / CTA",
                .experiment_url = "https://app.mida.so/x", .variant_id = "2", .variant_name = "B",
                .lift = { true, 0.12 }, .lift_low = { true, 0.04 }, .lift_high = { true, 0.2 },
                .visitors = 1000, .variant_visitors = 500, .created_at = 1700000000,
        };
}

Test(outbox_restart, notify_events_groups_slack_and_sends_webhooks_per_event)
{
        struct alert_event evs[12];
        const struct alert_event *ptrs[12];
        char ids[12][NOTIFY_EVENT_ID_SIZE];
        struct outbox *o = fixture_open(20, 100);
        json_object *list, *body;

        for (size_t i = 0; i < 12; i++) {
                notify_new_event_id(ids[i]);
                evs[i] = make_event(ids[i], "winner", 1000 + (long long) i);
                ptrs[i] = &evs[i];
        }
        const struct notify_context ctx = { .now = 1700000000, .instance = "h" };

        cr_assert_eq(notify_events(o, &fx.notifiers[NOTIFIER_GROWTH], &ctx, ptrs, 12), 0);
        cr_assert_eq(notify_events(o, &fx.notifiers[NOTIFIER_OPS], &ctx, ptrs, 3), 0);
        cr_expect_eq(outbox_pending(o), 4);
        cr_expect_eq(rows_queued("growth"), 1);
        cr_expect_eq(rows_queued("ops"), 3);
        run_until_empty(o);

        list = hook_deliveries("growth");
        cr_assert_eq(json_object_array_length(list), 1, "Slack got more than one message for one cycle");
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 0)), 200, "Slack limits violated");
        cr_expect_null(strstr(jstr(json_object_array_get_idx(list, 0), "body"), "\\/"), "escaped slashes");
        json_object_put(list);

        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 3);
        for (size_t i = 0; i < 3; i++) {
                json_object *d = json_object_array_get_idx(list, i);

                cr_expect_str_eq(delivery_header(d, "webhook-id"), ids[i]);
                body = json_tokener_parse(jstr(d, "body"));
                cr_expect_str_eq(jstr(body, "id"), ids[i]);
                json_object_put(body);
        }
        json_object_put(list);
        fixture_close();
}

/* Every kind of log line the outbox writes, captured from stderr: event
 * ids and statuses yes, URLs never. */
Test(outbox_restart, no_url_reaches_the_log)
{
        struct outbox *o;
        char *text;

        cr_assert_lt(strlen(fx.urls[NOTIFIER_OPS]) + 20, sizeof(fx.urls[0]));
        strcat(fx.urls[NOTIFIER_OPS], "?token=SECRETTOKEN");
        snprintf(fx.urls[NOTIFIER_PLAIN], sizeof(fx.urls[0]), "http://127.0.0.1:1/hooks/dead?token=SECRETTOKEN");
        fx.notifiers[NOTIFIER_PLAIN].max_age_usec = 200000;
        log_capture_start();

        o = fixture_open(20, 50);
        hook_fail("ops", 1, 500, -1);
        hook_fail("ops", 1, 404, -1);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_log1", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_log2", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_log3", BODY), 0);
        run_until_empty(o);
        /* A write that fails and a group rolled back: their records too. */
        store_exec_sql(fx.store, "PRAGMA query_only = 1");
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_log4", BODY), -EROFS);
        run_until_empty(o);
        store_exec_sql(fx.store, "PRAGMA query_only = 0");
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_log5", BODY), 0);
        store_group_fail(fx.group, -EIO);
        run_until_empty(o);
        fixture_close();
        text = log_capture_end();

        cr_expect_not_null(strstr(text, "evt_log1"), "log: %s", text);
        cr_expect_not_null(strstr(text, "HTTP 500"), "log: %s", text);
        cr_expect_not_null(strstr(text, "HTTP 404"), "log: %s", text);
        cr_expect_not_null(strstr(text, "evt_log3"), "log: %s", text);
        cr_expect_not_null(strstr(text, "delivery evt_log4 to notifier ops is not stored"), "log: %s", text);
        cr_expect_not_null(strstr(text, "delivery evt_log5 to notifier ops is not stored"), "log: %s", text);
        cr_expect_null(strstr(text, "SECRETTOKEN"), "log: %s", text);
        cr_expect_null(strstr(text, "/hooks/"), "log: %s", text);
        cr_expect_null(strstr(text, "127.0.0.1"), "log: %s", text);
        free(text);
}
