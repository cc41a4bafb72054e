/* The typed rows of state.db (alert_rows.h, action_rows.h, health_rows.h,
 * meta.h): each table written, closed, reopened and read back field by
 * field; upserts replacing, deletes, the order of the walks, the
 * experiment-level key, awkward strings, and the meta values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/action_rows.h"
#include "store/alert_rows.h"
#include "store/db.h"
#include "store/health_rows.h"
#include "store/meta.h"

#include "store_fixture.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Strings SQL and JSON would both trip on if they were pasted, not bound. */
#define QUOTED "it's \"quoted\"; x'); DROP TABLE alerts; --"
#define UNICODE "conversion ↓ — ünïcødé 变体 🚀"

TestSuite(store_rows, .init = store_fixture_make_dir, .fini = store_fixture_remove_dir);

static struct store *open_store(unsigned flags)
{
        struct store *s = NULL;

        cr_assert_eq(store_open(store_dir, flags, &s), 0);
        return s;
}

static struct store *reopen(struct store *s)
{
        store_close(s);
        return open_store(0);
}

/* No statement left mid-read: an open read would pin the WAL (no
 * checkpoint) for as long as the daemon runs. */
static void expect_no_read_in_progress(struct store *s)
{
        for (sqlite3_stmt *st = sqlite3_next_stmt(store_db(s), NULL); st; st = sqlite3_next_stmt(store_db(s), st))
                cr_expect_not(sqlite3_stmt_busy(st), "still stepping: %s", sqlite3_sql(st));
}

/* ---- alerts ---- */

static void read_alerts(struct store *s, struct alerts_read *a)
{
        alerts_read_clear(a);
        cr_assert_eq(store_alerts_each(s, collect_alert, a), 0);
}

Test(store_rows, alerts_round_trip_in_key_order)
{
        /* In key order (rule, experiment_id, variant_id as bytes). */
        static const struct store_alert_row want[] = {
                { UNICODE, 3, NULL, STORE_ALERT_PENDING, 11, 0, 0, false },   /* "conversion " < "conversion_" */
                { "conversion_drop", 7, "", STORE_ALERT_FIRING, 1700000000, 1700000600, 1700003600, true },
                { "conversion_drop", 7, "2", STORE_ALERT_PENDING, 1700000100, 0, 0, false },
                { "conversion_drop", 1002, "1", STORE_ALERT_FIRING, 1, 2, 3, false },
                { "conversion_drop", 9007199254740993LL, "variant 'b'", STORE_ALERT_PENDING, INT64_MAX,
                  INT64_MIN, -1, false },
                { QUOTED, -5, UNICODE, STORE_ALERT_FIRING, 10, 20, 30, true },
        };
        static const size_t order[] = { 4, 2, 5, 0, 3, 1 };   /* written out of order */
        struct alerts_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_begin(s), 0);
        for (size_t i = 0; i < N_ELEMENTS(order); i++)
                cr_assert_eq(store_alert_upsert(s, &want[order[i]]), 0, "row %zu: %s", order[i], store_error(s));
        cr_assert_eq(store_commit(s), 0);
        s = reopen(s);

        read_alerts(s, &got);
        cr_assert_eq(got.n, N_ELEMENTS(want));
        for (size_t i = 0; i < got.n; i++)
                expect_alert(&got.rows[i], &want[i]);
        alerts_read_clear(&got);
        store_close(s);
}

Test(store_rows, alert_upsert_replaces_the_row_of_its_key)
{
        struct store_alert_row row = { "drop", 42, "1", STORE_ALERT_PENDING, 100, 0, 0, false };
        struct alerts_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_alert_upsert(s, &row), 0);
        row = (struct store_alert_row) { "drop", 42, "1", STORE_ALERT_FIRING, 100, 400, 400, true };
        cr_assert_eq(store_alert_upsert(s, &row), 0);
        row = (struct store_alert_row) { "drop", 42, "1", STORE_ALERT_FIRING, 100, 400, 4000, false };
        cr_assert_eq(store_alert_upsert(s, &row), 0);
        s = reopen(s);
        read_alerts(s, &got);
        cr_assert_eq(got.n, 1);
        expect_alert(&got.rows[0], &row);
        alerts_read_clear(&got);
        store_close(s);
}

