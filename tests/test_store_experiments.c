/* The watch list in state.db (store/experiments.c): saved, reopened and
 * loaded back field by field; the poll history written only on change,
 * read back in order and pruned in bounded batches. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "store/experiments.h"

#include "store_fixture.h"

TestSuite(store_experiments, .init = store_fixture_make_dir, .fini = store_fixture_remove_dir);

/* What store_fixture_analyse analyses with: a load with them recomputes
 * each analysis exactly. */
static const struct statistics_settings *fixture_settings(void)
{
        static struct statistics_settings s;

        s = statistics_settings_default();
        return &s;
}

static char *analysis_text(const struct watched_experiment *e)
{
        json_object *o = analysis_to_json(e->current);
        char *text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

        json_object_put(o);
        return text;
}

static const char quoted_name[] = "L'expérience \"bleu\" — 実験 🧪\n\\'; DROP TABLE experiments; --";

/* Several experiments: 3 variants polled twice (running bounds), an
 * inactive one restored and never polled, one failing with an error, one
 * with a name that needs care and no sequential state. */
static void fill(struct watchlist *w)
{
        struct watched_experiment *e;

        cr_assert_not_null(e = watchlist_get(w, 101));
        watchlist_set_name(e, "Checkout button");
        e->active = true;
        store_fixture_analyse(e, 3, (long long[]) { 4000, 4000, 4000 }, (long long[]) { 400, 460, 380 });
        store_fixture_analyse(e, 3, (long long[]) { 9000, 9000, 9000 }, (long long[]) { 900, 1040, 850 });
        e->polled_at = 1790000100;
        e->visitors = 27000;
        e->visitors_grew_at = 1790000100;

        cr_assert_not_null(e = watchlist_get(w, 7));
        watchlist_set_name(e, "Old pricing page");
        e->active = false;
        e->polled_at = 1780000000;
        e->visitors = 120;
        e->visitors_grew_at = 1779990000;
        e->restored_analysis = strdup("{\"test_id\":7,\"status_code\":3,\"visitors\":120,\"variants\":[]}");

        cr_assert_not_null(e = watchlist_get(w, 55));
        watchlist_set_name(e, "Failing one");
        e->active = true;
        e->failures = 4;
        e->last_http_status = 503;
        watchlist_set_error(e, "HTTP 503: \"try later\"");

        cr_assert_not_null(e = watchlist_get(w, 3000000000LL));
        watchlist_set_name(e, quoted_name);
        e->active = true;
        store_fixture_analyse(e, 2, (long long[]) { 10, 12 }, (long long[]) { 1, 2 });
        watchlist_drop_sequential(e);
        e->polled_at = 1790000200;
        e->visitors = 22;
}

/* As the recorder does: the row, then the counts that changed. */
static void save_all(struct store *s, const struct watchlist *w, int64_t now)
{
        cr_assert_eq(store_begin(s), 0);
        for (size_t i = 0; i < w->n; i++) {
                cr_assert_eq(store_experiment_save(s, w->items[i], now), 0, "%lld: %s", w->items[i]->id,
                             store_error(s));
                cr_assert_geq(store_poll_record(s, w->items[i]), 0, "%lld: %s", w->items[i]->id, store_error(s));
        }
        cr_assert_eq(store_commit(s), 0);
}

static void expect_str(const char *a, const char *b, const char *what, long long id)
{
        if (!a || !b)
                cr_expect(a == b, "%lld %s: %s vs %s", id, what, a ? a : "NULL", b ? b : "NULL");
        else
                cr_expect_str_eq(a, b, "%lld %s", id, what);
}

static void expect_same_sequential(const struct sequential_state *a, const struct sequential_state *b, long long id)
{
        if (!a || !b) {
                cr_expect(a == b, "%lld: sequential present on one side only", id);
                return;
        }
        expect_str(a->start_date, b->start_date, "start_date", id);
        cr_expect_eq(a->alpha, b->alpha);
        cr_expect_eq(a->tuning, b->tuning);
        cr_expect_eq(a->has_srm, b->has_srm, "%lld: the SRM's running minimum", id);
        if (a->has_srm)
                cr_expect_eq(a->srm_min_p, b->srm_min_p, "exactly: %.17g vs %.17g", a->srm_min_p, b->srm_min_p);
        cr_expect_eq(a->srm_concentration, b->srm_concentration);
        cr_assert_eq(a->n_variants, b->n_variants, "%lld", id);
        for (size_t i = 0; i < a->n_variants; i++) {
                const struct sequential_variant_state *x = &a->variants[i], *y = &b->variants[i];
                cr_expect_str_eq(x->variant_id, y->variant_id, "%lld[%zu]", id, i);
                cr_expect_eq(x->visitors, y->visitors);
                cr_expect_eq(x->conversions, y->conversions);
                cr_expect_eq(x->has_bound, y->has_bound, "%lld[%zu]", id, i);
                if (x->has_bound) {
                        cr_expect_eq(x->min_p, y->min_p, "exactly: %.17g vs %.17g", x->min_p, y->min_p);
                        cr_expect_eq(x->low, y->low);
                        cr_expect_eq(x->high, y->high);
                }
        }
}

