/* The actions table: the ledger's rows written, replaced and read back in
 * the order they were intended; its circuit_open flag in meta. */
#include "action_rows.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <string.h>

#include "db.h"
#include "meta.h"
#include "row_sql.h"

static const char *const state_names[STORE_ACTION_STATE_COUNT] = {
        [STORE_ACTION_INTENDED] = "intended", [STORE_ACTION_DONE] = "done",
        [STORE_ACTION_FAILED] = "failed", [STORE_ACTION_DRY_RUN] = "dry-run",
};

const char *store_action_state_to_string(enum store_action_state state)
{
        return (unsigned) state < STORE_ACTION_STATE_COUNT ? state_names[state] : NULL;
}

static bool action_known(enum rule_action action)
{
        return action == RULE_ACTION_PAUSE || action == RULE_ACTION_SERVE_WINNER;
}

int store_action_upsert(struct store *s, const struct store_action_row *row)
{
        static const char sql[] =
                "INSERT INTO actions (rule, experiment_id, action, variant_id, traffic_allocation, state, attempts, "
                "intended_at, finished_at, http_status, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                "ON CONFLICT (rule, experiment_id) DO UPDATE SET action = excluded.action, "
                "variant_id = excluded.variant_id, traffic_allocation = excluded.traffic_allocation, "
                "state = excluded.state, attempts = excluded.attempts, intended_at = excluded.intended_at, "
                "finished_at = excluded.finished_at, http_status = excluded.http_status, error = excluded.error";
        const char *state = row ? store_action_state_to_string(row->state) : NULL;
        sqlite3_stmt *st;
        int b = SQLITE_OK;

        if (!s || !row || !row->rule || !state || !action_known(row->action))
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        b = row_bind_text(st, b, 1, row->rule);
        b = row_bind_int64(st, b, 2, row->experiment_id);
        b = row_bind_text(st, b, 3, rule_action_to_string(row->action));
        b = row_bind_text(st, b, 4, row->variant_id);
        b = row_bind_int64(st, b, 5, row->traffic_allocation);
        b = row_bind_text(st, b, 6, state);
        b = row_bind_int64(st, b, 7, row->attempts);
        b = row_bind_int64(st, b, 8, row->intended_at);
        b = row_bind_int64(st, b, 9, row->finished_at);
        b = row_bind_int64(st, b, 10, row->http_status);
        b = row_bind_text(st, b, 11, row->error && *row->error ? row->error : NULL);
        return row_write(s, st, b, NULL);
}

static int read_action(sqlite3_stmt *st, int column, enum rule_action *ret)
{
        const char *text = NULL;
        int r = row_column_text(st, column, false, &text);

        for (int a = RULE_ACTION_PAUSE; r >= 0 && a <= RULE_ACTION_SERVE_WINNER; a++)
                if (strcmp(text, rule_action_to_string((enum rule_action) a)) == 0) {
                        *ret = (enum rule_action) a;
                        return 0;
                }
        return r < 0 ? r : -EBADMSG;
}

static int read_row(sqlite3_stmt *st, struct store_action_row *row)
{
        const char *state = NULL;
        long long allocation = 0, attempts = 0, intended_at = 0, finished_at = 0, status = 0;
        int r = row_column_text(st, 0, false, &row->rule), k = 0;

        if (r >= 0)
                r = row_column_int(st, 1, LLONG_MIN, LLONG_MAX, &row->experiment_id);
        if (r >= 0)
                r = read_action(st, 2, &row->action);
        if (r >= 0)
                r = row_column_text(st, 3, true, &row->variant_id);
        if (r >= 0)
                r = row_column_int(st, 4, INT_MIN, INT_MAX, &allocation);
        if (r >= 0)
                r = row_column_text(st, 5, false, &state);
        if (r >= 0 && (k = row_name_index(state_names, STORE_ACTION_STATE_COUNT, state)) < 0)
                r = k;
        if (r >= 0)
                r = row_column_int(st, 6, 0, UINT_MAX, &attempts);
        if (r >= 0)
                r = row_column_int(st, 7, INT64_MIN, INT64_MAX, &intended_at);
        if (r >= 0)
                r = row_column_int(st, 8, INT64_MIN, INT64_MAX, &finished_at);
        if (r >= 0)
                r = row_column_int(st, 9, INT_MIN, INT_MAX, &status);
        if (r >= 0)
                r = row_column_text(st, 10, true, &row->error);
        row->traffic_allocation = (int) allocation;
        row->state = (enum store_action_state) (k < 0 ? 0 : k);
        row->attempts = (unsigned) attempts;
        row->intended_at = intended_at;
        row->finished_at = finished_at;
        row->http_status = (int) status;
        return r;
}

int store_actions_each(struct store *s, int (*fn)(void *userdata, const struct store_action_row *row),
                       void *userdata)
{
        static const char sql[] = "SELECT rule, experiment_id, action, variant_id, traffic_allocation, state, "
                                  "attempts, intended_at, finished_at, http_status, error FROM actions "
                                  "ORDER BY intended_at, rule, experiment_id";
        sqlite3_stmt *st;

        if (!s || !fn)
                return -EINVAL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        return ROW_WALK(st, read_row, struct store_action_row, fn, userdata);
}

int store_actions_circuit_open_get(struct store *s, bool *ret)
{
        uint64_t v = 0;
        int r = store_meta_get_u64(s, STORE_META_CIRCUIT_OPEN, &v);

        *ret = false;
        if (r < 0)
                return r;
        if (v > 1)
                return -EBADMSG;
        *ret = v == 1;
        return 0;
}

int store_actions_circuit_open_set(struct store *s, bool open)
{
        return store_meta_set_u64(s, STORE_META_CIRCUIT_OPEN, open ? 1 : 0);
}
