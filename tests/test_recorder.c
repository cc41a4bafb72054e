/* The poll recorder (daemon/recorder.c) on a real sd_event loop and a real
 * state.db: the analyses of a window are one transaction, ended by its
 * timer, by RECORDER_MAX_PENDING, by a flush or by free; a failed write
 * loses that whole window and nothing after it; the history gets a row only
 * when counts change, and is pruned at most hourly in bounded batches. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "daemon/recorder.h"
#include "stats/analysis.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/group_commit.h"
#include "store/watchlist.h"

#include "store_fixture.h"

#define MSEC 1000ULL
#define DAY_USEC (86400ULL * 1000 * MSEC)
#define NOW 1790000000LL   /* the wall clock the prune tests pass */
#define DAY 86400LL

/* One test's world: the loop, the recorder's connection (whose COMMITs are
 * counted), a second read-only connection that sees only what is
 * committed, and what the written hook was told. */
static struct {
        sd_event *event;
        struct store *store;
        struct store *reader;
        struct store_group *group;
        struct recorder *recorder;
        struct watchlist watch;
        unsigned commits;
        unsigned written;
        int last;
} t;

static int count_commit(void *userdata)
{
        (void) userdata;
        t.commits++;
        return 0;
}

static void on_written(void *userdata, int r)
{
        cr_assert_eq(userdata, &t);
        t.written++;
        t.last = r;
}

static void setup(void)
{
        store_fixture_make_dir();
        cr_assert_eq(sd_event_new(&t.event), 0);
        cr_assert_eq(store_open(store_dir, 0, &t.store), 0);
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &t.reader), 0);
        sqlite3_commit_hook(store_db(t.store), count_commit, NULL);
        cr_assert_eq(store_group_new(t.store, t.event, &t.group), 0);
        cr_assert_eq(store_group_listen(t.group, &(struct store_group_listener) { .committed = on_written,
                                                                                   .userdata = &t }), 0);
        cr_assert_eq(recorder_new(t.group, &t.recorder), 0);
}

static void teardown(void)
{
        store_group_free(t.group);
        recorder_free(t.recorder);
        store_close(t.reader);
        store_close(t.store);
        sd_event_unref(t.event);
        watchlist_clear(&t.watch);
        store_fixture_remove_dir();
}

TestSuite(recorder, .init = setup, .fini = teardown);

/* Experiment id just polled at wall clock `at`: variants "0" and "1" with
 * v0 and v1 visitors (a tenth of them converted). */
static struct watched_experiment *polled(long long id, int64_t at, long long v0, long long v1)
{
        struct watched_experiment *e = watchlist_get(&t.watch, id);

        cr_assert_not_null(e);
        e->active = true;
        store_fixture_analyse(e, 2, (long long[]) { v0, v1 }, (long long[]) { v0 / 10, v1 / 10 });
        e->polled_at = at;
        e->visitors = v0 + v1;
        return e;
}

/* Adds e and commits its window at once; the window must succeed. */
static void record(struct watched_experiment *e)
{
        unsigned before = t.written;

        recorder_add(t.recorder, e);
        store_group_flush(t.group);
        cr_assert_eq(t.written, before + 1);
        cr_assert_eq(t.last, 0);
}

/* What another connection sees: only what is committed. */
static long long committed(const char *sql)
{
        return store_query_int(t.reader, sql);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Runs the loop until the written hook is called (at most 2 s). */
static void run_until_written(void)
{
        unsigned before = t.written;
        uint64_t start = now_usec();

        while (t.written == before) {
                cr_assert_lt(now_usec() - start, 2000 * MSEC, "the window never ended");
                cr_assert_geq(sd_event_run(t.event, 50 * MSEC), 0);
        }
}

/* Nothing is left on the loop: a window timer (default accuracy 250 ms)
 * would be dispatched within this wait. */
static void expect_loop_idle(void)
{
        cr_expect_eq(sd_event_run(t.event, (STORE_GROUP_WINDOW_MSEC + 300) * MSEC), 0, "no timer left");
}

Test(recorder, a_window_is_one_transaction)
{
        for (long long id = 1; id <= 3; id++)
                recorder_add(t.recorder, polled(id, 1000, 100, 120));
        cr_expect_eq(store_query_int(t.store, "SELECT count(*) FROM polls"), 6, "written in the window");
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 0, "but not visible before its end");
        cr_expect_eq(t.commits, 0);
        cr_expect_eq(t.written, 0);

        run_until_written();
        cr_expect_eq(t.commits, 1, "one COMMIT for three experiments");
        cr_expect_eq(t.written, 1);
        cr_expect_eq(t.last, 0);
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 3);
        cr_expect_eq(committed("SELECT count(*) FROM polls"), 6);
}

