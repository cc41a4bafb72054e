/* The outbox table (store/outbox_rows.c): deliveries added once per
 * notifier and id, attempts recorded, rows removed, read back in queue
 * order, and every field as written after a reopen. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/outbox_rows.h"

#include "store_fixture.h"

TestSuite(store_outbox, .init = store_fixture_make_dir, .fini = store_fixture_remove_dir);

static void read_all(struct store *s, struct deliveries_read *got)
{
        deliveries_read_clear(got);
        cr_assert_eq(store_deliveries_each(s, collect_delivery, got), 0);
}

/* "notifier/id notifier/id ..." in the order read. */
static void expect_order(struct store *s, const char *want)
{
        struct deliveries_read deliveries = { .n = 0 };
        char got[512] = "";

        read_all(s, &deliveries);
        for (size_t i = 0; i < deliveries.n; i++)
                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s/%s", i ? " " : "",
                         deliveries.rows[i].notifier, deliveries.rows[i].id);
        deliveries_read_clear(&deliveries);
        cr_expect_str_eq(got, want);
}

static size_t count(struct store *s, const char *notifier)
{
        size_t n = 12345;

        cr_assert_eq(store_deliveries_count(s, notifier, &n), 0);
        return n;
}

static int add(struct store *s, const char *notifier, const char *id, uint64_t created)
{
        struct store_delivery d = {
                .id = id,
                .notifier = notifier,
                .body = "{\"event\":\"alert.firing\"}",
                .created_at_usec = created,
                .next_attempt_at_usec = created,
        };

        return store_delivery_add(s, &d);
}

Test(store_outbox, add_once_per_notifier_and_id)
{
        struct deliveries_read got = { .n = 0 };
        struct store_delivery again = {
                .id = "evt_1", .notifier = "ops", .body = "{\"other\":true}",
                .created_at_usec = 99, .attempts = 5, .last_error = "HTTP 503",
        };
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(count(s, NULL), 0);
        cr_assert_eq(add(s, "ops", "evt_1", 1000), 0);
        cr_expect_eq(store_delivery_add(s, &again), -EEXIST, "ops has evt_1 queued already");
        cr_expect_eq(add(s, "chat", "evt_1", 1001), 0, "the same id for another notifier is another delivery");
        cr_expect_eq(count(s, NULL), 2);
        cr_expect_eq(count(s, "ops"), 1);
        cr_expect_eq(count(s, "chat"), 1);
        cr_expect_eq(count(s, "nobody"), 0);

        read_all(s, &got);
        cr_assert_eq(got.n, 2);
        cr_expect_str_eq(got.rows[0].body, "{\"event\":\"alert.firing\"}", "the duplicate changed nothing");
        cr_expect_eq(got.rows[0].attempts, 0);
        cr_expect_null(got.rows[0].last_error);
        cr_expect_eq(got.rows[0].created_at_usec, 1000);
        deliveries_read_clear(&got);

        /* Once removed, the id may be queued again (a re-sent event). */
        cr_assert_eq(store_delivery_remove(s, "ops", "evt_1"), 0);
        cr_expect_eq(store_delivery_add(s, &again), 0);
        expect_order(s, "chat/evt_1 ops/evt_1");
        store_close(s);
}

Test(store_outbox, attempted_updates_in_place)
{
        struct deliveries_read got = { .n = 0 };
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(add(s, "ops", "evt_a", 10), 0);
        cr_assert_eq(add(s, "ops", "evt_b", 20), 0);
        cr_assert_eq(add(s, "chat", "evt_a", 30), 0);

        cr_assert_eq(store_delivery_attempted(s, "ops", "evt_a", 3, 1767225600123456ULL, "HTTP 503"), 0);
        read_all(s, &got);
        cr_assert_eq(got.n, 3);
        cr_expect_eq(got.rows[0].attempts, 3);
        cr_expect_eq(got.rows[0].next_attempt_at_usec, 1767225600123456ULL);
        cr_expect_str_eq(got.rows[0].last_error, "HTTP 503");
        cr_expect_eq(got.rows[0].created_at_usec, 10, "created_at is not touched");
        cr_expect_str_eq(got.rows[0].body, "{\"event\":\"alert.firing\"}");
        cr_expect_eq(got.rows[2].attempts, 0, "the same id for another notifier is not touched");
        cr_expect_null(got.rows[2].last_error);
        deliveries_read_clear(&got);
        expect_order(s, "ops/evt_a ops/evt_b chat/evt_a");

        cr_assert_eq(store_delivery_attempted(s, "ops", "evt_a", 4, 0, NULL), 0);
        read_all(s, &got);
        cr_expect_eq(got.rows[0].attempts, 4);
        cr_expect_eq(got.rows[0].next_attempt_at_usec, 0);
        cr_expect_null(got.rows[0].last_error, "NULL clears the last error");
        deliveries_read_clear(&got);

        cr_expect_eq(store_delivery_attempted(s, "ops", "evt_zzz", 1, 0, "x"), -ENOENT);
        cr_expect_eq(store_delivery_attempted(s, "mail", "evt_a", 1, 0, "x"), -ENOENT);
        cr_expect_eq(count(s, NULL), 3, "an update of a missing row adds none");
        store_close(s);
}

