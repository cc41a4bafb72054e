#include "store_fixture.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/db.h"

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
