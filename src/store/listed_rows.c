#include "listed_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>

#include "db.h"
#include "row_sql.h"

int store_listed_upsert(struct store *s, const struct store_listed_row *row)
{
        static const char sql[] =
                "INSERT INTO listed (experiment_id, name, status, completed, live_since) VALUES (?1, ?2, ?3, ?4, ?5) "
                "ON CONFLICT (experiment_id) DO UPDATE SET name = excluded.name, status = excluded.status, "
                "completed = excluded.completed, live_since = excluded.live_since";
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !row)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_int64(st, b, 1, row->experiment_id);
        b = row_bind_text(st, b, 2, row->name);
        b = row_bind_int64(st, b, 3, row->status);
        b = row_bind_int64(st, b, 4, row->completed);
        b = row_bind_int64(st, b, 5, row->live_since);
        return row_write(s, st, b, NULL);
}

int store_listed_delete(struct store *s, long long experiment_id)
{
        static const char sql[] = "DELETE FROM listed WHERE experiment_id = ?1";
        sqlite3_stmt *st;

        if (!s)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return row_write(s, st, row_bind_int64(st, SQLITE_OK, 1, experiment_id), NULL);
}

static int read_row(sqlite3_stmt *st, struct store_listed_row *row)
{
        long long status = 0, completed = 0, live_since = 0;
        int r = row_column_int(st, 0, LLONG_MIN, LLONG_MAX, &row->experiment_id);

        if (r >= 0)
                r = row_column_text(st, 1, true, &row->name);
        if (r >= 0)
                r = row_column_int(st, 2, INT_MIN, INT_MAX, &status);
        if (r >= 0)
                r = row_column_int(st, 3, 0, 1, &completed);
        if (r >= 0)
                r = row_column_int(st, 4, INT64_MIN, INT64_MAX, &live_since);
        row->status = (int) status;
        row->completed = completed;
        row->live_since = live_since;
        return r;
}

int store_listed_each(struct store *s, int (*fn)(void *userdata, const struct store_listed_row *row), void *userdata)
{
        static const char sql[] = "SELECT experiment_id, name, status, completed, live_since FROM listed "
                                  "ORDER BY experiment_id";
        sqlite3_stmt *st;

        if (!s || !fn)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return ROW_WALK(st, read_row, struct store_listed_row, fn, userdata);
}

int store_listed_get(struct store *s, long long experiment_id, struct store_listed_row *ret)
{
        static const char sql[] = "SELECT experiment_id, NULL, status, completed, live_since FROM listed "
                                  "WHERE experiment_id = ?1";
        sqlite3_stmt *st;
        int r, k;

        if (!s || !ret)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, experiment_id);
        r = sqlite3_step(st);
        k = r == SQLITE_ROW ? read_row(st, ret) : 0;
        sqlite3_reset(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return store_errno(r);
        return k < 0 ? k : r == SQLITE_ROW;
}
