/* What the store's unit tests share: a fresh state directory per test, raw
 * SQL to look at (or damage) what the typed functions wrote, and the rows
 * of the walks (store_*_each) copied out of their borrowed strings. */
#pragma once

#include <stddef.h>

#include "store/action_rows.h"
#include "store/alert_rows.h"
#include "store/health_rows.h"
#include "store/outbox_rows.h"

struct store;

/* The test's state directory, made by store_fixture_make_dir (a criterion
 * .init) and removed with everything in it by store_fixture_remove_dir. */
extern char store_dir[64];
void store_fixture_make_dir(void);
void store_fixture_remove_dir(void);

/* The one integer a query returns; the test fails otherwise. */
long long store_query_int(struct store *s, const char *sql);
/* Runs sql; the test fails on an error. */
void store_exec_sql(struct store *s, const char *sql);

/* A copy of text (free it), or NULL for NULL; the test fails without memory. */
char *dup_or_null(const char *text);
/* got is want, both maybe NULL; what names the value in the message. */
void expect_str_or_null(const char *got, const char *want, const char *what);

/* How many rows a walk may copy out; the test fails on more. */
#define STORE_ROWS_MAX 32

/* The walks' callbacks (userdata: the *_read) copy each row, strings and
 * all, and the *_read_clear functions free them and empty the *_read. A
 * *_read starts as { 0 }. */

/* store_alerts_each's rows. */
struct alerts_read {
        struct store_alert_row rows[STORE_ROWS_MAX];
        size_t n;
        int stop_after;   /* > 0: return 42 after that many rows */
};
int collect_alert(void *userdata, const struct store_alert_row *row);
void alerts_read_clear(struct alerts_read *a);
/* got is want field by field; a NULL variant_id in want is read back as "". */
void expect_alert(const struct store_alert_row *got, const struct store_alert_row *want);

/* store_actions_each's rows. */
struct actions_read {
        struct store_action_row rows[STORE_ROWS_MAX];
        size_t n;
};
int collect_action(void *userdata, const struct store_action_row *row);
void actions_read_clear(struct actions_read *a);

/* store_health_each's rows. */
struct health_read {
        struct store_health_row rows[STORE_ROWS_MAX];
        size_t n;
};
int collect_health(void *userdata, const struct store_health_row *row);
void health_read_clear(struct health_read *h);

/* store_deliveries_each's rows. */
struct deliveries_read {
        struct store_delivery rows[STORE_ROWS_MAX];
        size_t n;
        int stop_after;   /* > 0: return 42 after that many rows */
};
int collect_delivery(void *userdata, const struct store_delivery *d);
void deliveries_read_clear(struct deliveries_read *o);

struct watched_experiment;
/* A real analysis of a snapshot of n (≤ 4) variants ("0" the control) with
 * the given visitors and conversions, run with e's sequential state (made
 * when missing) and set as e->current. */
void store_fixture_analyse(struct watched_experiment *e, size_t n, const long long *visitors,
                           const long long *conversions);