Test(store_experiments, watchlist_round_trip)
{
        struct watchlist w = { 0 }, back = { 0 };
        struct store *s;

        fill(&w);
        cr_assert_not_null(w.items[2]->sequential, "101 has a sequential state");
        cr_assert(w.items[2]->sequential->variants[1].has_bound, "with running bounds");
        cr_assert(w.items[2]->sequential->has_srm, "and the SRM's running minimum");
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        save_all(s, &w, 1790000300);
        store_close(s);

        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &s), 0);
        cr_assert_eq(store_watchlist_load(s, &back, fixture_settings()), 0);
        store_close(s);
        cr_assert_eq(back.n, w.n);
        for (size_t i = 0; i < w.n; i++) {
                const struct watched_experiment *a = w.items[i], *b = back.items[i];
                char *text = a->current ? analysis_text(a) : NULL;

                cr_assert_eq(b->id, a->id);
                expect_str(b->name, a->name, "name", a->id);
                cr_expect_eq(b->active, a->active, "%lld", a->id);
                cr_expect_eq(b->polled_at, a->polled_at);
                cr_expect_eq(b->visitors, a->visitors, "%lld", a->id);
                cr_expect_eq(b->visitors_grew_at, a->visitors_grew_at);
                cr_expect_eq(b->failures, a->failures);
                cr_expect_eq(b->last_http_status, a->last_http_status);
                expect_str(b->last_error, a->last_error, "last_error", a->id);
                cr_expect_null(b->current);
                expect_str(b->restored_analysis, a->current ? text : a->restored_analysis, "analysis", a->id);
                expect_same_sequential(a->sequential, b->sequential, a->id);
                cr_expect_null(b->sequential_error);
                free(text);
        }
        cr_expect_eq(watchlist_find(&back, 55)->visitors, -1, "unknown stays unknown");
        cr_expect_null(watchlist_find(&back, 55)->restored_analysis);

        /* Saved again as loaded (analysis restored, not polled): the same rows. */
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(store_query_int(s, "SELECT status FROM experiments WHERE id = 101"), 1);
        cr_expect_eq(store_query_int(s, "SELECT first_seen FROM experiments WHERE id = 101"), 1790000300);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM experiments WHERE status IS NULL"), 2, "7 and 55");
        save_all(s, &back, 1790000900);
        cr_expect_eq(store_query_int(s, "SELECT first_seen FROM experiments WHERE id = 101"), 1790000300, "set once");
        cr_expect_eq(store_query_int(s, "SELECT last_seen FROM experiments WHERE id = 101"), 1790000900);
        cr_expect_eq(store_query_int(s, "SELECT status FROM experiments WHERE id = 101"), 1, "kept while unknown");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM sequential"), 3);
        cr_expect_eq(store_query_int(s, "SELECT group_concat(variant_id, ',') = '0,1,2' FROM "
                                  "(SELECT variant_id FROM sequential WHERE experiment_id = 101 ORDER BY position)"),
                     1);
        watchlist_clear(&back);
        cr_assert_eq(store_watchlist_load(s, &back, fixture_settings()), 0);
        for (size_t i = 0; i < w.n; i++) {
                char *text = w.items[i]->current ? analysis_text(w.items[i]) : NULL;
                expect_str(back.items[i]->restored_analysis, text ? text : w.items[i]->restored_analysis,
                           "analysis after a second save", w.items[i]->id);
                expect_same_sequential(w.items[i]->sequential, back.items[i]->sequential, w.items[i]->id);
                free(text);
        }
        store_close(s);
        watchlist_clear(&back);
        watchlist_clear(&w);
}

