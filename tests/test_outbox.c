/* The outbox on state.db against mida-sim's webhook receiver through a
 * real sd-event loop and the real HTTP client: nothing is sent before the
 * commit that records it, durability, retries, permanent failures,
 * max_age, per-notifier order. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "notify/outbox.h"
#include "outbox_fixture.h"
#include "sim_harness.h"
#include "store/group_commit.h"
#include "util/log.h"

#define BODY "{\"event\":\"fired\",\"n\":1}"

TestSuite(outbox, .init = fixture_setup, .fini = fixture_teardown, .timeout = 60);

/* The journal records, fields and all, caught on their way to journald:
 * this definition takes the place of libsystemd's in the test program
 * (sd_journal_sendv() of sd-journal.h is a macro calling it). Each field
 * is a line, and a blank line ends a record. */
static struct {
        char text[1 << 16];
        size_t len;
} journal;

static void journal_append(const void *data, size_t size)
{
        size_t room = sizeof(journal.text) - 1 - journal.len;

        cr_assert_leq(size, room, "the journal capture is full");
        memcpy(journal.text + journal.len, data, size);
        journal.len += size;
        journal.text[journal.len] = 0;
}

int sd_journal_sendv_with_location(const char *file, const char *line, const char *func, const struct iovec *iov,
                                   int n)
{
        (void) file;
        (void) line;
        (void) func;
        for (int i = 0; i < n; i++) {
                journal_append(iov[i].iov_base, iov[i].iov_len);
                journal_append("\n", 1);
        }
        journal_append("\n", 1);
        return 0;
}

/* The record whose MESSAGE starts with `message`, or NULL. */
static const char *journal_record(const char *message)
{
        char line[256];

        snprintf(line, sizeof(line), "MESSAGE=%s", message);
        return strstr(journal.text, line);
}

/* Whether the record at r (up to its blank line) has the field line. */
static bool record_has(const char *r, const char *field)
{
        const char *end = r ? strstr(r, "\n\n") : NULL;
        const char *hit = r ? strstr(r, field) : NULL;

        return hit && end && hit < end;
}

/* What a listener of the group, registered after the outbox's, saw at
 * the first commit: the receiver's deliveries and the committed rows. */
static struct {
        unsigned commits;
        size_t received, committed;
} at_commit;

static void note_commit(void *userdata, int r)
{
        (void) userdata;
        cr_assert_eq(r, 0);
        if (at_commit.commits++ == 0) {
                at_commit.received = hook_count("ops");
                at_commit.committed = rows_committed("ops");
        }
}

Test(outbox, row_is_committed_before_the_attempt_and_removed_after_2xx)
{
        struct outbox *o = fixture_open(20, 100);
        struct deliveries_read rows = { 0 };
        const struct store_delivery *row;
        json_object *list;

        cr_assert_eq(store_group_listen(fx.group, &(struct store_group_listener) { .committed = note_commit }), 0);
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_first", BODY), 0);
        cr_assert_eq(outbox_pending(o), 1);
        /* Nothing has run yet: the row is in the open group, the receiver has nothing. */
        cr_expect_eq(rows_queued("ops"), 1);
        cr_expect_eq(rows_committed("ops"), 0, "committed before the group's window ended");
        cr_expect_eq(hook_count("ops"), 0);

        run_until_committed();
        cr_expect_eq(at_commit.commits, 1);
        cr_expect_eq(at_commit.committed, 1);
        cr_expect_eq(at_commit.received, 0, "POSTed before the commit that records it");
        row = committed_row(&rows, "ops", "evt_first");
        cr_assert_not_null(row, "no row committed before the first attempt");
        cr_expect_str_eq(row->body, BODY);
        cr_expect_eq(row->attempts, 0);
        cr_expect_null(row->last_error);
        cr_expect_gt(row->created_at_usec, 0);

        run_until_empty(o);
        run_until_committed();
        cr_expect_eq(rows_committed(NULL), 0, "row kept after a 2xx");
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 1);
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 0)), 200);
        cr_expect_str_eq(jstr(json_object_array_get_idx(list, 0), "body"), BODY);
        cr_expect_str_eq(delivery_header(json_object_array_get_idx(list, 0), "Content-Type"), "application/json");
        cr_expect_eq(outbox_delivered_total(o), 1);
        cr_expect_eq(outbox_failed_total(o), 0);
        json_object_put(list);
        deliveries_read_clear(&rows);
        fixture_close();
}