Test(recorder, the_timer_ends_the_window)
{
        uint64_t start = now_usec();

        recorder_add(t.recorder, polled(1, 1000, 100, 120));
        run_until_written();
        cr_expect_geq(now_usec() - start, STORE_GROUP_WINDOW_MSEC * MSEC, "not before the window's end");
        cr_expect_eq(t.last, 0);
        cr_expect_eq(committed("SELECT count(*) FROM polls WHERE experiment_id = 1"), 2, "without a flush");

        /* The next add opens a new window, with its own timer. */
        recorder_add(t.recorder, polled(2, 1000, 100, 120));
        run_until_written();
        cr_expect_eq(t.commits, 2);
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 2);
}

Test(recorder, max_pending_commits_without_waiting)
{
        for (long long id = 1; id < RECORDER_MAX_PENDING; id++)
                recorder_add(t.recorder, polled(id, 1000, 100, 120));
        cr_expect_eq(t.written, 0);
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 0);

        recorder_add(t.recorder, polled(RECORDER_MAX_PENDING, 1000, 100, 120));
        cr_expect_eq(t.written, 1, "the loop never ran");
        cr_expect_eq(t.last, 0);
        cr_expect_eq(t.commits, 1);
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), RECORDER_MAX_PENDING);
        expect_loop_idle();
        cr_expect_eq(t.written, 1);
}

Test(recorder, flush_commits_at_once)
{
        recorder_add(t.recorder, polled(1, 1000, 100, 120));
        recorder_add(t.recorder, polled(2, 1000, 100, 120));
        store_group_flush(t.group);
        cr_expect_eq(t.written, 1);
        cr_expect_eq(t.last, 0);
        cr_expect_eq(t.commits, 1);
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 2);

        store_group_flush(t.group);
        cr_expect_eq(t.written, 1, "nothing pending: no call");
        cr_expect_eq(t.commits, 1, "and no empty transaction");
        expect_loop_idle();
        cr_expect_eq(t.written, 1);
}

/* A committed hook that writes once more (as the action runner does when it
 * concludes an intent its rolled-back group lost). */
static void write_after_commit(void *userdata, int r)
{
        static bool done;

        (void) r;
        if (done)
                return;
        done = true;
        recorder_add(userdata, polled(2, 1000, 100, 120));
}

Test(recorder, freeing_the_group_commits_what_its_hooks_write)
{
        cr_assert_eq(store_group_listen(t.group, &(struct store_group_listener) { .committed = write_after_commit,
                                                                                   .userdata = t.recorder }), 0);
        recorder_add(t.recorder, polled(1, 1000, 100, 120));
        store_group_free(t.group);
        t.group = NULL;
        cr_expect_eq(t.written, 2, "the hook's write is a second group, committed too");
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 2);
}

Test(recorder, freeing_the_group_commits_what_is_pending)
{
        recorder_add(t.recorder, polled(1, 1000, 100, 120));
        store_group_free(t.group);
        t.group = NULL;
        cr_expect_eq(t.written, 1);
        cr_expect_eq(t.last, 0);
        cr_expect_eq(committed("SELECT count(*) FROM polls WHERE experiment_id = 1"), 2);
}

Test(recorder, a_failed_write_loses_its_window_only)
{
        store_exec_sql(t.store, "CREATE TRIGGER planted BEFORE INSERT ON polls WHEN NEW.experiment_id = 2 "
                                "BEGIN SELECT RAISE(FAIL, 'planted'); END");
        t.commits = 0;
        for (long long id = 1; id <= 3; id++)
                recorder_add(t.recorder, polled(id, 1000, 100, 120));
        run_until_written();
        cr_expect_lt(t.last, 0, "a negative errno: %d", t.last);
        cr_expect_eq(t.written, 1);
        cr_expect_eq(t.commits, 0);
        cr_expect(sqlite3_get_autocommit(store_db(t.store)), "rolled back, not left open");
        cr_expect_eq(store_query_int(t.store, "SELECT count(*) FROM experiments"), 0, "1's rows went too");
        cr_expect_eq(store_query_int(t.store, "SELECT count(*) FROM polls"), 0);

        /* Repaired: the next poll, same counts, writes what was lost. */
        store_exec_sql(t.store, "DROP TRIGGER planted");
        for (long long id = 1; id <= 3; id++)
                recorder_add(t.recorder, polled(id, 1060, 100, 120));
        run_until_written();
        cr_expect_eq(t.last, 0);
        cr_expect_eq(committed("SELECT count(*) FROM experiments"), 3);
        cr_expect_eq(committed("SELECT count(*) FROM polls WHERE polled_at = 1060"), 6);
}

