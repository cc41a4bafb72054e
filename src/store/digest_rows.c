#include "digest_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>

#include "db.h"
#include "row_sql.h"

int store_digest_add(struct store *s, const struct store_digest_row *row)
{
        /* The primary key is the only constraint: a second row of the
         * same slot is -EEXIST (store_errno of SQLITE_CONSTRAINT). */
        static const char sql[] = "INSERT INTO digests (name, slot, extra, id, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)";
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !row || !row->name || !row->id)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, row->name);
        b = row_bind_int64(st, b, 2, row->slot);
        b = row_bind_int64(st, b, 3, row->extra);
        b = row_bind_text(st, b, 4, row->id);
        b = row_bind_int64(st, b, 5, row->sent_at);
        return row_write(s, st, b, NULL);
}

/* Steps a one-row, one-integer query: 1 with *ret, 0 without a row (or a
 * NULL), or -errno. */
static int read_one_integer(sqlite3_stmt *st, int64_t *ret)
{
        int r = sqlite3_step(st), found = 0;

        if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                *ret = sqlite3_column_int64(st, 0);
                found = 1;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r == SQLITE_ROW || r == SQLITE_DONE ? found : store_errno(r);
}

int store_digest_last(struct store *s, const char *name, int64_t *slot)
{
        static const char sql[] = "SELECT max(slot) FROM digests WHERE name = ?1 AND extra = 0";
        sqlite3_stmt *st;

        if (!s || !name || !slot)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        return read_one_integer(st, slot);
}

int store_digest_armed(struct store *s, const char *name, int64_t now, int64_t *armed_at)
{
        static const char insert[] = "INSERT INTO digest_schedules (name, armed_at) VALUES (?1, ?2) "
                                     "ON CONFLICT (name) DO NOTHING";
        static const char select[] = "SELECT armed_at FROM digest_schedules WHERE name = ?1";
        sqlite3_stmt *st;
        int r;

        if (!s || !name || !armed_at)
                return -EINVAL;
        if (!(st = store_statement(s, insert)))
                return store_statement_errno(s);
        r = row_write(s, st, row_bind_int64(st, row_bind_text(st, SQLITE_OK, 1, name), 2, now), NULL);
        if (r < 0)
                return r;
        if (!(st = store_statement(s, select)))
                return store_statement_errno(s);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        r = read_one_integer(st, armed_at);
        return r < 0 ? r : r == 0 ? -EIO : 0;
}

int store_alert_log_add(struct store *s, const struct store_alert_log_row *row)
{
        static const char sql[] = "INSERT INTO alert_log (at, rule, experiment_id, variant_id, event, held) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !row || !row->rule)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_int64(st, b, 1, row->at);
        b = row_bind_text(st, b, 2, row->rule);
        b = row_bind_int64(st, b, 3, row->experiment_id);
        b = row_bind_text(st, b, 4, row->variant_id ? row->variant_id : "");
        b = row_bind_text(st, b, 5, row->resolved ? "resolved" : "fired");
        b = row_bind_int64(st, b, 6, row->held);
        return row_write(s, st, b, NULL);
}

static int read_log_row(sqlite3_stmt *st, struct store_alert_log_row *row)
{
        long long at = 0, held = 0;
        const char *event = NULL;
        int r = row_column_int(st, 0, INT64_MIN, INT64_MAX, &at);

        if (r >= 0)
                r = row_column_text(st, 1, false, &row->rule);
        if (r >= 0)
                r = row_column_int(st, 2, LLONG_MIN, LLONG_MAX, &row->experiment_id);
        if (r >= 0)
                r = row_column_text(st, 3, false, &row->variant_id);
        if (r >= 0)
                r = row_column_text(st, 4, false, &event);
        if (r >= 0)
                r = row_column_int(st, 5, 0, 1, &held);
        if (r >= 0 && row->variant_id && !*row->variant_id)
                row->variant_id = NULL;
        row->at = at;
        row->resolved = event && event[0] == 'r';
        row->held = held;
        return r;
}

int store_alert_log_each(struct store *s, int64_t since, long long experiment_id,
                         int (*fn)(void *userdata, const struct store_alert_log_row *row), void *userdata)
{
        static const char sql[] = "SELECT at, rule, experiment_id, variant_id, event, held FROM alert_log "
                                  "WHERE at >= ?1 AND (?2 = 0 OR experiment_id = ?2) ORDER BY at, rowid";
        sqlite3_stmt *st;

        if (!s || !fn)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, since);
        sqlite3_bind_int64(st, 2, experiment_id);
        return ROW_WALK(st, read_log_row, struct store_alert_log_row, fn, userdata);
}

int store_alert_log_prune(struct store *s, int64_t older_than, int max_rows)
{
        static const char sql[] = "DELETE FROM alert_log WHERE rowid IN "
                                  "(SELECT rowid FROM alert_log WHERE at < ?1 ORDER BY at LIMIT ?2)";
        sqlite3_stmt *st;
        size_t changes = 0;
        int r;

        if (!s || max_rows <= 0)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        r = row_write(s, st, row_bind_int64(st, row_bind_int64(st, SQLITE_OK, 1, older_than), 2, max_rows),
                      &changes);
        return r < 0 ? r : (int) changes;
}

int store_variant_counts_at(struct store *s, long long id, const char *variant_id, int64_t at,
                            long long *visitors, long long *conversions)
{
        /* The variant's latest row at or before `at`, by polls_by_variant. */
        static const char sql[] = "SELECT visitors, conversions FROM polls WHERE experiment_id = ?1 "
                                  "AND variant_id = ?2 AND polled_at <= ?3 ORDER BY polled_at DESC LIMIT 1";
        sqlite3_stmt *st;
        int r, found = 0;

        if (!s || !variant_id || !visitors || !conversions)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, variant_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, at);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                *visitors = sqlite3_column_int64(st, 0);
                *conversions = sqlite3_column_int64(st, 1);
                found = 1;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r == SQLITE_ROW || r == SQLITE_DONE ? found : store_errno(r);
}