Test(store_rows, alert_experiment_level_key_is_empty_variant)
{
        struct store_alert_row null_variant = { "stalled", 9, NULL, STORE_ALERT_PENDING, 5, 0, 0, false };
        struct store_alert_row empty_variant = { "stalled", 9, "", STORE_ALERT_FIRING, 5, 6, 7, false };
        struct store_alert_row variant = { "stalled", 9, "0", STORE_ALERT_FIRING, 1, 2, 3, false };
        struct alerts_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_alert_upsert(s, &null_variant), 0);
        cr_assert_eq(store_alert_upsert(s, &empty_variant), 0, "NULL and \"\" are the same row");
        cr_assert_eq(store_alert_upsert(s, &variant), 0);
        s = reopen(s);
        read_alerts(s, &got);
        cr_assert_eq(got.n, 2);
        cr_expect_not_null(got.rows[0].variant_id, "read back as \"\", never NULL");
        expect_alert(&got.rows[0], &empty_variant);
        expect_alert(&got.rows[1], &variant);

        cr_expect_eq(store_alert_delete(s, "stalled", 9, NULL), 1, "NULL deletes the experiment-level row");
        cr_expect_eq(store_alert_delete(s, "stalled", 9, ""), 0, "already gone");
        read_alerts(s, &got);
        cr_assert_eq(got.n, 1);
        expect_alert(&got.rows[0], &variant);
        cr_expect_eq(store_alert_upsert(s, &empty_variant), 0);
        cr_expect_eq(store_alert_delete(s, "stalled", 9, ""), 1, "and \"\" does too");
        alerts_read_clear(&got);
        store_close(s);
}

Test(store_rows, alert_deletes_one_an_experiment_or_a_rule)
{
        static const struct store_alert_row rows[] = {
                { "a", 1, "", STORE_ALERT_FIRING, 1, 1, 1, false },   { "a", 1, "1", STORE_ALERT_FIRING, 1, 1, 1, false },
                { "a", 2, "1", STORE_ALERT_PENDING, 1, 0, 0, false }, { "b", 1, "1", STORE_ALERT_PENDING, 1, 0, 0, false },
                { "b", 2, "", STORE_ALERT_FIRING, 1, 1, 1, false },   { QUOTED, 2, UNICODE, STORE_ALERT_FIRING, 1, 1, 1, false },
        };
        struct alerts_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_begin(s), 0);
        for (size_t i = 0; i < N_ELEMENTS(rows); i++)
                cr_assert_eq(store_alert_upsert(s, &rows[i]), 0);
        cr_assert_eq(store_commit(s), 0);

        cr_expect_eq(store_alert_delete(s, "a", 1, "1"), 1);
        cr_expect_eq(store_alert_delete(s, "a", 1, "1"), 0, "a row that is not there");
        cr_expect_eq(store_alert_delete(s, "a", 3, "1"), 0);
        cr_expect_eq(store_alert_delete(s, QUOTED, 2, "other"), 0);
        cr_expect_eq(store_alerts_delete_experiment(s, 1), 2, "a:1:'' and b:1:1");
        cr_expect_eq(store_alerts_delete_experiment(s, 1), 0);
        cr_expect_eq(store_alerts_delete_rule(s, "b"), 1, "b:2:''");
        cr_expect_eq(store_alerts_delete_rule(s, "no such rule"), 0);
        s = reopen(s);
        read_alerts(s, &got);
        cr_assert_eq(got.n, 2);
        expect_alert(&got.rows[0], &rows[2]);
        expect_alert(&got.rows[1], &rows[5]);
        cr_expect_eq(store_alerts_delete_rule(s, QUOTED), 1);
        cr_expect_eq(store_alert_delete(s, "a", 2, "1"), 1);
        read_alerts(s, &got);
        cr_expect_eq(got.n, 0);
        store_close(s);
}

