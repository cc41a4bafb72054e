/* The alerts table: rows written, replaced, removed and read back in key
 * order. */
#include "alert_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>

#include "db.h"
#include "row_sql.h"

static const char *const state_names[] = { [STORE_ALERT_PENDING] = "pending", [STORE_ALERT_FIRING] = "firing" };
#define N_STATES ((int) (sizeof(state_names) / sizeof(state_names[0])))

const char *store_alert_state_to_string(enum store_alert_state state)
{
        return (unsigned) state < (unsigned) N_STATES ? state_names[state] : NULL;
}

/* The key's variant: '' for an experiment-level rule. */
static const char *key_variant(const char *variant_id)
{
        return variant_id ? variant_id : "";
}

int store_alert_upsert(struct store *s, const struct store_alert_row *row)
{
        static const char sql[] =
                "INSERT INTO alerts (rule, experiment_id, variant_id, state, active_since, fired_at, last_notified, "
                "held) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                "ON CONFLICT (rule, experiment_id, variant_id) DO UPDATE SET state = excluded.state, "
                "active_since = excluded.active_since, fired_at = excluded.fired_at, "
                "last_notified = excluded.last_notified, held = excluded.held";
        const char *state = row ? store_alert_state_to_string(row->state) : NULL;
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !row || !row->rule || !state)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, row->rule);
        b = row_bind_int64(st, b, 2, row->experiment_id);
        b = row_bind_text(st, b, 3, key_variant(row->variant_id));
        b = row_bind_text(st, b, 4, state);
        b = row_bind_int64(st, b, 5, row->active_since);
        b = row_bind_int64(st, b, 6, row->fired_at);
        b = row_bind_int64(st, b, 7, row->last_notified);
        b = row_bind_int64(st, b, 8, row->held);
        return row_write(s, st, b, NULL);
}

int store_alert_delete(struct store *s, const char *rule, long long experiment_id, const char *variant_id)
{
        static const char sql[] = "DELETE FROM alerts WHERE rule = ?1 AND experiment_id = ?2 AND variant_id = ?3";
        sqlite3_stmt *st;
        size_t changes = 0;
        int b = SQLITE_OK, r;

        if (!s || !rule)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, rule);
        b = row_bind_int64(st, b, 2, experiment_id);
        b = row_bind_text(st, b, 3, key_variant(variant_id));
        r = row_write(s, st, b, &changes);
        return r < 0 ? r : changes > 0;
}

static int deleted(struct store *s, sqlite3_stmt *st, int bound)
{
        size_t changes = 0;
        int r = row_write(s, st, bound, &changes);

        return r < 0 ? r : changes > INT_MAX ? INT_MAX : (int) changes;
}

int store_alerts_delete_experiment(struct store *s, long long experiment_id)
{
        static const char sql[] = "DELETE FROM alerts WHERE experiment_id = ?1";
        sqlite3_stmt *st;

        if (!s)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return deleted(s, st, row_bind_int64(st, SQLITE_OK, 1, experiment_id));
}

int store_alerts_delete_all(struct store *s)
{
        static const char sql[] = "DELETE FROM alerts";
        sqlite3_stmt *st;

        if (!s)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return deleted(s, st, SQLITE_OK);
}

int store_alerts_delete_rule(struct store *s, const char *rule)
{
        static const char sql[] = "DELETE FROM alerts WHERE rule = ?1";
        sqlite3_stmt *st;

        if (!s || !rule)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return deleted(s, st, row_bind_text(st, SQLITE_OK, 1, rule));
}

static int read_row(sqlite3_stmt *st, struct store_alert_row *row)
{
        const char *state = NULL;
        long long active_since = 0, fired_at = 0, last_notified = 0, held = 0;
        int r = row_column_text(st, 0, false, &row->rule), k = 0;

        if (r >= 0)
                r = row_column_int(st, 1, LLONG_MIN, LLONG_MAX, &row->experiment_id);
        if (r >= 0)
                r = row_column_text(st, 2, false, &row->variant_id);
        if (r >= 0)
                r = row_column_text(st, 3, false, &state);
        if (r >= 0 && (k = row_name_index(state_names, N_STATES, state)) < 0)
                r = k;
        if (r >= 0)
                row->state = (enum store_alert_state) k;
        if (r >= 0)
                r = row_column_int(st, 4, INT64_MIN, INT64_MAX, &active_since);
        if (r >= 0)
                r = row_column_int(st, 5, INT64_MIN, INT64_MAX, &fired_at);
        if (r >= 0)
                r = row_column_int(st, 6, INT64_MIN, INT64_MAX, &last_notified);
        if (r >= 0)
                r = row_column_int(st, 7, 0, 1, &held);
        row->held = held;
        row->active_since = active_since;
        row->fired_at = fired_at;
        row->last_notified = last_notified;
        return r;
}

int store_alerts_each(struct store *s, int (*fn)(void *userdata, const struct store_alert_row *row),
                      void *userdata)
{
        static const char sql[] = "SELECT rule, experiment_id, variant_id, state, active_since, fired_at, "
                                  "last_notified, held FROM alerts ORDER BY rule, experiment_id, variant_id";
        /* A database the daemon has not migrated yet, read by `status`. */
        static const char sql_v2[] = "SELECT rule, experiment_id, variant_id, state, active_since, fired_at, "
                                     "last_notified, 0 FROM alerts ORDER BY rule, experiment_id, variant_id";
        sqlite3_stmt *st;

        if (!s || !fn)
                return -EINVAL;
        if (!(st = store_version(s) >= 3 ? store_statement(s, sql) : store_statement(s, sql_v2)))
                return store_statement_errno(s);
        return ROW_WALK(st, read_row, struct store_alert_row, fn, userdata);
}