Test(recorder, history_only_when_counts_change)
{
        record(polled(1, 1000, 100, 120));
        cr_expect_eq(committed("SELECT count(*) FROM polls"), 2, "first poll: every variant");
        record(polled(1, 1060, 100, 120));
        cr_expect_eq(committed("SELECT count(*) FROM polls"), 2, "unchanged: no row");
        cr_expect_eq(committed("SELECT polled_at FROM experiments WHERE id = 1"), 1060, "but the experiment is");
        record(polled(1, 1120, 100, 150));
        cr_expect_eq(committed("SELECT count(*) FROM polls"), 3, "one variant changed");
        cr_expect_eq(committed("SELECT count(*) FROM polls WHERE polled_at = 1120 AND variant_id = '1' "
                               "AND visitors = 150 AND conversions = 15"), 1);
        record(polled(1, 1180, 130, 170));
        cr_expect_eq(committed("SELECT count(*) FROM polls WHERE polled_at = 1180"), 2, "both changed");
}

/* Experiment 1's variants polled days ago at each of at[] (seconds before
 * NOW), their counts moving every time. */
static void old_history(const int64_t *ago, size_t n)
{
        static long long visitors = 100;

        for (size_t i = 0; i < n; i++, visitors += 10)
                record(polled(1, NOW - ago[i], visitors, visitors + 5));
}

static long long polls_rows(void)
{
        return committed("SELECT count(*) FROM polls");
}

Test(recorder, prune_at_most_hourly)
{
        old_history((int64_t[]) { 3 * DAY, 2 * DAY }, 2);
        cr_assert_eq(polls_rows(), 4);
        recorder_prune(t.recorder, DAY_USEC, NOW);
        cr_expect_eq(polls_rows(), 2, "3 days ago: superseded by 2 days ago, still older than a day");

        /* More old rows: not within the hour, then an hour later. */
        old_history((int64_t[]) { 36 * 3600 }, 1);
        cr_assert_eq(polls_rows(), 4);
        recorder_prune(t.recorder, DAY_USEC, NOW + 60);
        cr_expect_eq(polls_rows(), 4, "pruned a minute ago");
        recorder_prune(t.recorder, DAY_USEC, NOW + RECORDER_PRUNE_EVERY_SEC - 1);
        cr_expect_eq(polls_rows(), 4);
        recorder_prune(t.recorder, DAY_USEC, NOW + RECORDER_PRUNE_EVERY_SEC);
        cr_expect_eq(polls_rows(), 2, "an hour later");
}

Test(recorder, retention_zero_keeps_everything)
{
        old_history((int64_t[]) { 30 * DAY, 20 * DAY, 10 * DAY }, 3);
        recorder_prune(t.recorder, 0, NOW);
        recorder_prune(t.recorder, 0, NOW + 10 * DAY);
        cr_expect_eq(polls_rows(), 6);
}

Test(recorder, a_full_batch_goes_on_at_the_next_call)
{
        const int64_t later = NOW + RECORDER_PRUNE_EVERY_SEC;
        char sql[512];

        recorder_prune(t.recorder, DAY_USEC, NOW);   /* nothing yet: the hour starts */
        /* RECORDER_PRUNE_BATCH + 2 old rows of one variant: all but the
         * latest superseded, one statement (one transaction). */
        snprintf(sql, sizeof(sql),
                 "INSERT INTO experiments (id, first_seen, last_seen) VALUES (9, 1, 1);"
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
                 "INSERT INTO polls SELECT 9, '0', 1000 + i, i, 0 FROM n",
                 RECORDER_PRUNE_BATCH + 2);
        store_exec_sql(t.store, sql);

        recorder_prune(t.recorder, DAY_USEC, later);
        cr_expect_eq(polls_rows(), 2, "one full batch");
        recorder_prune(t.recorder, DAY_USEC, later + 60);
        cr_expect_eq(polls_rows(), 1, "went on within the hour");

        store_exec_sql(t.store, "INSERT INTO polls VALUES (9, '0', 500, 1, 0), (9, '0', 600, 2, 0)");
        recorder_prune(t.recorder, DAY_USEC, later + 120);
        cr_expect_eq(polls_rows(), 3, "that batch was not full: done for the hour");
}