Test(store_rows, alert_walk_stops_and_bad_rows_are_refused)
{
        struct store_alert_row row = { "r", 1, "1", STORE_ALERT_PENDING, 1, 0, 0, false };
        struct alerts_read got = { .stop_after = 2 };
        struct store *s = open_store(0);

        for (long long id = 1; id <= 3; id++) {
                row.experiment_id = id;
                cr_assert_eq(store_alert_upsert(s, &row), 0);
        }
        cr_expect_eq(store_alerts_each(s, collect_alert, &got), 42, "fn's return stops the walk");
        cr_expect_eq(got.n, 2);
        expect_no_read_in_progress(s);
        alerts_read_clear(&got);
        got.stop_after = 0;
        read_alerts(s, &got);
        cr_expect_eq(got.n, 3, "the walk starts over after a stop");
        alerts_read_clear(&got);

        row.state = (enum store_alert_state) 7;
        cr_expect_eq(store_alert_upsert(s, &row), -EINVAL);
        row = (struct store_alert_row) { NULL, 1, "1", STORE_ALERT_PENDING, 1, 0, 0, false };
        cr_expect_eq(store_alert_upsert(s, &row), -EINVAL);
        cr_expect_eq(store_alert_delete(s, NULL, 1, NULL), -EINVAL);
        cr_expect_eq(store_alerts_delete_rule(s, NULL), -EINVAL);
        cr_expect_str_eq(store_alert_state_to_string(STORE_ALERT_PENDING), "pending");
        cr_expect_str_eq(store_alert_state_to_string(STORE_ALERT_FIRING), "firing");
        cr_expect_null(store_alert_state_to_string((enum store_alert_state) 2));
        store_close(s);
}

/* ---- actions ---- */

static void read_actions(struct store *s, struct actions_read *a)
{
        actions_read_clear(a);
        cr_assert_eq(store_actions_each(s, collect_action, a), 0);
}

static void expect_action(const struct store_action_row *got, const struct store_action_row *want)
{
        const char *error = want->error && *want->error ? want->error : NULL;

        cr_expect_str_eq(got->rule, want->rule);
        cr_expect_eq(got->experiment_id, want->experiment_id, "%s", want->rule);
        cr_expect_eq(got->action, want->action, "%s", want->rule);
        expect_str_or_null(got->variant_id, want->variant_id, "variant_id");
        cr_expect_eq(got->traffic_allocation, want->traffic_allocation, "%s", want->rule);
        cr_expect_eq(got->state, want->state, "%s", want->rule);
        cr_expect_eq(got->attempts, want->attempts, "%s", want->rule);
        cr_expect_eq(got->intended_at, want->intended_at, "%s", want->rule);
        cr_expect_eq(got->finished_at, want->finished_at, "%s", want->rule);
        cr_expect_eq(got->http_status, want->http_status, "%s", want->rule);
        expect_str_or_null(got->error, error, "error");
}

Test(store_rows, actions_round_trip_in_intended_order)
{
        /* In intended_at order, then rule and experiment. */
        static const struct store_action_row want[] = {
                { "pause_on_drop", 1002, RULE_ACTION_PAUSE, NULL, 0, STORE_ACTION_DONE, 1, 1700000000, 1700000002,
                  200, NULL },
                { QUOTED, 7, RULE_ACTION_SERVE_WINNER, UNICODE, 50, STORE_ACTION_INTENDED, 1, 1700000100, 0, 0,
                  NULL },
                { QUOTED, 8, RULE_ACTION_PAUSE, NULL, 0, STORE_ACTION_DRY_RUN, 0, 1700000100, 1700000100, 0, "" },
                { "winner", 1002, RULE_ACTION_SERVE_WINNER, "2", 100, STORE_ACTION_FAILED, 3, 1700000100,
                  1700000160, 403, "HTTP 403: plan limit — \"upgrade\" it's " UNICODE },
                { "a_rule", 9007199254740993LL, RULE_ACTION_PAUSE, NULL, -1, STORE_ACTION_INTENDED, UINT32_MAX,
                  INT64_MAX, INT64_MIN, 999, NULL },
        };
        static const size_t order[] = { 4, 3, 1, 0, 2 };
        struct actions_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_begin(s), 0);
        for (size_t i = 0; i < N_ELEMENTS(order); i++)
                cr_assert_eq(store_action_upsert(s, &want[order[i]]), 0, "row %zu: %s", order[i], store_error(s));
        cr_assert_eq(store_commit(s), 0);
        s = reopen(s);

        read_actions(s, &got);
        cr_assert_eq(got.n, N_ELEMENTS(want));
        for (size_t i = 0; i < got.n; i++)
                expect_action(&got.rows[i], &want[i]);
        /* The text 0.1.0 wrote in actions.json. */
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM actions WHERE action = 'serve-winner'"), 2);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM actions WHERE action = 'pause'"), 3);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM actions WHERE state = 'dry-run' AND error IS NULL"), 1,
                     "\"\" is no error");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM actions WHERE state IN ('intended', 'done', 'failed')"), 4);
        actions_read_clear(&got);
        store_close(s);
}

