/* The health table: conditions written, replaced, removed and read back in
 * key order. */
#include "health_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>

#include "db.h"
#include "row_sql.h"

static const char *const condition_names[STORE_HEALTH_CONDITION_COUNT] = {
        [STORE_HEALTH_API_KEY_REJECTED] = "api_key_rejected",
        [STORE_HEALTH_API_FAILING] = "api_failing",
        [STORE_HEALTH_EXPERIMENT_FAILING] = "experiment_failing",
        [STORE_HEALTH_DELIVERY_FAILING] = "delivery_failing",
        [STORE_HEALTH_STATE_NOT_WRITABLE] = "state_not_writable",
        [STORE_HEALTH_EXPERIMENT_STALLED] = "experiment_stalled",
};

const char *store_health_condition_to_string(enum store_health_condition condition)
{
        return (unsigned) condition < STORE_HEALTH_CONDITION_COUNT ? condition_names[condition] : NULL;
}

/* The key's subject: '' for a daemon-wide condition. */
static const char *key_subject(const char *subject)
{
        return subject ? subject : "";
}

int store_health_upsert(struct store *s, const struct store_health_row *row)
{
        static const char sql[] =
                "INSERT INTO health (condition, subject, name, detail, since, alerted_at, last_notified) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                "ON CONFLICT (condition, subject) DO UPDATE SET name = excluded.name, detail = excluded.detail, "
                "since = excluded.since, alerted_at = excluded.alerted_at, last_notified = excluded.last_notified";
        const char *condition = row ? store_health_condition_to_string(row->condition) : NULL;
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !row || !condition)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, condition);
        b = row_bind_text(st, b, 2, key_subject(row->subject));
        b = row_bind_text(st, b, 3, row->name);
        b = row_bind_text(st, b, 4, row->detail);
        b = row_bind_int64(st, b, 5, row->since);
        b = row_bind_int64(st, b, 6, row->alerted_at);
        b = row_bind_int64(st, b, 7, row->last_notified);
        return row_write(s, st, b, NULL);
}

int store_health_delete(struct store *s, enum store_health_condition condition, const char *subject)
{
        static const char sql[] = "DELETE FROM health WHERE condition = ?1 AND subject = ?2";
        const char *name = store_health_condition_to_string(condition);
        sqlite3_stmt *st;
        size_t changes = 0;
        int b = SQLITE_OK, r;

        if (!s || !name)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, name);
        b = row_bind_text(st, b, 2, key_subject(subject));
        r = row_write(s, st, b, &changes);
        return r < 0 ? r : changes > 0;
}

int store_health_delete_all(struct store *s)
{
        static const char sql[] = "DELETE FROM health";
        sqlite3_stmt *st;
        size_t changes = 0;
        int r;

        if (!s)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        r = row_write(s, st, SQLITE_OK, &changes);
        return r < 0 ? r : (int) (changes > INT_MAX ? INT_MAX : changes);
}

static int read_row(sqlite3_stmt *st, struct store_health_row *row)
{
        const char *condition = NULL;
        long long since = 0, alerted_at = 0, last_notified = 0;
        int r = row_column_text(st, 0, false, &condition), k = 0;

        if (r >= 0 && (k = row_name_index(condition_names, STORE_HEALTH_CONDITION_COUNT, condition)) < 0)
                r = k;
        if (r >= 0)
                row->condition = (enum store_health_condition) k;
        if (r >= 0)
                r = row_column_text(st, 1, false, &row->subject);
        if (r >= 0)
                r = row_column_text(st, 2, true, &row->name);
        if (r >= 0)
                r = row_column_text(st, 3, true, &row->detail);
        if (r >= 0)
                r = row_column_int(st, 4, INT64_MIN, INT64_MAX, &since);
        if (r >= 0)
                r = row_column_int(st, 5, INT64_MIN, INT64_MAX, &alerted_at);
        if (r >= 0)
                r = row_column_int(st, 6, INT64_MIN, INT64_MAX, &last_notified);
        row->since = since;
        row->alerted_at = alerted_at;
        row->last_notified = last_notified;
        return r;
}

int store_health_each(struct store *s, int (*fn)(void *userdata, const struct store_health_row *row),
                      void *userdata)
{
        static const char sql[] = "SELECT condition, subject, name, detail, since, alerted_at, last_notified "
                                  "FROM health ORDER BY condition, subject";
        sqlite3_stmt *st;

        if (!s || !fn)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return ROW_WALK(st, read_row, struct store_health_row, fn, userdata);
}