Test(store_outbox, remove_and_missing_rows)
{
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(add(s, "ops", "evt_1", 1), 0);
        cr_assert_eq(add(s, "ops", "evt_2", 2), 0);
        cr_expect_eq(store_delivery_remove(s, "ops", "evt_1"), 0);
        cr_expect_eq(store_delivery_remove(s, "ops", "evt_1"), 0, "twice is harmless");
        cr_expect_eq(store_delivery_remove(s, "ops", "evt_never"), 0);
        cr_expect_eq(store_delivery_remove(s, "nobody", "evt_2"), 0);
        cr_expect_eq(count(s, NULL), 1);
        expect_order(s, "ops/evt_2");
        cr_expect_eq(store_delivery_remove(s, "ops", "evt_2"), 0);
        cr_expect_eq(count(s, NULL), 0);
        expect_order(s, "");
        store_close(s);
}

Test(store_outbox, queue_order_across_notifiers_and_removals)
{
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        /* The order is the order added, not created_at's. */
        cr_assert_eq(add(s, "ops", "a1", 500), 0);
        cr_assert_eq(add(s, "chat", "b1", 100), 0);
        cr_assert_eq(add(s, "ops", "a2", 400), 0);
        cr_assert_eq(add(s, "chat", "b2", 300), 0);
        cr_assert_eq(add(s, "ops", "a3", 200), 0);
        expect_order(s, "ops/a1 chat/b1 ops/a2 chat/b2 ops/a3");

        cr_assert_eq(store_delivery_remove(s, "chat", "b1"), 0);
        cr_assert_eq(store_delivery_attempted(s, "ops", "a1", 1, 9, "timeout"), 0);
        expect_order(s, "ops/a1 ops/a2 chat/b2 ops/a3");
        /* The last row removed: the next one added still goes last. */
        cr_assert_eq(store_delivery_remove(s, "ops", "a3"), 0);
        cr_assert_eq(add(s, "mail", "c1", 1), 0);
        cr_assert_eq(add(s, "ops", "a4", 1), 0);
        expect_order(s, "ops/a1 ops/a2 chat/b2 mail/c1 ops/a4");
        cr_assert_eq(store_delivery_remove(s, "ops", "a1"), 0);
        cr_assert_eq(add(s, "ops", "a1", 1), 0);
        expect_order(s, "ops/a2 chat/b2 mail/c1 ops/a4 ops/a1");
        store_close(s);

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        expect_order(s, "ops/a2 chat/b2 mail/c1 ops/a4 ops/a1");
        store_close(s);
}