Test(store_rows, action_upsert_records_the_result_in_place)
{
        struct store_action_row row = { "winner", 5, RULE_ACTION_SERVE_WINNER, "1", 100, STORE_ACTION_INTENDED, 1,
                                        1000, 0, 0, NULL };
        struct store_action_row other = { "pause", 5, RULE_ACTION_PAUSE, NULL, 0, STORE_ACTION_DONE, 1, 999, 1001,
                                          204, NULL };
        struct actions_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_action_upsert(s, &row), 0);
        cr_assert_eq(store_action_upsert(s, &other), 0);
        row.attempts = 2;   /* a retry at startup */
        cr_assert_eq(store_action_upsert(s, &row), 0);
        row.state = STORE_ACTION_FAILED;
        row.finished_at = 1030;
        row.http_status = 502;
        row.error = "HTTP 502";
        cr_assert_eq(store_action_upsert(s, &row), 0);
        s = reopen(s);
        read_actions(s, &got);
        cr_assert_eq(got.n, 2, "one entry per rule × experiment");
        expect_action(&got.rows[0], &other);
        expect_action(&got.rows[1], &row);

        row.state = STORE_ACTION_DONE;   /* a 409 on a retry: done after all */
        row.http_status = 409;
        row.error = NULL;
        cr_assert_eq(store_action_upsert(s, &row), 0);
        read_actions(s, &got);
        cr_assert_eq(got.n, 2);
        expect_action(&got.rows[1], &row);
        actions_read_clear(&got);
        store_close(s);
}

Test(store_rows, action_bad_values_are_refused)
{
        struct store_action_row row = { "r", 1, RULE_ACTION_NONE, NULL, 0, STORE_ACTION_DONE, 1, 1, 1, 200, NULL };
        struct actions_read got = { 0 };
        struct store *s = open_store(0);

        cr_expect_eq(store_action_upsert(s, &row), -EINVAL, "no action");
        row.action = RULE_ACTION_PAUSE;
        row.state = STORE_ACTION_STATE_COUNT;
        cr_expect_eq(store_action_upsert(s, &row), -EINVAL, "no such state");
        row.state = STORE_ACTION_DONE;
        row.rule = NULL;
        cr_expect_eq(store_action_upsert(s, &row), -EINVAL, "no rule");
        cr_expect_str_eq(store_action_state_to_string(STORE_ACTION_INTENDED), "intended");
        cr_expect_str_eq(store_action_state_to_string(STORE_ACTION_DONE), "done");
        cr_expect_str_eq(store_action_state_to_string(STORE_ACTION_FAILED), "failed");
        cr_expect_str_eq(store_action_state_to_string(STORE_ACTION_DRY_RUN), "dry-run");
        cr_expect_null(store_action_state_to_string(STORE_ACTION_STATE_COUNT));

        /* Rows this program cannot read: refused, not half-read. */
        store_exec_sql(s, "INSERT INTO actions (rule, experiment_id, action, state, intended_at) "
                    "VALUES ('r', 1, 'pause', 'undone', 1)");
        actions_read_clear(&got);
        cr_expect_eq(store_actions_each(s, collect_action, &got), -EBADMSG, "unknown state");
        expect_no_read_in_progress(s);
        store_exec_sql(s, "UPDATE actions SET state = 'done', action = 'resume'");
        actions_read_clear(&got);
        cr_expect_eq(store_actions_each(s, collect_action, &got), -EBADMSG, "unknown action");
        store_exec_sql(s, "UPDATE actions SET action = 'pause', attempts = -1");
        actions_read_clear(&got);
        cr_expect_eq(store_actions_each(s, collect_action, &got), -EBADMSG, "attempts out of range");
        store_exec_sql(s, "UPDATE actions SET attempts = 1");
        read_actions(s, &got);
        cr_expect_eq(got.n, 1);
        actions_read_clear(&got);
        store_close(s);
}

