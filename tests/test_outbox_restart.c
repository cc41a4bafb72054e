/* The outbox across restarts, bad files, config changes and a failing
 * disk; Standard Webhooks headers; notify_events(); nothing secret in the
 * log. Real mida-sim receiver, real sd-event loop and HTTP client. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "util/log.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "outbox_fixture.h"
#include "sim_harness.h"
#include "notify/webhook_sign.h"

#define BODY "{\"event\":\"fired\",\"url\":\"https://x.test/a/b\"}"

TestSuite(outbox_restart, .init = fixture_setup, .fini = fixture_teardown, .timeout = 60);

/* Runs until the file of id records a failed attempt. */
static json_object *wait_for_failed_attempt(const char *name)
{
        for (;;) {
                json_object *f = read_json_file(fx.dir, name);

                if (f && jint(f, "attempts") >= 1 && jstr(f, "last_error"))
                        return f;
                json_object_put(f);
                cr_assert_geq(sd_event_run(fx.loop, 10000), 0);
        }
}

Test(outbox_restart, a_failed_attempt_is_recorded_and_a_restart_resends_at_once)
{
        struct outbox *o = fixture_open(60000, 600000);   /* the retry would be a minute away */
        json_object *file, *list;

        hook_fail("ops", 1, 500, -1);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_restart", BODY), 0);
        file = wait_for_failed_attempt("ops.evt_restart.json");
        cr_expect_str_eq(jstr(file, "last_error"), "HTTP 500");
        cr_expect_gt(jint(file, "next_attempt_at"), jint(file, "created_at") + 25000000,
                     "next attempt not pushed out by the backoff");
        json_object_put(file);
        outbox_free(o);

        o = fixture_open(60000, 600000);
        cr_expect_eq(outbox_pending(o), 1);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 2);
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 1)), 200);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 1), "webhook-id"), "evt_restart");
        cr_expect_not(file_exists(fx.dir, "ops.evt_restart.json"));
        json_object_put(list);
        outbox_free(o);
}

/* Freed with the POSTs in flight (as if killed): all of them arrive after
 * the next start, in order, each at least once. */
Test(outbox_restart, freed_while_in_flight_loses_nothing)
{
        struct outbox *o = fixture_open(20, 100);
        json_object *list;
        size_t n;

        cr_assert_eq(outbox_enqueue(o, "plain", "evt_k1", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_k2", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_k3", BODY), 0);
        cr_assert_geq(sd_event_run(fx.loop, 0), 0);
        outbox_free(o);
        cr_expect_eq(count_files(fx.dir, ".json"), 3);

        o = fixture_open(20, 100);
        cr_expect_eq(outbox_pending(o), 3);
        run_until_empty(o);
        list = hook_deliveries("plain");
        n = json_object_array_length(list);
        cr_assert_geq(n, 2);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, n - 2), "webhook-id"), "evt_k1");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, n - 1), "webhook-id"), "evt_k2");
        json_object_put(list);
        list = hook_deliveries("ops");
        cr_expect_geq(json_object_array_length(list), 1);
        json_object_put(list);
        cr_expect_eq(count_files(fx.dir, ".json"), 0);
        outbox_free(o);
}

Test(outbox_restart, corrupt_files_are_moved_aside)
{
        static const char good[] = "{\"version\":1,\"id\":\"evt_good\",\"notifier\":\"plain\",\"created_at\":1,"
                                   "\"attempts\":2,\"next_attempt_at\":99999999999999999,\"last_error\":\"HTTP 503\","
                                   "\"body\":\"{}\"}";
        static const char future[] = "{\"version\":2,\"id\":\"evt_v2\",\"notifier\":\"plain\",\"created_at\":1,"
                                     "\"attempts\":0,\"next_attempt_at\":1,\"last_error\":null,\"body\":\"{}\"}";
        struct outbox *o;
        json_object *list;

        cr_assert_eq(ensure_directory(fx.dir, 0700), 0);
        cr_assert_eq(atomic_write_file(fx.dir, "plain.evt_bad.json", "{\"version\":1,", 13, 0600), 0);
        cr_assert_eq(atomic_write_file(fx.dir, "plain.evt_v2.json", future, strlen(future), 0600), 0);
        cr_assert_eq(atomic_write_file(fx.dir, "plain.evt_good.json", good, strlen(good), 0600), 0);
        cr_assert_eq(atomic_write_file(fx.dir, "README", "not a delivery", 14, 0600), 0);
        o = fixture_open(20, 100);
        cr_expect_eq(outbox_pending(o), 1);
        cr_expect_eq(count_files(fx.dir, ".corrupt-"), 2);
        cr_expect(file_exists(fx.dir, "README"), "a file that is no delivery was touched");
        /* Due at once despite the persisted next_attempt_at. */
        run_until_empty(o);
        list = hook_deliveries("plain");
        cr_assert_eq(json_object_array_length(list), 1);
        cr_expect_str_eq(jstr(json_object_array_get_idx(list, 0), "body"), "{}");
        json_object_put(list);
        outbox_free(o);
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
        outbox_free(o);
}

