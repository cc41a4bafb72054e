/* The outbox table: queued deliveries in, out, updated and read back in
 * queue order. */
#include "outbox_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>

#include "db.h"
#include "row_sql.h"

static int fits_int64(uint64_t v)
{
        return v <= (uint64_t) INT64_MAX;
}

int store_delivery_add(struct store *s, const struct store_delivery *d)
{
        static const char sql[] = "INSERT INTO outbox (id, notifier, body, created_at_usec, attempts, "
                                  "next_attempt_at_usec, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !d || !d->id || !d->notifier || !d->body)
                return -EINVAL;
        if (!fits_int64(d->created_at_usec) || !fits_int64(d->next_attempt_at_usec))
                return -ERANGE;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, d->id);
        b = row_bind_text(st, b, 2, d->notifier);
        b = row_bind_text(st, b, 3, d->body);
        b = row_bind_int64(st, b, 4, (long long) d->created_at_usec);
        b = row_bind_int64(st, b, 5, d->attempts);
        b = row_bind_int64(st, b, 6, (long long) d->next_attempt_at_usec);
        b = row_bind_text(st, b, 7, d->last_error);
        /* The only constraint left to fail is UNIQUE (notifier, id): -EEXIST. */
        return row_write(s, st, b, NULL);
}

int store_delivery_attempted(struct store *s, const char *notifier, const char *id, unsigned attempts,
                             uint64_t next_attempt_at_usec, const char *last_error)
{
        static const char sql[] = "UPDATE outbox SET attempts = ?3, next_attempt_at_usec = ?4, last_error = ?5 "
                                  "WHERE notifier = ?1 AND id = ?2";
        sqlite3_stmt *st;
        size_t changes = 0;
        int b = SQLITE_OK, r;

        if (!s || !notifier || !id)
                return -EINVAL;
        if (!fits_int64(next_attempt_at_usec))
                return -ERANGE;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, notifier);
        b = row_bind_text(st, b, 2, id);
        b = row_bind_int64(st, b, 3, attempts);
        b = row_bind_int64(st, b, 4, (long long) next_attempt_at_usec);
        b = row_bind_text(st, b, 5, last_error);
        r = row_write(s, st, b, &changes);
        return r >= 0 && changes == 0 ? -ENOENT : r;
}

int store_delivery_remove(struct store *s, const char *notifier, const char *id)
{
        static const char sql[] = "DELETE FROM outbox WHERE notifier = ?1 AND id = ?2";
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !notifier || !id)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, notifier);
        b = row_bind_text(st, b, 2, id);
        return row_write(s, st, b, NULL);
}

/* A count or time as written; a negative one (only by hand) reads as 0. */
static uint64_t column_u64(sqlite3_stmt *st, int i)
{
        sqlite3_int64 v = sqlite3_column_int64(st, i);

        return v > 0 ? (uint64_t) v : 0;
}

/* A column's text; NULL when SQLite could not convert it (ENOMEM). */
static const char *column_text(sqlite3_stmt *st, int i)
{
        return (const char *) sqlite3_column_text(st, i);
}

/* The row st is on, borrowed from st until its next step or reset. */
static int read_row(sqlite3_stmt *st, struct store_delivery *d)
{
        uint64_t attempts = column_u64(st, 4);

        *d = (struct store_delivery) {
                .id = column_text(st, 0),
                .notifier = column_text(st, 1),
                .body = column_text(st, 2),
                .created_at_usec = column_u64(st, 3),
                .attempts = attempts > UINT_MAX ? UINT_MAX : (unsigned) attempts,
                .next_attempt_at_usec = column_u64(st, 5),
                .last_error = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : column_text(st, 6),
        };
        if (!d->id || !d->notifier || !d->body || (!d->last_error && sqlite3_column_type(st, 6) != SQLITE_NULL))
                return -ENOMEM;
        return 0;
}

int store_deliveries_each(struct store *s, int (*fn)(void *userdata, const struct store_delivery *d),
                          void *userdata)
{
        static const char sql[] = "SELECT id, notifier, body, created_at_usec, attempts, next_attempt_at_usec, "
                                  "last_error FROM outbox ORDER BY seq";
        sqlite3_stmt *st;

        if (!s || !fn)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return ROW_WALK(st, read_row, struct store_delivery, fn, userdata);
}

int store_deliveries_count(struct store *s, const char *notifier, size_t *ret)
{
        static const char sql_all[] = "SELECT count(*) FROM outbox";
        static const char sql_one[] = "SELECT count(*) FROM outbox WHERE notifier = ?1";
        sqlite3_stmt *st;
        int r;

        if (!s || !ret)
                return -EINVAL;
        if (!(st = store_statement(s, notifier ? sql_one : sql_all)))
                return store_statement_errno(s);
        if (notifier)
                sqlite3_bind_text(st, 1, notifier, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                *ret = (size_t) column_u64(st, 0);
        return row_read_end(st, r);
}