/* A row this version cannot read does not hide the ones after it: the
 * daemon would act again on every rule × experiment it forgot. */
Test(store_rows, action_walk_goes_past_unreadable_rows)
{
        struct actions_read got = { 0 };
        struct store *s = open_store(0);

        store_exec_sql(s, "INSERT INTO actions (rule, experiment_id, action, state, intended_at) VALUES "
                          "('a', 1, 'pause', 'done', 1), ('b', 2, 'pause', 'undone', 2), ('c', 3, 'pause', 'done', 3)");
        cr_expect_eq(store_actions_each(s, collect_action, &got), -EBADMSG);
        cr_assert_eq(got.n, 2, "the readable rows, before and after the unreadable one");
        cr_expect_str_eq(got.rows[0].rule, "a");
        cr_expect_str_eq(got.rows[1].rule, "c");
        expect_no_read_in_progress(s);
        actions_read_clear(&got);
        store_close(s);
}

Test(store_rows, circuit_open_is_a_meta_flag)
{
        struct store *s = open_store(0);
        bool open = true;

        cr_assert_eq(store_actions_circuit_open_get(s, &open), 0);
        cr_expect_not(open, "false when never set");
        cr_assert_eq(store_actions_circuit_open_set(s, true), 0);
        s = reopen(s);
        cr_assert_eq(store_actions_circuit_open_get(s, &open), 0);
        cr_expect(open);
        cr_assert_eq(store_actions_circuit_open_set(s, false), 0);
        s = reopen(s);
        cr_assert_eq(store_actions_circuit_open_get(s, &open), 0);
        cr_expect_not(open);
        cr_assert_eq(store_meta_set(s, STORE_META_CIRCUIT_OPEN, "2"), 0);
        cr_expect_eq(store_actions_circuit_open_get(s, &open), -EBADMSG);
        cr_expect_not(open);
        store_close(s);
}

/* ---- health ---- */

static void read_health(struct store *s, struct health_read *h)
{
        health_read_clear(h);
        cr_assert_eq(store_health_each(s, collect_health, h), 0);
}

static void expect_health(const struct store_health_row *got, const struct store_health_row *want)
{
        const char *what = store_health_condition_to_string(want->condition);

        cr_expect_eq(got->condition, want->condition, "%s", what);
        cr_expect_str_eq(got->subject, want->subject ? want->subject : "", "%s", what);
        expect_str_or_null(got->name, want->name, "name");
        expect_str_or_null(got->detail, want->detail, "detail");
        cr_expect_eq(got->since, want->since, "%s", what);
        cr_expect_eq(got->alerted_at, want->alerted_at, "%s", what);
        cr_expect_eq(got->last_notified, want->last_notified, "%s", what);
}