Test(store_experiments, sequential_shrinks_changes_and_goes)
{
        struct watchlist w = { 0 }, back = { 0 };
        struct watched_experiment *e;
        struct store *s;

        cr_assert_not_null(e = watchlist_get(&w, 9));
        store_fixture_analyse(e, 3, (long long[]) { 4000, 4000, 4000 }, (long long[]) { 400, 460, 380 });
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        save_all(s, &w, 1);
        store_fixture_analyse(e, 2, (long long[]) { 5000, 5000 }, (long long[]) { 500, 570 });
        save_all(s, &w, 2);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM sequential WHERE experiment_id = 9"), 2);
        cr_assert_eq(store_watchlist_load(s, &back, fixture_settings()), 0);
        expect_same_sequential(e->sequential, back.items[0]->sequential, 9);
        watchlist_clear(&back);

        /* Rows are updated in place; a variant replaced by another (same
         * count) leaves no row behind. */
        free(e->sequential->variants[1].variant_id);
        cr_assert_not_null(e->sequential->variants[1].variant_id = strdup("7"));
        save_all(s, &w, 2);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM sequential WHERE experiment_id = 9"), 2);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM sequential WHERE variant_id = '1'"), 0);
        cr_assert_eq(store_watchlist_load(s, &back, fixture_settings()), 0);
        expect_same_sequential(e->sequential, back.items[0]->sequential, 9);
        watchlist_clear(&back);

        /* The daemon holds a state only while it polls: a save without one
         * keeps the stored state, which store_sequential_load gives back. */
        struct sequential_state *kept = e->sequential;
        e->sequential = NULL;
        save_all(s, &w, 3);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM sequential WHERE experiment_id = 9"), 2);
        cr_assert_eq(store_sequential_load(s, e), 0);
        expect_same_sequential(kept, e->sequential, 9);
        sequential_state_free(kept);
        free(kept);
        cr_assert_not_null(watchlist_get(&w, 10));   /* a new row without one has none */
        save_all(s, &w, 3);
        cr_expect_eq(store_query_int(s, "SELECT alpha IS NULL FROM experiments WHERE id = 10"), 1);
        cr_assert_eq(store_sequential_load(s, watchlist_find(&w, 10)), 0);
        cr_expect_null(watchlist_find(&w, 10)->sequential);
        cr_assert_eq(store_watchlist_load(s, &back, NULL), 0);
        cr_expect_null(back.items[0]->sequential, "the daemon's load leaves it to each poll");
        watchlist_clear(&back);

        /* A bound SQLite could not keep (NaN is stored as NULL): no state,
         * and why, for the next poll to log. */
        store_fixture_analyse(e, 3, (long long[]) { 4000, 4000, 4000 }, (long long[]) { 400, 460, 380 });
        save_all(s, &w, 4);
        store_exec_sql(s, "UPDATE sequential SET min_p = NULL WHERE experiment_id = 9 AND variant_id = '2'");
        cr_assert_eq(store_watchlist_load(s, &back, fixture_settings()), 0);
        cr_expect_null(back.items[0]->sequential);
        cr_assert_not_null(back.items[0]->sequential_error);
        cr_expect(strstr(back.items[0]->sequential_error, "sequential[2] (variant 2)") != NULL, "%s",
                  back.items[0]->sequential_error);
        cr_assert_eq(store_sequential_load(s, e), 0);
        cr_expect_null(e->sequential);
        cr_expect_not_null(e->sequential_error, "the same for the daemon's load");
        store_close(s);
        watchlist_clear(&back);
        watchlist_clear(&w);
}

