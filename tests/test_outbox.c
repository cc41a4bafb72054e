/* The outbox against mida-sim's webhook receiver through a real sd-event
 * loop and the real HTTP client: durability, retries, permanent failures,
 * max_age, per-notifier order. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify/outbox.h"
#include "outbox_fixture.h"
#include "sim_harness.h"

#define BODY "{\"event\":\"fired\",\"n\":1}"

TestSuite(outbox, .init = fixture_setup, .fini = fixture_teardown, .timeout = 60);

Test(outbox, file_is_written_before_the_attempt_and_deleted_after_2xx)
{
        struct outbox *o = fixture_open(20, 100);
        json_object *file, *list;

        cr_assert_eq(outbox_enqueue(o, "ops", "evt_first", BODY), 0);
        cr_assert_eq(outbox_pending(o), 1);
        /* Nothing has run yet: the file is there, the receiver has nothing. */
        file = read_json_file(fx.dir, "ops.evt_first.json");
        cr_assert_not_null(file, "no outbox file before the first attempt");
        cr_expect_eq(jint(file, "version"), 1);
        cr_expect_str_eq(jstr(file, "id"), "evt_first");
        cr_expect_str_eq(jstr(file, "notifier"), "ops");
        cr_expect_str_eq(jstr(file, "body"), BODY);
        cr_expect_eq(jint(file, "attempts"), 0);
        json_object_put(file);
        list = hook_deliveries("ops");
        cr_expect_eq(json_object_array_length(list), 0);
        json_object_put(list);

        run_until_empty(o);
        cr_expect_not(file_exists(fx.dir, "ops.evt_first.json"), "file kept after a 2xx");
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 1);
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 0)), 200);
        cr_expect_str_eq(jstr(json_object_array_get_idx(list, 0), "body"), BODY);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 0), "Content-Type"), "application/json");
        cr_expect_eq(outbox_delivered_total(o), 1);
        cr_expect_eq(outbox_failed_total(o), 0);
        json_object_put(list);
        outbox_free(o);
}

Test(outbox, transient_500s_are_retried_with_backoff_and_delivered_once_with_the_same_id)
{
        struct outbox *o = fixture_open(40, 1000);
        json_object *list;

        hook_fail("ops", 3, 500, -1);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_retry", BODY), 0);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 4);
        for (size_t i = 0; i < 4; i++) {
                json_object *d = json_object_array_get_idx(list, i);

                cr_expect_eq(delivery_status(d), i < 3 ? 500 : 200);
                cr_expect_str_eq(delivery_header(d, "webhook-id"), "evt_retry");
                cr_expect_str_eq(jstr(d, "body"), BODY);
                /* Retry i waits at least half its step: 20, 40, 80 ms (the
                 * receiver's clock has millisecond resolution). */
                if (i > 0) {
                        double gap = delivery_time(d) - delivery_time(json_object_array_get_idx(list, i - 1));

                        cr_expect_geq(gap, 0.020 * (1u << (i - 1)) - 0.002, "retry %zu after %.3f s", i, gap);
                }
        }
        cr_expect_eq(outbox_delivered_total(o), 1);
        cr_expect_eq(count_files(fx.dir, "evt_retry"), 0);
        json_object_put(list);
        outbox_free(o);
}

Test(outbox, retry_after_of_a_429_is_honoured)
{
        struct outbox *o = fixture_open(20, 100);
        json_object *list;
        double gap;

        hook_fail("ops", 1, 429, 1);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_429", BODY), 0);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 2);
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 0)), 429);
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 1)), 200);
        gap = delivery_time(json_object_array_get_idx(list, 1)) - delivery_time(json_object_array_get_idx(list, 0));
        cr_expect_geq(gap, 0.999, "retried %.3f s after a 429 with Retry-After: 1", gap);
        json_object_put(list);
        outbox_free(o);
}

Test(outbox, retry_after_of_a_503_is_honoured)
{
        struct outbox *o = fixture_open(20, 100);
        json_object *list;
        double gap;

        hook_fail("plain", 1, 503, 1);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_503", BODY), 0);
        run_until_empty(o);
        list = hook_deliveries("plain");
        cr_assert_eq(json_object_array_length(list), 2);
        gap = delivery_time(json_object_array_get_idx(list, 1)) - delivery_time(json_object_array_get_idx(list, 0));
        cr_expect_geq(gap, 0.999, "retried %.3f s after a 503 with Retry-After: 1", gap);
        json_object_put(list);
        outbox_free(o);
}

/* 400, 404, 410: one attempt each, kept in failed/ with the status, and
 * the notifier's next delivery is not held up. */