Test(store_rows, health_round_trip_in_key_order)
{
        /* In key order: the condition's name, then the subject. */
        static const struct store_health_row want[] = {
                { STORE_HEALTH_API_FAILING, "", NULL, "HTTP 503", 100, 0, 0 },
                { STORE_HEALTH_API_KEY_REJECTED, NULL, NULL, "HTTP 401: \"invalid key\"", 90, 3690, 7290 },
                { STORE_HEALTH_DELIVERY_FAILING, UNICODE, NULL, QUOTED, 6, 7, 8 },
                { STORE_HEALTH_DELIVERY_FAILING, "ops-slack", NULL, "connection refused", 5, 0, 0 },
                { STORE_HEALTH_EXPERIMENT_FAILING, "1002", "Checkout — it's \"new\"", "HTTP 500", 1, 2, 3 },
                { STORE_HEALTH_EXPERIMENT_STALLED, "1002", UNICODE, NULL, INT64_MAX, INT64_MIN, -1 },
                { STORE_HEALTH_EXPERIMENT_STALLED, "998", "", "", 0, 0, 0 },
                { STORE_HEALTH_STATE_NOT_WRITABLE, "", NULL, "No space left on device", 50, 60, 60 },
        };
        static const size_t order[] = { 7, 3, 5, 0, 6, 2, 4, 1 };
        struct health_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_begin(s), 0);
        for (size_t i = 0; i < N_ELEMENTS(order); i++)
                cr_assert_eq(store_health_upsert(s, &want[order[i]]), 0, "row %zu: %s", order[i], store_error(s));
        cr_assert_eq(store_commit(s), 0);
        s = reopen(s);

        read_health(s, &got);
        cr_assert_eq(got.n, N_ELEMENTS(want));
        for (size_t i = 0; i < got.n; i++)
                expect_health(&got.rows[i], &want[i]);
        /* The names health.json used. */
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM health WHERE condition IN ('api_key_rejected', "
                                  "'api_failing', 'experiment_failing', 'delivery_failing', "
                                  "'state_not_writable', 'experiment_stalled')"),
                     (long long) N_ELEMENTS(want));
        health_read_clear(&got);
        store_close(s);
}

Test(store_rows, health_upsert_replaces_and_delete_removes)
{
        struct store_health_row row = { STORE_HEALTH_API_KEY_REJECTED, NULL, NULL, "HTTP 401", 100, 0, 0 };
        struct store_health_row stalled = { STORE_HEALTH_EXPERIMENT_STALLED, "7", "Hero", NULL, 10, 10, 10 };
        struct health_read got = { 0 };
        struct store *s = open_store(0);

        cr_assert_eq(store_health_upsert(s, &row), 0);
        cr_assert_eq(store_health_upsert(s, &stalled), 0);
        row = (struct store_health_row) { STORE_HEALTH_API_KEY_REJECTED, "", NULL, "HTTP 403", 100, 3700, 3700 };
        cr_assert_eq(store_health_upsert(s, &row), 0, "\"\" is the same daemon-wide row as NULL");
        stalled.name = NULL;        /* a name that went: NULL replaces it */
        stalled.detail = "no new visitor for 2d";
        cr_assert_eq(store_health_upsert(s, &stalled), 0);
        s = reopen(s);
        read_health(s, &got);
        cr_assert_eq(got.n, 2);
        expect_health(&got.rows[0], &row);
        expect_health(&got.rows[1], &stalled);

        cr_expect_eq(store_health_delete(s, STORE_HEALTH_EXPERIMENT_STALLED, "8"), 0, "another subject");
        cr_expect_eq(store_health_delete(s, STORE_HEALTH_EXPERIMENT_FAILING, "7"), 0, "another condition");
        cr_expect_eq(store_health_delete(s, STORE_HEALTH_EXPERIMENT_STALLED, "7"), 1);
        cr_expect_eq(store_health_delete(s, STORE_HEALTH_API_KEY_REJECTED, NULL), 1);
        cr_expect_eq(store_health_delete(s, STORE_HEALTH_API_KEY_REJECTED, ""), 0);
        cr_expect_eq(store_health_delete(s, STORE_HEALTH_CONDITION_COUNT, ""), -EINVAL);
        row.condition = STORE_HEALTH_CONDITION_COUNT;
        cr_expect_eq(store_health_upsert(s, &row), -EINVAL);
        s = reopen(s);
        read_health(s, &got);
        cr_expect_eq(got.n, 0);

        store_exec_sql(s, "INSERT INTO health (condition, since) VALUES ('disk_on_fire', 1)");
        health_read_clear(&got);
        cr_expect_eq(store_health_each(s, collect_health, &got), -EBADMSG, "a condition it does not know");
        expect_no_read_in_progress(s);
        health_read_clear(&got);
        store_close(s);
}

/* The daemon loads its conditions through this walk: a row it cannot
 * read must not cost it the rows after it (they would be alerted again). */