Test(store_experiments, polls_written_only_on_change)
{
        struct watchlist w = { 0 };
        struct watched_experiment *e, *other;
        struct store *s;

        cr_assert_not_null(e = watchlist_get(&w, 42));
        cr_assert_not_null(other = watchlist_get(&w, 43));
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(store_poll_record(s, e), 0, "not polled yet: nothing");
        store_fixture_analyse(e, 3, (long long[]) { 100, 100, 100 }, (long long[]) { 10, 12, 9 });
        e->polled_at = 1000;
        cr_expect_eq(store_poll_record(s, e), -ENOENT, "the experiments row comes first");
        cr_assert_eq(store_experiment_save(s, e, 1000), 0);

        cr_assert_eq(store_begin(s), 0);
        cr_expect_eq(store_poll_record(s, e), 3, "first poll: every variant");
        cr_assert_eq(store_commit(s), 0);
        e->polled_at = 1300;
        cr_expect_eq(store_poll_record(s, e), 0, "same counts again: nothing");
        store_fixture_analyse(e, 3, (long long[]) { 100, 130, 100 }, (long long[]) { 10, 12, 9 });
        e->polled_at = 1600;
        cr_expect_eq(store_poll_record(s, e), 1, "one variant moved");
        e->polled_at = 1900;
        cr_expect_eq(store_poll_record(s, e), 0);
        /* Variant 0 met far back in the history, behind variant 1's rows. */
        for (int k = 0; k < 5; k++) {
                store_fixture_analyse(e, 3, (long long[]) { 100, 140 + k, 100 }, (long long[]) { 10, 12, 9 });
                e->polled_at = 2000 + k;
                cr_expect_eq(store_poll_record(s, e), 1);
        }
        store_fixture_analyse(e, 3, (long long[]) { 150, 144, 100 }, (long long[]) { 10, 12, 9 });
        e->polled_at = 2100;
        cr_expect_eq(store_poll_record(s, e), 1, "variant 0's latest row is its first");
        /* Invalid counts are not history; a new variant gets its first row. */
        store_fixture_analyse(e, 4, (long long[]) { 150, 144, 5, 7 }, (long long[]) { 10, 12, 9, 1 });
        e->polled_at = 2200;
        cr_expect_eq(store_poll_record(s, e), 1, "variant 2 (conversions > visitors) skipped, 3 is new");
        /* The same second again with other counts replaces its row. */
        store_fixture_analyse(e, 4, (long long[]) { 150, 144, 5, 8 }, (long long[]) { 10, 12, 9, 1 });
        cr_expect_eq(store_poll_record(s, e), 1);
        cr_expect_eq(store_query_int(s, "SELECT visitors FROM polls WHERE experiment_id = 42 AND polled_at = 2200 "
                                  "AND variant_id = '3'"), 8);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM polls"), 3 + 1 + 5 + 1 + 1);

        /* Another experiment's rows do not count as this one's. */
        store_fixture_analyse(other, 3, (long long[]) { 100, 100, 100 }, (long long[]) { 10, 12, 9 });
        other->polled_at = 2300;
        cr_assert_eq(store_experiment_save(s, other, 2300), 0);
        cr_expect_eq(store_poll_record(s, other), 3);
        store_close(s);
        watchlist_clear(&w);
}

struct collected {
        size_t n;
        char variant[32][8];
        int64_t at[32];
        long long visitors[32];
        size_t stop_after;
};

static int collect(void *userdata, const struct store_poll *row)
{
        struct collected *c = userdata;

        cr_assert_lt(c->n, 32);
        cr_assert_eq(row->experiment_id, 5);
        snprintf(c->variant[c->n], sizeof(c->variant[0]), "%s", row->variant_id);
        c->at[c->n] = row->polled_at;
        c->visitors[c->n] = row->visitors;
        c->n++;
        return c->stop_after && c->n == c->stop_after ? 1 : 0;
}

static int fail_at_two(void *userdata, const struct store_poll *row)
{
        (void) row;
        return ++*(int *) userdata == 2 ? -ECANCELED : 0;
}

/* Rows of experiment 5: variants "0" and "1" at 100, 200, 300, 400, with
 * "1" unchanged at 300; and experiment 6 at 250. */
static void fill_history(struct store *s)
{
        store_exec_sql(s, "INSERT INTO experiments (id, first_seen, last_seen) VALUES (5, 1, 1), (6, 1, 1);"
                    "INSERT INTO polls VALUES (5, '1', 400, 40, 4), (5, '0', 100, 10, 1), (5, '1', 100, 11, 1),"
                    " (5, '0', 200, 20, 2), (5, '1', 200, 21, 2), (5, '0', 300, 30, 3),"
                    " (5, '0', 400, 40, 4), (6, '0', 250, 1, 0)");
}

