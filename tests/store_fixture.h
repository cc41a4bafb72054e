/* What the store's unit tests share: a fresh state directory per test and
 * raw SQL to look at (or damage) what the typed functions wrote. */
#pragma once

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