/* The group's window is ours to end: however long the loop runs, the
 * delivery waits for the commit. */
Test(outbox, nothing_is_posted_before_its_group_commits)
{
        struct outbox *o = fixture_open_unwindowed(20, 100);

        cr_assert_eq(outbox_enqueue(o, "ops", "evt_wait", BODY), 0);
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_wait", BODY), 0);
        run_for_ms(300);
        cr_expect_eq(hook_count("ops") + hook_count("plain"), 0, "POSTed before the commit");
        cr_expect_eq(outbox_pending(o), 2);
        cr_expect_eq(rows_queued(NULL), 2);
        cr_expect_eq(rows_committed(NULL), 0);

        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_eq(rows_committed(NULL), 2);
        run_until_empty(o);
        cr_expect_eq(hook_count("ops"), 1);
        cr_expect_eq(hook_count("plain"), 1);
        cr_expect_eq(outbox_delivered_total(o), 2);
        fixture_close();
}

/* Another writer's failure rolls the group back with the rows in it: the
 * deliveries are sent all the same, and the log says they are not safe. */
Test(outbox, a_rolled_back_group_still_sends_and_says_it_is_not_crash_safe)
{
        struct outbox *o = fixture_open_unwindowed(20, 100);
        char *log;

        log_capture_start();
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_rolled", BODY), 0);
        store_group_fail(fx.group, -EIO);
        cr_expect_eq(store_group_flush(fx.group), -EIO);
        cr_expect_eq(rows_queued(NULL), 0, "the rolled-back row is there");
        run_until_empty(o);
        cr_assert_eq(store_group_flush(fx.group), 0);
        log = log_capture_end();
        cr_expect_eq(hook_count("ops"), 1);
        cr_expect_eq(outbox_delivered_total(o), 1);
        cr_expect_eq(rows_committed(NULL), 0);
        cr_expect_not_null(strstr(log, "delivery evt_rolled to notifier ops is not stored"), "log: %s", log);
        cr_expect_not_null(strstr(log, "not crash-safe"), "log: %s", log);
        cr_expect_null(strstr(log, "127.0.0.1"), "log: %s", log);
        free(log);
        fixture_close();
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
        cr_expect_eq(rows_queued("ops"), 0);
        json_object_put(list);
        fixture_close();
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
        fixture_close();
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
        fixture_close();
}

/* 400, 404, 410: one attempt each, journalled with the status, the row
 * gone (the store keeps no given-up delivery), and the notifier's next
 * delivery is not held up. */
