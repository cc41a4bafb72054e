#include "store_fixture.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mida/mida.h"
#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "store/db.h"
#include "store/watchlist.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

char store_dir[64];

void store_fixture_make_dir(void)
{
        snprintf(store_dir, sizeof(store_dir), "/tmp/mida-store-XXXXXX");
        cr_assert_not_null(mkdtemp(store_dir));
}

void store_fixture_remove_dir(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store_dir);
        cr_assert_eq(system(cmd), 0);
}

long long store_query_int(struct store *s, const char *sql)
{
        sqlite3_stmt *st = NULL;
        long long v;

        cr_assert_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
        v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

void store_exec_sql(struct store *s, const char *sql)
{
        cr_assert_eq(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql, store_error(s));
}

char *dup_or_null(const char *text)
{
        char *copy = text ? strdup(text) : NULL;

        cr_assert(!text || copy);
        return copy;
}

void expect_str_or_null(const char *got, const char *want, const char *what)
{
        if (!want)
                cr_expect_null(got, "%s: expected NULL, got '%s'", what, got ? got : "");
        else if (!got)
                cr_expect_fail("%s: expected '%s', got NULL", what, want);
        else
                cr_expect_str_eq(got, want, "%s", what);
}

/* ---- the rows, copied out of the walks ---- */

int collect_alert(void *userdata, const struct store_alert_row *row)
{
        struct alerts_read *a = userdata;
        struct store_alert_row *copy;

        cr_assert_lt(a->n, N_ELEMENTS(a->rows));
        copy = &a->rows[a->n++];
        *copy = *row;
        copy->rule = dup_or_null(row->rule);
        copy->variant_id = dup_or_null(row->variant_id);
        return a->stop_after > 0 && (int) a->n == a->stop_after ? 42 : 0;
}

void alerts_read_clear(struct alerts_read *a)
{
        for (size_t i = 0; i < a->n; i++) {
                free((char *) a->rows[i].rule);
                free((char *) a->rows[i].variant_id);
        }
        a->n = 0;
}

void expect_alert(const struct store_alert_row *got, const struct store_alert_row *want)
{
        cr_expect_str_eq(got->rule, want->rule);
        cr_expect_eq(got->experiment_id, want->experiment_id, "%s", want->rule);
        cr_expect_str_eq(got->variant_id, want->variant_id ? want->variant_id : "", "%s", want->rule);
        cr_expect_eq(got->state, want->state, "%s", want->rule);
        cr_expect_eq(got->active_since, want->active_since, "%s", want->rule);
        cr_expect_eq(got->fired_at, want->fired_at, "%s", want->rule);
        cr_expect_eq(got->last_notified, want->last_notified, "%s", want->rule);
        cr_expect_eq(got->held, want->held, "%s", want->rule);
}

int collect_action(void *userdata, const struct store_action_row *row)
{
        struct actions_read *a = userdata;
        struct store_action_row *copy;

        cr_assert_lt(a->n, N_ELEMENTS(a->rows));
        copy = &a->rows[a->n++];
        *copy = *row;
        copy->rule = dup_or_null(row->rule);
        copy->variant_id = dup_or_null(row->variant_id);
        copy->error = dup_or_null(row->error);
        return 0;
}

void actions_read_clear(struct actions_read *a)
{
        for (size_t i = 0; i < a->n; i++) {
                free((char *) a->rows[i].rule);
                free((char *) a->rows[i].variant_id);
                free((char *) a->rows[i].error);
        }
        a->n = 0;
}

int collect_health(void *userdata, const struct store_health_row *row)
{
        struct health_read *h = userdata;
        struct store_health_row *copy;

        cr_assert_lt(h->n, N_ELEMENTS(h->rows));
        copy = &h->rows[h->n++];
        *copy = *row;
        copy->subject = dup_or_null(row->subject);
        copy->name = dup_or_null(row->name);
        copy->detail = dup_or_null(row->detail);
        return 0;
}

void health_read_clear(struct health_read *h)
{
        for (size_t i = 0; i < h->n; i++) {
                free((char *) h->rows[i].subject);
                free((char *) h->rows[i].name);
                free((char *) h->rows[i].detail);
        }
        h->n = 0;
}

int collect_delivery(void *userdata, const struct store_delivery *d)
{
        struct deliveries_read *o = userdata;
        struct store_delivery *copy;

        cr_assert_lt(o->n, N_ELEMENTS(o->rows));
        copy = &o->rows[o->n++];
        *copy = *d;
        copy->id = dup_or_null(d->id);
        copy->notifier = dup_or_null(d->notifier);
        copy->body = dup_or_null(d->body);
        copy->last_error = dup_or_null(d->last_error);
        return o->stop_after > 0 && (int) o->n == o->stop_after ? 42 : 0;
}

void deliveries_read_clear(struct deliveries_read *o)
{
        for (size_t i = 0; i < o->n; i++) {
                free((char *) o->rows[i].id);
                free((char *) o->rows[i].notifier);
                free((char *) o->rows[i].body);
                free((char *) o->rows[i].last_error);
        }
        o->n = 0;
}

void store_fixture_analyse(struct watched_experiment *e, size_t n, const long long *visitors,
                           const long long *conversions)
{
        static char *ids[] = { "0", "1", "2", "3" };
        struct mida_variant v[4];
        struct mida_result r = { .test_id = e->id, .status_code = 1, .days_running = 2, .n_variants = n,
                                 .variants = v, .start_date = (char *) "2026-11-01T00:00:00.000Z" };
        struct statistics_settings s = statistics_settings_default();
        struct experiment_analysis *a = calloc(1, sizeof(*a));

        cr_assert(n <= 4);
        for (size_t i = 0; i < n; i++)
                v[i] = (struct mida_variant) { .variant_id = ids[i], .name = ids[i], .visitors = visitors[i],
                                               .conversions = conversions[i], .has_visitors = true,
                                               .has_conversions = true, .is_control = i == 0 };
        if (!e->sequential)
                cr_assert_not_null(e->sequential = calloc(1, sizeof(*e->sequential)));
        cr_assert_not_null(a);
        cr_assert_eq(analysis_run(&r, &s, e->sequential, a), 0);
        cr_assert_eq(analysis_summary_update(&e->last, a), 0);
        watchlist_set_current(e, a);
}