Test(store_experiments, polls_each_order_filter_since)
{
        struct collected c = { 0 };
        struct store *s;
        int calls = 0;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        fill_history(s);
        store_close(s);
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &s), 0);

        cr_assert_eq(store_polls_each(s, 5, NULL, 0, collect, &c), 7);
        static const int64_t at[] = { 100, 100, 200, 200, 300, 400, 400 };
        static const char *const var[] = { "0", "1", "0", "1", "0", "0", "1" };
        for (size_t i = 0; i < 7; i++) {
                cr_expect_eq(c.at[i], at[i], "row %zu", i);
                cr_expect_str_eq(c.variant[i], var[i], "row %zu", i);
        }

        c = (struct collected) { 0 };
        cr_assert_eq(store_polls_each(s, 5, "1", 0, collect, &c), 3);
        cr_expect_eq(c.at[0], 100);
        cr_expect_eq(c.at[1], 200);
        cr_expect_eq(c.at[2], 400);
        cr_expect_eq(c.visitors[2], 40);

        c = (struct collected) { 0 };
        cr_assert_eq(store_polls_each(s, 5, "0", 200, collect, &c), 3, "since is inclusive");
        cr_expect_eq(c.at[0], 200);

        c = (struct collected) { 0 };
        cr_expect_eq(store_polls_each(s, 5, NULL, 401, collect, &c), 0);
        cr_expect_eq(store_polls_each(s, 77, NULL, 0, collect, &c), 0, "unknown experiment");
        cr_expect_eq(store_polls_each(s, 5, "9", 0, collect, &c), 0, "unknown variant");

        c = (struct collected) { .stop_after = 2 };
        cr_expect_eq(store_polls_each(s, 5, NULL, 0, collect, &c), 2, "stopped early");
        cr_expect_eq(store_polls_each(s, 5, NULL, 0, fail_at_two, &calls), -ECANCELED);
        /* The statement was reset: the next walk starts over. */
        c = (struct collected) { 0 };
        cr_expect_eq(store_polls_each(s, 5, NULL, 0, collect, &c), 7);
        store_close(s);
}

/* The visitors at a time: each variant's latest row at or before it,
 * also when one variant stopped changing (no row of it at that poll). */
Test(store_experiments, visitors_at_a_time)
{
        struct store *s;
        long long v = -1;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        fill_history(s);
        cr_expect_eq(store_visitors_at(s, 5, 99, &v), 0, "before the first poll");
        cr_expect_eq(store_visitors_at(s, 5, 100, &v), 1);
        cr_expect_eq(v, 21);
        cr_expect_eq(store_visitors_at(s, 5, 350, &v), 1);
        cr_expect_eq(v, 30 + 21, "variant 1 has no row at 300: its row of 200 counts");
        cr_expect_eq(store_visitors_at(s, 5, 1000, &v), 1);
        cr_expect_eq(v, 80);
        cr_expect_eq(store_visitors_at(s, 77, 1000, &v), 0, "unknown experiment");
        store_close(s);
}

Test(store_experiments, prune_is_bounded_and_keeps_the_counts_at_the_cut)
{
        struct collected c = { 0 };
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        fill_history(s);
        cr_expect_eq(store_polls_prune(s, 350, 0), 0);
        /* Before 350: "0" at 100 and 200 go (300 holds its counts at 350),
         * "1" at 100 goes (200 holds them); experiment 6 keeps its one row. */
        cr_expect_eq(store_polls_prune(s, 350, 2), 2, "at most max_rows");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM polls"), 6);
        cr_expect_eq(store_polls_prune(s, 350, 2), 1);
        cr_expect_eq(store_polls_prune(s, 350, 2), 0, "done");
        cr_assert_eq(store_polls_each(s, 5, NULL, 0, collect, &c), 4);
        cr_expect_eq(c.at[0], 200);
        cr_expect_str_eq(c.variant[0], "1");
        cr_expect_eq(c.at[1], 300);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM polls WHERE experiment_id = 6"), 1);

        /* A cut at a poll: the earlier rows go, the row at the cut stays. */
        cr_expect_eq(store_polls_prune(s, 400, 100), 2);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM polls WHERE experiment_id = 5"), 2);
        cr_expect_eq(store_query_int(s, "SELECT min(polled_at) FROM polls WHERE experiment_id = 5"), 400);

        /* An experiment deleted takes its history along. */
        store_exec_sql(s, "DELETE FROM experiments WHERE id = 5");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM polls"), 1);
        store_close(s);
}