Test(outbox, other_4xx_are_permanent_and_never_retried)
{
        static const int statuses[] = { 400, 404, 410 };
        struct outbox *o = fixture_open(20, 100);
        char failed_dir[300], id[32], name[64];
        json_object *list, *file;

        snprintf(failed_dir, sizeof(failed_dir), "%s/failed", fx.dir);
        for (size_t i = 0; i < 3; i++) {
                hook_fail("ops", 1, statuses[i], -1);
                snprintf(id, sizeof(id), "evt_perm%d", statuses[i]);
                cr_assert_eq(outbox_enqueue(o, "ops", id, BODY), 0);
                run_until_empty(o);
        }
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_after", BODY), 0);
        run_until_empty(o);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 4, "a permanent failure was retried");
        for (size_t i = 0; i < 3; i++) {
                cr_expect_eq(delivery_status(json_object_array_get_idx(list, i)), statuses[i]);
                snprintf(name, sizeof(name), "ops.evt_perm%d.json", statuses[i]);
                cr_expect_not(file_exists(fx.dir, name));
                file = read_json_file(failed_dir, name);
                cr_assert_not_null(file, "%s not kept in failed/", name);
                cr_expect_eq(jint(file, "attempts"), 1);
                snprintf(id, sizeof(id), "HTTP %d", statuses[i]);
                cr_expect_str_eq(jstr(file, "last_error"), id);
                json_object_put(file);
        }
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 3)), 200);
        cr_expect_eq(outbox_failed_total(o), 3);
        cr_expect_eq(outbox_delivered_total(o), 1);
        json_object_put(list);
        outbox_free(o);
}

static double wall_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(outbox, gives_up_after_max_age)
{
        struct outbox *o = fixture_open(20, 50);
        char failed_dir[300];
        json_object *list, *file;
        double span, queued_at;
        size_t n;

        fx.notifiers[NOTIFIER_PLAIN].max_age_usec = 400000;
        hook_fail("plain", 1000, 502, -1);
        queued_at = wall_seconds();
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_old", BODY), 0);
        run_until_empty(o);
        cr_expect_eq(outbox_failed_total(o), 1);
        cr_expect_eq(outbox_delivered_total(o), 0);
        list = hook_deliveries("plain");
        n = json_object_array_length(list);
        cr_assert_geq(n, 3, "only %zu attempts within max_age", n);
        /* The last attempt is made at created_at + max_age, not before
         * (received_at has millisecond resolution). */
        span = delivery_time(json_object_array_get_idx(list, n - 1)) - queued_at;
        cr_expect_geq(span, 0.400 - 0.002, "gave up after %.3f s", span);
        snprintf(failed_dir, sizeof(failed_dir), "%s/failed", fx.dir);
        file = read_json_file(failed_dir, "plain.evt_old.json");
        cr_assert_not_null(file);
        cr_expect_eq(jint(file, "attempts"), (int64_t) n);
        cr_expect_str_eq(jstr(file, "last_error"), "HTTP 502");
        cr_expect_not(file_exists(fx.dir, "plain.evt_old.json"));
        json_object_put(file);
        json_object_put(list);
        outbox_free(o);
}

/* ops waits out a Retry-After while plain's deliveries go through; ops's
 * second delivery is not sent before its first. */
Test(outbox, one_failing_notifier_does_not_block_others_and_order_holds)
{
        struct outbox *o = fixture_open(20, 100);
        json_object *ops, *plain;

        hook_fail("ops", 1, 429, 2);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_o1", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_o2", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_p1", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_p2", BODY), 0);
        while (outbox_pending(o) > 2)
                cr_assert_geq(sd_event_run(fx.loop, UINT64_MAX), 0);
        plain = hook_deliveries("plain");
        ops = hook_deliveries("ops");
        cr_expect_eq(json_object_array_length(plain), 2);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(plain, 0), "webhook-id"), "evt_p1");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(plain, 1), "webhook-id"), "evt_p2");
        cr_assert_eq(json_object_array_length(ops), 1, "ops's second delivery overtook its first");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(ops, 0), "webhook-id"), "evt_o1");
        json_object_put(ops);
        json_object_put(plain);

        run_until_empty(o);
        ops = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(ops), 3);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(ops, 1), "webhook-id"), "evt_o1");
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(ops, 2), "webhook-id"), "evt_o2");
        json_object_put(ops);
        outbox_free(o);
}

Test(outbox, enqueue_rejects_bad_names_and_duplicates)
{
        struct outbox *o = fixture_open(20, 100);

        cr_expect_eq(outbox_enqueue(o, "ops", "evt.dot", BODY), -EINVAL);
        cr_expect_eq(outbox_enqueue(o, "../x", "evt_a", BODY), -EINVAL);
        cr_expect_eq(outbox_enqueue(o, "ops", "", BODY), -EINVAL);
        cr_expect_eq(outbox_enqueue(o, "ops", "evt_a", NULL), -EINVAL);
        cr_expect_eq(outbox_enqueue(o, "ops", "evt_a", BODY), 0);
        cr_expect_eq(outbox_enqueue(o, "ops", "evt_a", BODY), -EEXIST);
        cr_expect_eq(outbox_enqueue(o, "plain", "evt_a", BODY), 0, "the same event to another notifier");
        cr_expect_eq(outbox_pending(o), 2);
        run_until_empty(o);
        outbox_free(o);
}
