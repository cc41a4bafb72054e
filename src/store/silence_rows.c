#include "silence_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>

#include "db.h"
#include "row_sql.h"

/* When a silence ends: expired_at if expired early, else ends_at. */
#define SILENCE_END "coalesce(expired_at, ends_at)"

int store_silence_add(struct store *s, const struct store_silence_row *row, long long *ret_id)
{
        static const char sql[] =
                "INSERT INTO silences (experiment_id, rule, variant_id, starts_at, ends_at, comment, actions, "
                "created_at, created_by) VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
        sqlite3_stmt *st;
        int b = SQLITE_OK, r;

        if (!s || !row || (row->experiment_id <= 0 && !row->rule) || !row->comment || !*row->comment ||
            row->ends_at <= row->starts_at)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_int64(st, b, 1, row->experiment_id > 0 ? row->experiment_id : 0);
        b = row_bind_text(st, b, 2, row->rule);
        b = row_bind_text(st, b, 3, row->variant_id);
        b = row_bind_int64(st, b, 4, row->starts_at);
        b = row_bind_int64(st, b, 5, row->ends_at);
        b = row_bind_text(st, b, 6, row->comment);
        b = row_bind_int64(st, b, 7, row->actions);
        b = row_bind_int64(st, b, 8, row->created_at);
        b = row_bind_text(st, b, 9, row->created_by);
        r = row_write(s, st, b, NULL);
        if (r >= 0 && ret_id)
                *ret_id = (long long) sqlite3_last_insert_rowid(store_db(s));
        return r;
}

int store_silence_expire(struct store *s, long long id, int64_t now)
{
        static const char sql[] = "UPDATE silences SET expired_at = ?2 WHERE id = ?1 AND " SILENCE_END " > ?2";
        sqlite3_stmt *st;
        size_t changes = 0;
        int b = SQLITE_OK, r;

        if (!s)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_int64(st, b, 1, id);
        b = row_bind_int64(st, b, 2, now);
        r = row_write(s, st, b, &changes);
        return r < 0 ? r : changes > 0;
}

static int read_row(sqlite3_stmt *st, struct store_silence_row *row)
{
        long long experiment = 0, starts = 0, ends = 0, expired = 0, actions = 0, created = 0;
        int r = row_column_int(st, 0, 1, LLONG_MAX, &row->id);

        if (r >= 0 && sqlite3_column_type(st, 1) != SQLITE_NULL)
                r = row_column_int(st, 1, 1, LLONG_MAX, &experiment);
        if (r >= 0)
                r = row_column_text(st, 2, true, &row->rule);
        if (r >= 0)
                r = row_column_text(st, 3, true, &row->variant_id);
        if (r >= 0)
                r = row_column_int(st, 4, INT64_MIN, INT64_MAX, &starts);
        if (r >= 0)
                r = row_column_int(st, 5, INT64_MIN, INT64_MAX, &ends);
        if (r >= 0 && sqlite3_column_type(st, 6) != SQLITE_NULL)
                r = row_column_int(st, 6, INT64_MIN, INT64_MAX, &expired);
        if (r >= 0)
                r = row_column_text(st, 7, false, &row->comment);
        if (r >= 0)
                r = row_column_int(st, 8, 0, 1, &actions);
        if (r >= 0)
                r = row_column_int(st, 9, INT64_MIN, INT64_MAX, &created);
        if (r >= 0)
                r = row_column_text(st, 10, true, &row->created_by);
        row->experiment_id = experiment;
        row->starts_at = starts;
        row->ends_at = ends;
        row->expired_at = expired;
        row->actions = actions;
        row->created_at = created;
        return r;
}

int store_silences_each(struct store *s, int64_t now, bool all,
                        int (*fn)(void *userdata, const struct store_silence_row *row), void *userdata)
{
        static const char sql_current[] =
                "SELECT id, experiment_id, rule, variant_id, starts_at, ends_at, expired_at, comment, actions, "
                "created_at, created_by FROM silences WHERE " SILENCE_END " > ?1 ORDER BY id";
        static const char sql_all[] =
                "SELECT id, experiment_id, rule, variant_id, starts_at, ends_at, expired_at, comment, actions, "
                "created_at, created_by FROM silences WHERE ?1 IS NOT NULL ORDER BY id";
        sqlite3_stmt *st;
        int b;

        if (!s || !fn)
                return -EINVAL;
        if (store_version(s) < 3)
                return 0;   /* a database the daemon has not migrated yet has none */
        if (!(st = store_statement(s, all ? sql_all : sql_current)))
                return store_statement_errno(s);
        b = row_bind_int64(st, SQLITE_OK, 1, now);
        if (b != SQLITE_OK) {
                sqlite3_reset(st);
                return store_errno(b);
        }
        return ROW_WALK(st, read_row, struct store_silence_row, fn, userdata);
}

int store_silences_prune(struct store *s, int64_t before)
{
        static const char sql[] = "DELETE FROM silences WHERE " SILENCE_END " < ?1";
        sqlite3_stmt *st;
        size_t changes = 0;
        int r;

        if (!s)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        r = row_write(s, st, row_bind_int64(st, SQLITE_OK, 1, before), &changes);
        return r < 0 ? r : changes > INT_MAX ? INT_MAX : (int) changes;
}