Test(store_experiments, summary_round_trip)
{
        struct daemon_summary a = { .started_at = 1790000000, .last_cycle_at = 1790000600,
                                    .last_cycle_seconds = 0.1 + 0.2, .last_cycle_polled = 9876,
                                    .last_cycle_failed = 3 }, b;
        struct store *s;

        snprintf(a.api_error, sizeof(a.api_error), "API key rejected: \"%s\" ✗", "x'y");
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_summary_load(s, &b), 0, "none yet");
        cr_expect_eq(b.started_at, 0);
        cr_expect_str_eq(b.api_error, "");
        cr_assert_eq(store_summary_save(s, &a), 0);
        store_close(s);

        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &s), 0);
        memset(&b, 0x5a, sizeof(b));
        cr_assert_eq(store_summary_load(s, &b), 0);
        cr_expect_eq(b.started_at, a.started_at);
        cr_expect_eq(b.last_cycle_at, a.last_cycle_at);
        cr_expect_eq(b.last_cycle_seconds, a.last_cycle_seconds, "exactly: %.17g", b.last_cycle_seconds);
        cr_expect_eq(b.last_cycle_polled, a.last_cycle_polled);
        cr_expect_eq(b.last_cycle_failed, a.last_cycle_failed);
        cr_expect_str_eq(b.api_error, a.api_error);
        store_close(s);

        a.api_error[0] = 0;
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_summary_save(s, &a), 0);
        cr_assert_eq(store_summary_load(s, &b), 0);
        cr_expect_str_eq(b.api_error, "", "cleared");
        store_close(s);
}

/* The cost model: no statement on polls reads the whole table or sorts;
 * each seeks through the primary key (the statements checked are the ones
 * the store prepared, found through the connection). */
Test(store_experiments, polls_statements_seek_the_primary_key)
{
        struct watchlist w = { 0 };
        struct watched_experiment *e;
        struct collected c = { 0 };
        struct store *s;
        sqlite3_stmt *st = NULL;
        int checked = 0;

        cr_assert_not_null(e = watchlist_get(&w, 5));
        store_fixture_analyse(e, 2, (long long[]) { 10, 10 }, (long long[]) { 1, 2 });
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_experiment_save(s, e, 1), 0);
        cr_assert_eq(store_poll_record(s, e), 2);
        cr_assert_eq(store_polls_each(s, 5, NULL, 0, collect, &c), 2);
        cr_assert_eq(store_polls_prune(s, 100, 10), 0);
        cr_assert_eq(store_experiment_restore(s, e, fixture_settings()), 0);   /* a variant's latest row */
        cr_assert_not_null(e->restored_analysis);
        while ((st = sqlite3_next_stmt(store_db(s), st))) {
                sqlite3_stmt *plan = NULL;
                char *sql = NULL;

                if (!strstr(sqlite3_sql(st), "polls"))
                        continue;
                cr_assert_geq(asprintf(&sql, "EXPLAIN QUERY PLAN %s", sqlite3_sql(st)), 0);
                cr_assert_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &plan, NULL), SQLITE_OK, "%s", sql);
                while (sqlite3_step(plan) == SQLITE_ROW) {
                        const char *step = (const char *) sqlite3_column_text(plan, 3);
                        cr_expect(!strstr(step, "TEMP B-TREE"), "%s: %s", sqlite3_sql(st), step);
                        cr_expect(strncmp(step, "SCAN ", 5) != 0 || strcmp(step, "SCAN e") == 0,
                                  "%s: %s", sqlite3_sql(st), step);
                }
                sqlite3_finalize(plan);
                free(sql);
                checked++;
        }
        cr_expect_eq(checked, 5, "lookup, insert, each, prune, latest counts");
        store_close(s);
        watchlist_clear(&w);
}

/* An analysis of variants as given, with e's sequential state. */
static void analyse_variants(struct watched_experiment *e, struct mida_variant *v, size_t n)
{
        struct mida_result r = { .test_id = e->id, .status_code = 1, .n_variants = n, .variants = v };
        struct experiment_analysis *a = calloc(1, sizeof(*a));

        if (!e->sequential)
                cr_assert_not_null(e->sequential = calloc(1, sizeof(*e->sequential)));
        cr_assert_not_null(a);
        cr_assert_eq(analysis_run(&r, fixture_settings(), e->sequential, a), 0);
        cr_assert_eq(analysis_summary_update(&e->last, a), 0);
        watchlist_set_current(e, a);
}

static char *restored_after_load(struct store *s, long long id)
{
        struct watchlist back = { 0 };
        char *text;

        cr_assert_eq(store_watchlist_load(s, &back, fixture_settings()), 0);
        cr_assert_not_null(watchlist_find(&back, id));
        text = watchlist_find(&back, id)->restored_analysis;
        watchlist_find(&back, id)->restored_analysis = NULL;
        watchlist_clear(&back);
        return text;
}

