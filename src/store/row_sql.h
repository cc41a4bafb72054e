/* Private to store/: what the typed row functions (alert_rows.c,
 * action_rows.c, health_rows.c, outbox_rows.c, meta.c) share to bind, step
 * and read their cached statements. Not for other rooms: they never see
 * SQLite. */
#pragma once
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "db.h"

/* The first failed bind of a series: r is the result so far. */
static inline int row_bind_text(sqlite3_stmt *st, int r, int index, const char *text)
{
        return r != SQLITE_OK ? r : sqlite3_bind_text(st, index, text, -1, SQLITE_STATIC);   /* NULL binds NULL */
}

static inline int row_bind_int64(sqlite3_stmt *st, int r, int index, long long v)
{
        return r != SQLITE_OK ? r : sqlite3_bind_int64(st, index, (sqlite3_int64) v);
}

/* Steps a statement that writes and returns no row (the binds' result is
 * bound), leaves it reset and unbound: 0 or -errno; -ENOENT when a foreign
 * key's row is missing (a polls row of an experiment never saved). */
static inline int row_write(struct store *s, sqlite3_stmt *st, int bound, size_t *ret_changes)
{
        int r = bound == SQLITE_OK ? sqlite3_step(st) : bound;
        bool missing_key = sqlite3_extended_errcode(store_db(s)) == SQLITE_CONSTRAINT_FOREIGNKEY;

        if (r == SQLITE_DONE && ret_changes)
                *ret_changes = (size_t) sqlite3_changes(store_db(s));   /* changes64: SQLite 3.37, above configure's 3.31 */
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (r == SQLITE_DONE)
                return 0;
        if (missing_key)
                return -ENOENT;
        return store_errno(r) < 0 ? store_errno(r) : -EIO;
}

/* A text column: *ret is NULL for SQL NULL when nullable; -EBADMSG for a
 * NULL that may not be, -ENOMEM when SQLite could not convert it. */
static inline int row_column_text(sqlite3_stmt *st, int column, bool nullable, const char **ret)
{
        if (sqlite3_column_type(st, column) == SQLITE_NULL) {
                *ret = NULL;
                return nullable ? 0 : -EBADMSG;
        }
        *ret = (const char *) sqlite3_column_text(st, column);
        return *ret ? 0 : -ENOMEM;
}

/* An integer column within [min, max]: -EBADMSG for anything else (NULL,
 * text, a real, out of range). */
static inline int row_column_int(sqlite3_stmt *st, int column, long long min, long long max, long long *ret)
{
        long long v;

        if (sqlite3_column_type(st, column) != SQLITE_INTEGER)
                return -EBADMSG;
        v = sqlite3_column_int64(st, column);
        if (v < min || v > max)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* The index of text in names (count entries, NULL ones skipped), or
 * -EBADMSG: the text of an enumerated column this program does not know. */
static inline int row_name_index(const char *const *names, int count, const char *text)
{
        for (int i = 0; text && i < count; i++)
                if (names[i] && strcmp(names[i], text) == 0)
                        return i;
        return -EBADMSG;
}

/* After the last sqlite3_step of a read: SQLITE_DONE is 0, another
 * result its -errno. Resets st so that no read transaction stays open. */
static inline int row_read_end(sqlite3_stmt *st, int stepped)
{
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (stepped == SQLITE_DONE || stepped == SQLITE_ROW)
                return 0;
        return store_errno(stepped) < 0 ? store_errno(stepped) : -EIO;
}

/* The body of a *_each walk: each row of st is read into a zeroed ROW_TYPE
 * by READ(st, &row) and handed to fn(userdata, &row); a non-zero return of
 * either stops the walk and is its result, except -EBADMSG from READ (a row
 * this program cannot read): that row is skipped, the walk goes on, and
 * -EBADMSG is the result at the end — stopping there would make the daemon
 * forget every row after it (and alert or act on them again). st is left
 * reset (no read stays open to hold up the WAL). */
#define ROW_WALK(st, READ, ROW_TYPE, fn, userdata) __extension__ ({                        \
        int stepped_ = SQLITE_DONE, r_ = 0, unreadable_ = 0;                                \
        while (r_ == 0 && (stepped_ = sqlite3_step(st)) == SQLITE_ROW) {                    \
                ROW_TYPE row_ = { 0 };                                                      \
                r_ = READ(st, &row_);                                                       \
                if (r_ == -EBADMSG)                                                         \
                        unreadable_ = r_, r_ = 0;                                           \
                else if (r_ == 0)                                                           \
                        r_ = (fn)(userdata, &row_);                                         \
        }                                                                                   \
        if (r_ != 0)                                                                        \
                (void) row_read_end(st, SQLITE_DONE);                                       \
        else if ((r_ = row_read_end(st, stepped_)) == 0)                                    \
                r_ = unreadable_;                                                           \
        r_;                                                                                 \
})