Test(outbox_restart, an_entry_of_a_removed_notifier_waits_for_it)
{
        struct config without_ops = { .notifiers = fx.notifiers + 1, .n_notifiers = N_FIXTURE_NOTIFIERS - 1 };
        struct outbox *o = fixture_open(20, 100);
        json_object *list;

        outbox_set_config(o, &without_ops);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_wait", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_go", BODY), 0);
        run_for_ms(300);
        cr_expect_eq(outbox_pending(o), 1);
        cr_expect(file_exists(fx.dir, "ops.evt_wait.json"));
        list = hook_deliveries("ops");
        cr_expect_eq(json_object_array_length(list), 0);
        json_object_put(list);

        outbox_set_config(o, &fx.config);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_expect_eq(json_object_array_length(list), 1);
        json_object_put(list);
        outbox_free(o);
}

/* The directory vanishes (as a disk might fail): enqueue reports the
 * error and the delivery is still made. */
Test(outbox_restart, a_failed_write_still_delivers)
{
        struct outbox *o = fixture_open(20, 100);
        json_object *list;

        cr_assert_eq(rmdir(fx.dir), 0);
        cr_expect_eq(outbox_enqueue(o, "plain", "evt_nodisk", BODY), -ENOENT);
        cr_expect_eq(outbox_pending(o), 1);
        run_until_empty(o);
        list = hook_deliveries("plain");
        cr_expect_eq(json_object_array_length(list), 1);
        json_object_put(list);
        outbox_free(o);
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
        cr_assert_eq(notify_events(o, &fx.notifiers[NOTIFIER_GROWTH], ptrs, 12), 0);
        cr_assert_eq(notify_events(o, &fx.notifiers[NOTIFIER_OPS], ptrs, 3), 0);
        cr_expect_eq(outbox_pending(o), 4);
        cr_expect_eq(count_files(fx.dir, "growth.evt_"), 1);
        cr_expect_eq(count_files(fx.dir, "ops.evt_"), 3);
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
        outbox_free(o);
}

/* Every kind of log line the outbox writes, captured from stderr: event
 * ids and statuses yes, URLs never. */
Test(outbox_restart, no_url_reaches_the_log)
{
        char log_path[300], *text = NULL;
        size_t len = 0;
        int saved = dup(STDERR_FILENO);
        FILE *f;
        struct outbox *o;

        cr_assert_lt(strlen(fx.urls[NOTIFIER_OPS]) + 20, sizeof(fx.urls[0]));
        strcat(fx.urls[NOTIFIER_OPS], "?token=SECRETTOKEN");
        snprintf(fx.urls[NOTIFIER_PLAIN], sizeof(fx.urls[0]), "http://127.0.0.1:1/hooks/dead?token=SECRETTOKEN");
        fx.notifiers[NOTIFIER_PLAIN].max_age_usec = 200000;
        snprintf(log_path, sizeof(log_path), "%s.log", fx.dir);
        f = fopen(log_path, "w");
        cr_assert_not_null(f);
        cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
        log_setup(LOG_TARGET_STDERR, LOG_DEBUG);

        o = fixture_open(20, 50);
        hook_fail("ops", 1, 500, -1);
        hook_fail("ops", 1, 404, -1);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_log1", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_log2", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_log3", BODY), 0);
        run_until_empty(o);
        outbox_free(o);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        fclose(f);

        cr_assert_eq(read_file_limited(log_path, 1 << 20, &text, &len), 0);
        cr_expect_not_null(strstr(text, "evt_log1"), "log: %s", text);
        cr_expect_not_null(strstr(text, "HTTP 500"), "log: %s", text);
        cr_expect_not_null(strstr(text, "HTTP 404"), "log: %s", text);
        cr_expect_not_null(strstr(text, "evt_log3"), "log: %s", text);
        cr_expect_null(strstr(text, "SECRETTOKEN"), "log: %s", text);
        cr_expect_null(strstr(text, "/hooks/"), "log: %s", text);
        cr_expect_null(strstr(text, "127.0.0.1"), "log: %s", text);
        free(text);
        unlink(log_path);
}