Test(store_rows, health_walk_goes_past_unreadable_rows_and_delete_all_empties)
{
        static const struct store_health_row want[] = {
                { STORE_HEALTH_API_FAILING, "", NULL, "HTTP 503", 100, 0, 0 },
                { STORE_HEALTH_STATE_NOT_WRITABLE, "", NULL, "No space left on device", 50, 60, 60 },
        };
        struct health_read got = { 0 };
        struct store *s = open_store(0);

        for (size_t i = 0; i < N_ELEMENTS(want); i++)
                cr_assert_eq(store_health_upsert(s, &want[i]), 0, "%s", store_error(s));
        /* In key order between the two: a condition it does not know, and
         * a known one whose since is not a number. */
        store_exec_sql(s, "INSERT INTO health (condition, since) VALUES ('disk_on_fire', 1)");
        store_exec_sql(s, "INSERT INTO health (condition, subject, since) VALUES ('experiment_failing', '7', 'soon')");
        s = reopen(s);

        cr_expect_eq(store_health_each(s, collect_health, &got), -EBADMSG);
        expect_no_read_in_progress(s);
        cr_assert_eq(got.n, N_ELEMENTS(want), "every readable row, before and after the unreadable ones");
        for (size_t i = 0; i < got.n; i++)
                expect_health(&got.rows[i], &want[i]);

        cr_expect_eq(store_health_delete_all(s), 4);
        s = reopen(s);
        read_health(s, &got);
        cr_expect_eq(got.n, 0);
        cr_expect_eq(store_health_delete_all(s), 0, "nothing left");
        cr_expect_eq(store_health_delete_all(NULL), -EINVAL);
        health_read_clear(&got);
        store_close(s);
}

/* ---- meta ---- */

Test(store_rows, salt_and_generation_survive_reopen)
{
        char salt[STORE_SALT_SIZE] = "x";
        uint64_t generation = 99;
        struct store *s = open_store(0);

        cr_assert_eq(store_salt_get(s, salt), 0);
        cr_expect_str_eq(salt, "", "no salt yet");
        cr_assert_eq(store_generation_get(s, &generation), 0);
        cr_expect_eq(generation, 0, "no generation yet");

        cr_assert_eq(store_salt_set(s, "0123456789abcdef0123456789abcdef"), 0);
        cr_assert_eq(store_generation_set(s, 41), 0);
        cr_assert_eq(store_generation_set(s, 42), 0);
        s = reopen(s);
        cr_assert_eq(store_salt_get(s, salt), 0);
        cr_expect_str_eq(salt, "0123456789abcdef0123456789abcdef");
        cr_assert_eq(store_generation_get(s, &generation), 0);
        cr_expect_eq(generation, 42);

        cr_assert_eq(store_generation_set(s, UINT64_MAX), 0);
        s = reopen(s);
        cr_assert_eq(store_generation_get(s, &generation), 0);
        cr_expect_eq(generation, UINT64_MAX, "the whole uint64 range");

        cr_expect_eq(store_salt_set(s, "0123456789abcdef0123456789abcdef0"), -EINVAL, "33 characters");
        cr_expect_eq(store_salt_set(s, NULL), -EINVAL);
        cr_assert_eq(store_salt_get(s, salt), 0);
        cr_expect_str_eq(salt, "0123456789abcdef0123456789abcdef", "unchanged");
        cr_assert_eq(store_meta_set(s, STORE_META_SALT, "0123456789abcdef0123456789abcdef0"), 0);
        cr_expect_eq(store_salt_get(s, salt), -EBADMSG, "a stored salt too long");
        cr_expect_str_eq(salt, "");
        store_close(s);
}