/* Arms whose counts are not history (none in polls) are recomputed from
 * the counts experiments.result keeps of them, with their reasons; an arm
 * that stopped being valid is not read from its stale polls row. */
Test(store_experiments, invalid_arms_recomputed_exactly)
{
        struct watchlist w = { 0 };
        struct watched_experiment *e;
        struct store *s;
        struct mida_variant v[] = {
                { .variant_id = "0", .name = "A", .is_control = true, .visitors = 5000, .conversions = 400,
                  .has_visitors = true, .has_conversions = true },
                { .variant_id = "1", .visitors = 5000, .conversions = 470, .has_visitors = true,
                  .has_conversions = true },
                { .variant_id = "2", .name = "C", .visitors = 30, .conversions = 31, .has_visitors = true,
                  .has_conversions = true },
                { .variant_id = "3", .name = "D", .conversions = 3, .has_conversions = true },
                { .variant_id = "4", .name = "E", .visitors = -2, .conversions = 0, .has_visitors = true,
                  .has_conversions = true },
        };
        char *text, *back;

        cr_assert_not_null(e = watchlist_get(&w, 77));
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        for (int poll = 0; poll < 2; poll++) {
                /* The second poll: variant 1 turns invalid after a valid row. */
                if (poll == 1) {
                        v[0].visitors += 900;
                        v[1].has_conversions = false;
                }
                analyse_variants(e, v, sizeof(v) / sizeof(v[0]));
                e->polled_at = 1000 + poll;
                save_all(s, &w, 1000 + poll);
                text = analysis_text(e);
                back = restored_after_load(s, 77);
                cr_assert_not_null(back, "poll %d", poll);
                cr_expect_str_eq(back, text, "poll %d", poll);
                free(text);
                free(back);
        }
        cr_expect(strstr(e->current->variants[1].reason, "conversions missing") != NULL, "really invalid");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM polls WHERE experiment_id = 77 AND variant_id = '1'"),
                     1, "its stale valid row");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM experiments WHERE analysis IS NOT NULL"), 0,
                     "the text is no longer stored");
        store_close(s);
        watchlist_clear(&w);
}

/* experiments.result is rewritten only when what it holds changed, judged
 * by the row's fingerprint: a group rolled back leaves the old one, and the
 * next save writes it. A result that does not make an analysis leaves the
 * experiment without one, not the load failed. */
Test(store_experiments, result_written_on_change_only)
{
        struct watchlist w = { 0 };
        struct watched_experiment *e;
        struct store *s;
        char *text;

        cr_assert_not_null(e = watchlist_get(&w, 12));
        store_fixture_analyse(e, 2, (long long[]) { 100, 100 }, (long long[]) { 10, 12 });
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        save_all(s, &w, 1);
        store_exec_sql(s, "UPDATE experiments SET result = '{\"variants\":[]}' WHERE id = 12");
        store_fixture_analyse(e, 2, (long long[]) { 200, 200 }, (long long[]) { 20, 24 });
        save_all(s, &w, 2);
        cr_expect_eq(store_query_int(s, "SELECT result = '{\"variants\":[]}' FROM experiments WHERE id = 12"), 1,
                     "same variants: not rewritten");

        free(e->current->variants[1].name);
        cr_assert_not_null(e->current->variants[1].name = strdup("renamed"));
        cr_assert_eq(store_begin(s), 0);
        cr_assert_eq(store_experiment_save(s, e, 3), 0);
        store_rollback(s);
        save_all(s, &w, 4);
        cr_expect_eq(store_query_int(s, "SELECT instr(result, '\"renamed\"') > 0 FROM experiments WHERE id = 12"), 1,
                     "written after the rollback");
        text = restored_after_load(s, 12);
        cr_expect(text && strstr(text, "\"renamed\""), "%s", text ? text : "NULL");
        free(text);

        store_exec_sql(s, "UPDATE experiments SET result = '{\"variants\":[{\"id\":\"9\"}]}' WHERE id = 12");
        cr_expect_null(text = restored_after_load(s, 12), "variant 9 has no counts");
        free(text);
        store_exec_sql(s, "UPDATE experiments SET result = 'not json' WHERE id = 12");
        cr_expect_null(text = restored_after_load(s, 12));
        free(text);
        store_close(s);
        watchlist_clear(&w);
}