Test(store_outbox, reopen_keeps_every_field)
{
        static const char unicode[] = "{\"text\":\"Ümlaut ✓ — 漢字 🚀 \\\"quoted\\\"\\n\"}";
        static const char pattern[] = "0123456789abcdef\"{}[]é";   /* é last, two bytes */
        size_t big_len = 100 * 1024;
        char *big = malloc(big_len + 1);
        struct deliveries_read got = { .n = 0 };
        struct store_delivery d[] = {
                { .id = "evt_unicode", .notifier = "ops", .body = unicode,
                  .created_at_usec = 1767225600123456ULL, .next_attempt_at_usec = 1767225601999999ULL,
                  .attempts = 7, .last_error = "HTTP 503 — Service Unavailable ✗" },
                { .id = "evt_big", .notifier = "chat", .body = NULL,
                  .created_at_usec = 1, .next_attempt_at_usec = (uint64_t) INT64_MAX, .attempts = 4000000000u },
                { .id = "evt_empty", .notifier = "ops", .body = "", .created_at_usec = 0 },
        };
        struct store *s;

        cr_assert_not_null(big);
        for (size_t i = 0; i < big_len; i++)
                big[i] = pattern[i % (sizeof(pattern) - 1)];
        big[big_len] = 0;
        /* The pattern may have cut é in half at the end: keep the text UTF-8. */
        if ((unsigned char) big[big_len - 1] == 0xc3)
                big[big_len - 1] = 'x';
        d[1].body = big;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_begin(s), 0);
        for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
                cr_assert_eq(store_delivery_add(s, &d[i]), 0, "row %zu", i);
        cr_assert_eq(store_commit(s), 0);
        store_close(s);

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        read_all(s, &got);
        cr_assert_eq(got.n, 3);
        for (size_t i = 0; i < got.n; i++) {
                cr_expect_str_eq(got.rows[i].id, d[i].id);
                cr_expect_str_eq(got.rows[i].notifier, d[i].notifier);
                cr_expect_eq(strlen(got.rows[i].body), strlen(d[i].body), "row %zu", i);
                cr_expect(strcmp(got.rows[i].body, d[i].body) == 0, "row %zu: body as written", i);
                cr_expect_eq(got.rows[i].created_at_usec, d[i].created_at_usec, "row %zu", i);
                cr_expect_eq(got.rows[i].next_attempt_at_usec, d[i].next_attempt_at_usec, "row %zu", i);
                cr_expect_eq(got.rows[i].attempts, d[i].attempts, "row %zu", i);
                if (d[i].last_error)
                        cr_expect_str_eq(got.rows[i].last_error, d[i].last_error);
                else
                        cr_expect_null(got.rows[i].last_error, "row %zu", i);
        }
        deliveries_read_clear(&got);
        store_close(s);

        /* A reader (status) sees the same and cannot write. */
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &s), 0);
        cr_expect_eq(count(s, NULL), 3);
        cr_expect_eq(count(s, "ops"), 2);
        read_all(s, &got);
        cr_expect_eq(got.n, 3);
        deliveries_read_clear(&got);
        cr_expect_eq(add(s, "ops", "evt_new", 1), -EROFS);
        cr_expect_eq(store_delivery_remove(s, "ops", "evt_unicode"), -EROFS);
        store_close(s);
        free(big);
}

Test(store_outbox, caller_groups_in_a_transaction)
{
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(add(s, "ops", "kept", 1), 0);
        cr_assert_eq(store_begin(s), 0);
        cr_assert_eq(add(s, "ops", "e1", 2), 0);
        cr_assert_eq(store_delivery_attempted(s, "ops", "kept", 2, 5, "HTTP 500"), 0);
        cr_assert_eq(store_delivery_remove(s, "ops", "kept"), 0);
        cr_expect_eq(count(s, NULL), 1, "seen inside the transaction");
        store_rollback(s);
        expect_order(s, "ops/kept");
        cr_expect_eq(count(s, NULL), 1);
        store_close(s);
}

Test(store_outbox, walk_stops_and_bad_arguments)
{
        struct deliveries_read got = { .n = 0, .stop_after = 2 };
        struct store_delivery no_body = { .id = "x", .notifier = "ops" };
        struct store_delivery too_late = { .id = "x", .notifier = "ops", .body = "{}",
                                           .created_at_usec = (uint64_t) INT64_MAX + 1 };
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        for (int i = 0; i < 4; i++) {
                char id[8];

                snprintf(id, sizeof(id), "e%d", i);
                cr_assert_eq(add(s, "ops", id, (uint64_t) i), 0);
        }
        cr_expect_eq(store_deliveries_each(s, collect_delivery, &got), 42,
                     "fn's non-zero return stops and is returned");
        cr_expect_eq(got.n, 2);
        deliveries_read_clear(&got);
        got.stop_after = 0;
        read_all(s, &got);
        cr_expect_eq(got.n, 4, "a stopped walk leaves nothing behind");
        deliveries_read_clear(&got);

        cr_expect_eq(store_delivery_add(s, &no_body), -EINVAL);
        cr_expect_eq(store_delivery_add(s, NULL), -EINVAL);
        cr_expect_eq(store_delivery_add(s, &too_late), -ERANGE);
        cr_expect_eq(store_delivery_attempted(s, NULL, "e1", 1, 0, NULL), -EINVAL);
        cr_expect_eq(store_delivery_attempted(s, "ops", "e1", 1, UINT64_MAX, NULL), -ERANGE);
        cr_expect_eq(store_delivery_remove(s, "ops", NULL), -EINVAL);
        cr_expect_eq(store_deliveries_each(s, NULL, NULL), -EINVAL);
        cr_expect_eq(count(s, NULL), 4, "nothing changed");
        store_close(s);
}