Test(store_rows, meta_u64_values)
{
        static const char *const bad[] = { "", "-1", " 1", "1 ", "+1", "0x10", "18446744073709551616", "1e3",
                                            "seven" };
        uint64_t v = 5;
        struct store *s = open_store(0);

        cr_expect_eq(store_meta_get_u64(s, "nothing", &v), 0, "absent");
        cr_expect_eq(v, 0);
        cr_assert_eq(store_meta_set_u64(s, "n", 18446744073709551615ULL), 0);
        cr_expect_eq(store_meta_get_u64(s, "n", &v), 1);
        cr_expect_eq(v, UINT64_MAX);
        cr_assert_eq(store_meta_set_u64(s, "n", 0), 0);
        cr_expect_eq(store_meta_get_u64(s, "n", &v), 1);
        cr_expect_eq(v, 0);
        for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
                cr_assert_eq(store_meta_set(s, "n", bad[i]), 0);
                v = 5;
                cr_expect_eq(store_meta_get_u64(s, "n", &v), -EBADMSG, "'%s'", bad[i]);
                cr_expect_eq(v, 0, "'%s'", bad[i]);
        }
        cr_assert_eq(store_meta_set(s, STORE_META_GENERATION, "many"), 0);
        cr_expect_eq(store_generation_get(s, &v), -EBADMSG);
        store_close(s);
}

/* ---- transactions are the caller's ---- */

Test(store_rows, rows_follow_the_callers_transaction)
{
        struct store_alert_row alert = { "r", 1, NULL, STORE_ALERT_FIRING, 1, 2, 3, false };
        struct store_action_row action = { "r", 1, RULE_ACTION_PAUSE, NULL, 0, STORE_ACTION_INTENDED, 1, 1, 0, 0,
                                           NULL };
        struct store_health_row health = { STORE_HEALTH_API_FAILING, NULL, NULL, NULL, 1, 0, 0 };
        struct alerts_read alerts = { 0 };
        struct actions_read actions = { 0 };
        struct health_read conditions = { 0 };
        struct store *s = open_store(0), *reader;
        uint64_t generation = 0;
        bool open = false;

        /* Rolled back: nothing of it stays. */
        cr_assert_eq(store_begin(s), 0);
        cr_assert_eq(store_alert_upsert(s, &alert), 0);
        cr_assert_eq(store_action_upsert(s, &action), 0);
        cr_assert_eq(store_health_upsert(s, &health), 0);
        cr_assert_eq(store_generation_set(s, 7), 0);
        cr_assert_eq(store_actions_circuit_open_set(s, true), 0);
        store_rollback(s);
        read_alerts(s, &alerts);
        read_actions(s, &actions);
        read_health(s, &conditions);
        cr_expect_eq(alerts.n + actions.n + conditions.n, 0);
        cr_assert_eq(store_generation_get(s, &generation), 0);
        cr_expect_eq(generation, 0);

        /* Committed together: a reader sees all of it, or none before. */
        cr_assert_eq(store_begin(s), 0);
        cr_assert_eq(store_alert_upsert(s, &alert), 0);
        cr_assert_eq(store_action_upsert(s, &action), 0);
        cr_assert_eq(store_health_upsert(s, &health), 0);
        cr_assert_eq(store_generation_set(s, 7), 0);
        cr_assert_eq(store_actions_circuit_open_set(s, true), 0);
        reader = open_store(STORE_READ_ONLY);
        read_alerts(reader, &alerts);
        cr_expect_eq(alerts.n, 0, "not committed yet");
        cr_assert_eq(store_commit(s), 0);
        read_alerts(reader, &alerts);
        read_actions(reader, &actions);
        read_health(reader, &conditions);
        cr_expect_eq(alerts.n, 1);
        cr_expect_eq(actions.n, 1);
        cr_expect_eq(conditions.n, 1);
        cr_assert_eq(store_generation_get(reader, &generation), 0);
        cr_expect_eq(generation, 7);
        cr_assert_eq(store_actions_circuit_open_get(reader, &open), 0);
        cr_expect(open);
        cr_expect_eq(store_alert_upsert(reader, &alert), -EROFS, "a reader cannot write");
        cr_expect_eq(store_alerts_delete_experiment(reader, 1), -EROFS);
        cr_expect_eq(store_health_delete(reader, STORE_HEALTH_API_FAILING, NULL), -EROFS);
        alerts_read_clear(&alerts);
        actions_read_clear(&actions);
        health_read_clear(&conditions);
        store_close(reader);
        store_close(s);
}