Test(outbox, other_4xx_are_permanent_and_never_retried)
{
        static const int statuses[] = { 400, 404, 410 };
        struct outbox *o = fixture_open(20, 100);
        char id[32], expected[128];
        const char *record;
        json_object *list;

        log_setup(LOG_TARGET_JOURNAL, LOG_INFO);
        for (size_t i = 0; i < 3; i++) {
                hook_fail("ops", 1, statuses[i], -1);
                snprintf(id, sizeof(id), "evt_perm%d", statuses[i]);
                cr_assert_eq(outbox_enqueue(o, "ops", id, BODY), 0);
                run_until_empty(o);
        }
        cr_assert_eq(outbox_enqueue(o, "ops", "evt_after", BODY), 0);
        run_until_empty(o);
        run_until_committed();
        log_setup(LOG_TARGET_AUTO, LOG_INFO);
        list = hook_deliveries("ops");
        cr_assert_eq(json_object_array_length(list), 4, "a permanent failure was retried");
        for (size_t i = 0; i < 3; i++) {
                cr_expect_eq(delivery_status(json_object_array_get_idx(list, i)), statuses[i]);
                snprintf(expected, sizeof(expected),
                         "giving up delivery of evt_perm%d to notifier ops after 1 attempt: HTTP %d (permanent",
                         statuses[i], statuses[i]);
                record = journal_record(expected);
                cr_expect_not_null(record, "no '%s' in the journal: %s", expected, journal.text);
                cr_expect(record_has(record, "\nMESSAGE_ID=" MIDA_MSGID_DELIVERY_FAILED "\n"), "%s", record);
                cr_expect(record_has(record, "\nMIDA_NOTIFIER=ops\n"), "%s", record);
                cr_expect(record_has(record, "\nMIDA_DELIVERY_BODY=" BODY "\n"), "%s", record);
                snprintf(expected, sizeof(expected), "\nMIDA_HTTP_STATUS=%d\n", statuses[i]);
                cr_expect(record_has(record, expected), "%s", record);
        }
        cr_expect_eq(rows_committed(NULL), 0, "a given-up row is kept");
        cr_expect_eq(delivery_status(json_object_array_get_idx(list, 3)), 200);
        cr_expect_eq(outbox_failed_total(o), 3);
        cr_expect_eq(outbox_delivered_total(o), 1);
        json_object_put(list);
        fixture_close();
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
        char expected[128];
        const char *record;
        json_object *list;
        double span, queued_at;
        size_t n;

        fx.notifiers[NOTIFIER_PLAIN].max_age_usec = 400000;
        hook_fail("plain", 1000, 502, -1);
        log_setup(LOG_TARGET_JOURNAL, LOG_INFO);
        queued_at = wall_seconds();
        cr_assert_eq(outbox_enqueue(o, "plain", "evt_old", BODY), 0);
        run_until_empty(o);
        run_until_committed();
        log_setup(LOG_TARGET_AUTO, LOG_INFO);
        cr_expect_eq(outbox_failed_total(o), 1);
        cr_expect_eq(outbox_delivered_total(o), 0);
        list = hook_deliveries("plain");
        n = json_object_array_length(list);
        cr_assert_geq(n, 3, "only %zu attempts within max_age", n);
        /* The last attempt is made at created_at + max_age, not before
         * (received_at has millisecond resolution). */
        span = delivery_time(json_object_array_get_idx(list, n - 1)) - queued_at;
        cr_expect_geq(span, 0.400 - 0.002, "gave up after %.3f s", span);
        snprintf(expected, sizeof(expected), "giving up delivery of evt_old to notifier plain after %zu attempts: "
                 "still failing after the notifier's max_age", n);
        record = journal_record(expected);
        cr_expect_not_null(record, "no '%s' in the journal: %s", expected, journal.text);
        cr_expect(record_has(record, "\nMESSAGE_ID=" MIDA_MSGID_DELIVERY_FAILED "\n"), "%s", record);
        cr_expect(record_has(record, "\nMIDA_DELIVERY_BODY=" BODY "\n"), "%s", record);
        cr_expect_not(record_has(record, "\nMIDA_HTTP_STATUS="), "%s", record);
        cr_expect_not_null(strstr(journal.text, "failed (HTTP 502)"), "%s", journal.text);
        cr_expect_eq(rows_committed(NULL), 0, "a given-up row is kept");
        json_object_put(list);
        fixture_close();
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
        fixture_close();
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
        /* A row the outbox does not hold (one whose removal failed): the
         * table says it is queued. */
        add_row(&(struct store_delivery) { .id = "evt_b", .notifier = "ops", .body = BODY, .created_at_usec = 1 });
        cr_expect_eq(outbox_enqueue(o, "ops", "evt_b", BODY), -EEXIST);
        cr_expect_eq(outbox_pending(o), 2);
        run_until_empty(o);
        cr_expect_eq(hook_count("ops"), 1);
        cr_expect_eq(hook_count("plain"), 1);
        fixture_close();
}
