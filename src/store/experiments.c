/* The experiments, sequential and polls tables, and the daemon summary in
 * meta: typed, with statements prepared once (store_statement). */
#include "experiments.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_restore.h"
#include "row_sql.h"
#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "util/double_format.h"
#include "util/grow.h"

static char *column_strdup(sqlite3_stmt *st, int i, bool *oom)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        char *copy;

        if (!t) {
                if (sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
                        *oom = true;
                return NULL;
        }
        copy = strdup((const char *) t);
        if (!copy)
                *oom = true;
        return copy;
}

static void bind_sequential(sqlite3_stmt *st, long long id, const struct sequential_variant_state *v, size_t i)
{
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, v->variant_id, -1, SQLITE_STATIC);   /* NULL binds NULL */
        sqlite3_bind_int64(st, 3, (sqlite3_int64) i);
        sqlite3_bind_int64(st, 4, v->visitors);
        sqlite3_bind_int64(st, 5, v->conversions);
        sqlite3_bind_int(st, 6, v->has_bound);
        if (v->has_bound) {
                sqlite3_bind_double(st, 7, v->min_p);
                sqlite3_bind_double(st, 8, v->low);
                sqlite3_bind_double(st, 9, v->high);
        }
}

/* One variant's row, updated in place (the common case: same variants as
 * last time), inserted when it is new. */
static int save_sequential_variant(struct store *s, long long id, const struct sequential_variant_state *v, size_t i)
{
        static const char update_sql[] =
                "UPDATE sequential SET position = ?3, visitors = ?4, conversions = ?5, has_bound = ?6, "
                "min_p = ?7, low = ?8, high = ?9 WHERE experiment_id = ?1 AND variant_id = ?2";
        static const char insert_sql[] =
                "INSERT INTO sequential (experiment_id, variant_id, position, visitors, conversions, has_bound, "
                "min_p, low, high) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
        sqlite3_stmt *st = store_statement(s, update_sql);
        size_t changes = 0;
        int r;

        if (!st)
                return store_statement_errno(s);
        bind_sequential(st, id, v, i);
        r = row_write(s, st, SQLITE_OK, &changes);
        if (r < 0 || changes > 0)
                return r;
        if (!(st = store_statement(s, insert_sql)))
                return store_statement_errno(s);
        bind_sequential(st, id, v, i);
        return row_write(s, st, SQLITE_OK, NULL);
}

static int count_sequential(struct store *s, long long id, size_t *ret)
{
        static const char sql[] = "SELECT count(*) FROM sequential WHERE experiment_id = ?1";
        sqlite3_stmt *st = store_statement(s, sql);
        int r;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        r = sqlite3_step(st);
        *ret = r == SQLITE_ROW ? (size_t) sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        return r == SQLITE_ROW ? 0 : store_errno(r) < 0 ? store_errno(r) : -EIO;
}

static int delete_sequential(struct store *s, long long id)
{
        static const char sql[] = "DELETE FROM sequential WHERE experiment_id = ?1";
        sqlite3_stmt *st = store_statement(s, sql);

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        return row_write(s, st, SQLITE_OK, NULL);
}

/* Writes e's sequential rows. Updated in place: a DELETE of the old rows
 * (a multi-row delete with foreign keys on, which costs an ephemeral table)
 * only when a variant went away. */
static int save_sequential(struct store *s, const struct watched_experiment *e)
{
        size_t n, stored = 0;
        int r = 0;

        if (!e->sequential)
                return 0;   /* not loaded: the stored state stays */
        n = e->sequential->n_variants;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = save_sequential_variant(s, e->id, &e->sequential->variants[i], i);
        if (r >= 0)
                r = count_sequential(s, e->id, &stored);
        if (r < 0 || stored == n)
                return r;
        r = delete_sequential(s, e->id);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = save_sequential_variant(s, e->id, &e->sequential->variants[i], i);
        return r;
}

/* What a save writes besides e: the analysis text (0.1.0's, while current
 * is NULL), and the result's fingerprint and text (see analysis_restore.h). */
struct experiment_texts {
        const char *analysis;
        const char *result;          /* NULL: not built, the stored one stays */
        bool has_hash;
        uint64_t hash;
};

static void bind_experiment(sqlite3_stmt *st, const struct watched_experiment *e, int64_t now,
                            const struct experiment_texts *x)
{
        sqlite3_bind_int64(st, 1, e->id);
        sqlite3_bind_text(st, 2, e->name, -1, SQLITE_STATIC);   /* NULL binds NULL */
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int(st, 4, e->active);
        if (e->last && e->last->status_code != -1)
                sqlite3_bind_int(st, 5, e->last->status_code);
        sqlite3_bind_int64(st, 6, e->polled_at);
        sqlite3_bind_int64(st, 7, e->visitors);
        sqlite3_bind_int64(st, 8, e->visitors_grew_at);
        sqlite3_bind_int64(st, 9, e->failures);
        sqlite3_bind_int(st, 10, e->last_http_status);
        sqlite3_bind_text(st, 11, e->last_error, -1, SQLITE_STATIC);   /* NULL binds NULL */
        sqlite3_bind_text(st, 12, x->analysis, -1, SQLITE_STATIC);     /* NULL binds NULL */
        if (e->sequential) {
                sqlite3_bind_text(st, 13, e->sequential->start_date, -1, SQLITE_STATIC);   /* NULL binds NULL */
                sqlite3_bind_double(st, 14, e->sequential->alpha);
                sqlite3_bind_double(st, 15, e->sequential->tuning);
                if (e->sequential->has_srm)
                        sqlite3_bind_double(st, 18, e->sequential->srm_min_p);
                sqlite3_bind_double(st, 19, e->sequential->srm_concentration);
        }
        sqlite3_bind_text(st, 16, x->result, -1, SQLITE_STATIC);       /* NULL binds NULL */
        if (x->has_hash)
                sqlite3_bind_int64(st, 17, (sqlite3_int64) x->hash);
}

/* The UPDATE, and whether it found the row. Without the result's text it
 * updates only a row whose stored fingerprint is x's (or any row when x
 * has none): the text is then known to be current, and the usual poll,
 * whose variants did not change, builds no text at all. A fingerprint
 * compared with the row, not kept in memory, stays right after a group
 * that rolled back. */
static int update_experiment(struct store *s, const struct watched_experiment *e, int64_t now,
                             const struct experiment_texts *x, bool *found)
{
        static const char sql[] =
                "UPDATE experiments SET name = ?2, last_seen = ?3, active = ?4, status = coalesce(?5, status), "
                "polled_at = ?6, visitors = ?7, visitors_grew_at = ?8, failures = ?9, last_http_status = ?10, "
                "last_error = ?11, analysis = ?12, start_date = CASE WHEN ?14 IS NULL THEN start_date ELSE ?13 END, "
                "alpha = coalesce(?14, alpha), tuning = coalesce(?15, tuning), "
                "srm_min_p = CASE WHEN ?14 IS NULL THEN srm_min_p ELSE ?18 END, "
                "srm_concentration = coalesce(?19, srm_concentration), "
                "result = coalesce(?16, result), result_hash = coalesce(?17, result_hash) "
                "WHERE id = ?1 AND (?17 IS NULL OR ?16 IS NOT NULL OR result_hash IS ?17)";
        sqlite3_stmt *st = store_statement(s, sql);
        size_t changes = 0;
        int r;

        if (!st)
                return store_statement_errno(s);
        bind_experiment(st, e, now, x);
        r = row_write(s, st, SQLITE_OK, &changes);   /* unbinds the texts, about to be freed */
        *found = r >= 0 && changes > 0;
        return r;
}

static int insert_experiment(struct store *s, const struct watched_experiment *e, int64_t now,
                             const struct experiment_texts *x)
{
        static const char sql[] =
                "INSERT INTO experiments (id, name, first_seen, last_seen, active, status, polled_at, visitors, "
                "visitors_grew_at, failures, last_http_status, last_error, analysis, start_date, alpha, tuning, "
                "result, result_hash, srm_min_p, srm_concentration) "
                "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
        sqlite3_stmt *st = store_statement(s, sql);

        if (!st)
                return store_statement_errno(s);
        bind_experiment(st, e, now, x);
        return row_write(s, st, SQLITE_OK, NULL);
}

/* An UPDATE first (every poll but the first), an INSERT when there is no
 * row yet: cheaper than an upsert, which tries the INSERT each time. The
 * result's text is built only when the row's fingerprint differs. */
static int write_experiment(struct store *s, const struct watched_experiment *e, int64_t now)
{
        struct experiment_texts x = { .analysis = e->current ? NULL : e->restored_analysis };
        char *result = NULL;
        bool found = false;
        int r;

        if (e->current) {
                x.has_hash = true;
                x.hash = analysis_result_hash(e->current);
        }
        r = update_experiment(s, e, now, &x, &found);
        if (r < 0 || found || !e->current)
                return r < 0 || found ? r : insert_experiment(s, e, now, &x);
        if (!(x.result = result = analysis_result_text(e->current)))
                return -ENOMEM;
        r = update_experiment(s, e, now, &x, &found);
        if (r >= 0 && !found)
                r = insert_experiment(s, e, now, &x);
        free(result);
        return r;
}

int store_experiment_save(struct store *s, const struct watched_experiment *e, int64_t now)
{
        int r = write_experiment(s, e, now);

        return r < 0 ? r : save_sequential(s, e);
}

/* Which variants of e->current get a row: changed[i] for a valid variant
 * whose counts differ from its latest row, or that has none. One backward
 * walk of the experiment's history, stopped once every variant was met: in
 * the usual case (every variant moves each poll) it reads one row per
 * variant. met[] is scratch of the same length. */
static int find_changed(struct store *s, const struct watched_experiment *e, bool *changed, bool *met)
{
        static const char sql[] = "SELECT variant_id, visitors, conversions FROM polls WHERE experiment_id = ?1 "
                                  "ORDER BY polled_at DESC";
        const struct experiment_analysis *a = e->current;
        sqlite3_stmt *st = store_statement(s, sql);
        size_t pending = 0;
        int r = SQLITE_DONE;

        if (!st)
                return store_statement_errno(s);
        for (size_t i = 0; i < a->n_variants; i++) {
                changed[i] = a->variants[i].counts_valid && a->variants[i].variant_id;
                met[i] = false;
                pending += changed[i];
        }
        sqlite3_bind_int64(st, 1, e->id);
        while (pending > 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *id = (const char *) sqlite3_column_text(st, 0);

                for (size_t i = 0; id && i < a->n_variants; i++) {
                        const struct variant_analysis *v = &a->variants[i];
                        if (!changed[i] || met[i] || strcmp(v->variant_id, id) != 0)
                                continue;
                        met[i] = true;
                        changed[i] = sqlite3_column_int64(st, 1) != v->visitors ||
                                     sqlite3_column_int64(st, 2) != v->conversions;
                        pending--;
                }
        }
        sqlite3_reset(st);
        return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : store_errno(r);
}

int store_poll_record(struct store *s, const struct watched_experiment *e)
{
        static const char sql[] =
                "INSERT INTO polls (experiment_id, variant_id, polled_at, visitors, conversions) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (experiment_id, polled_at, variant_id) "
                "DO UPDATE SET visitors = excluded.visitors, conversions = excluded.conversions";
        const struct experiment_analysis *a = e->current;
        enum { SMALL = 16 };
        bool small[2 * SMALL], *changed;
        int r, written = 0;

        if (!a || a->n_variants == 0)
                return 0;
        changed = a->n_variants <= SMALL ? small : calloc(2 * a->n_variants, sizeof(*changed));
        if (!changed)
                return -ENOMEM;
        r = find_changed(s, e, changed, changed + a->n_variants);
        for (size_t i = 0; r >= 0 && i < a->n_variants; i++) {
                const struct variant_analysis *v = &a->variants[i];
                sqlite3_stmt *st;

                if (!changed[i])
                        continue;
                if (!(st = store_statement(s, sql))) {
                        r = store_statement_errno(s);
                        break;
                }
                sqlite3_bind_int64(st, 1, e->id);
                sqlite3_bind_text(st, 2, v->variant_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, e->polled_at);
                sqlite3_bind_int64(st, 4, v->visitors);
                sqlite3_bind_int64(st, 5, v->conversions);
                if ((r = row_write(s, st, SQLITE_OK, NULL)) == 0)
                        written++;
        }
        if (changed != small)
                free(changed);
        return r < 0 ? r : written;
}

/* An empty sequential state for e from st's columns start_date, alpha
 * and tuning, when alpha is not NULL ("no state" otherwise). */
static int sequential_head(sqlite3_stmt *st, struct watched_experiment *e)
{
        bool oom = false;

        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
                return 0;
        if (!(e->sequential = calloc(1, sizeof(*e->sequential))))
                return -ENOMEM;
        e->sequential->start_date = column_strdup(st, 0, &oom);
        e->sequential->alpha = sqlite3_column_double(st, 1);
        e->sequential->tuning = sqlite3_column_double(st, 2);
        e->sequential->has_srm = sqlite3_column_type(st, 3) != SQLITE_NULL;
        e->sequential->srm_min_p = sqlite3_column_double(st, 3);
        e->sequential->srm_concentration = sqlite3_column_double(st, 4);
        return oom ? -ENOMEM : 0;
}

static int load_experiments(struct store *s, struct watchlist *w)
{
        static const char sql[] =
                "SELECT id, name, active, polled_at, visitors, visitors_grew_at, failures, last_http_status, "
                "last_error, analysis FROM experiments ORDER BY id";
        sqlite3_stmt *st = store_statement(s, sql);
        int r;

        if (!st)
                return store_statement_errno(s);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct watched_experiment *e = watchlist_get(w, sqlite3_column_int64(st, 0));
                bool oom = false;

                if (!e) {
                        r = SQLITE_NOMEM;
                        break;
                }
                free(e->name);
                e->name = column_strdup(st, 1, &oom);
                e->active = sqlite3_column_int(st, 2) != 0;
                e->polled_at = sqlite3_column_int64(st, 3);
                e->visitors = sqlite3_column_int64(st, 4);
                e->visitors_grew_at = sqlite3_column_int64(st, 5);
                e->failures = (unsigned) sqlite3_column_int64(st, 6);
                e->last_http_status = sqlite3_column_int(st, 7);
                free(e->last_error);
                e->last_error = column_strdup(st, 8, &oom);
                free(e->restored_analysis);
                e->restored_analysis = column_strdup(st, 9, &oom);
                if (oom) {
                        r = SQLITE_NOMEM;
                        break;
                }
        }
        sqlite3_reset(st);
        return r == SQLITE_DONE ? 0 : store_errno(r);
}

/* Rows that cannot be a state: the experiment keeps none, and says why. */
static int reject_sequential(struct watched_experiment *e, size_t position, const char *variant_id, const char *why)
{
        char *error = NULL;

        watchlist_drop_sequential(e);
        if (asprintf(&error, "sequential[%zu] (variant %s): %s", position, variant_id ? variant_id : "?", why) < 0)
                return -ENOMEM;
        e->sequential_error = error;
        return 0;
}

/* One row of e's sequential state, at the end of its variants; *cap is the
 * capacity of that array. */
static int add_sequential_row(sqlite3_stmt *st, struct watched_experiment *e, size_t *cap)
{
        struct sequential_state *q = e->sequential;
        struct sequential_variant_state *v;
        const char *id = (const char *) sqlite3_column_text(st, 1);
        int bounds = (sqlite3_column_type(st, 5) != SQLITE_NULL) + (sqlite3_column_type(st, 6) != SQLITE_NULL) +
                     (sqlite3_column_type(st, 7) != SQLITE_NULL);
        bool has_bound = sqlite3_column_int(st, 4) != 0;

        if (!id)
                return reject_sequential(e, q->n_variants, NULL, "no variant_id");
        if (has_bound && bounds != 3)
                return reject_sequential(e, q->n_variants, id, "min_p, low and high go together");
        if (q->n_variants == *cap) {
                size_t n = *cap ? *cap * 2 : 4;
                struct sequential_variant_state *grown = realloc(q->variants, n * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                q->variants = grown;
                *cap = n;
        }
        v = &q->variants[q->n_variants];
        *v = (struct sequential_variant_state) {
                .visitors = sqlite3_column_int64(st, 2),
                .conversions = sqlite3_column_int64(st, 3),
                .has_bound = has_bound,
        };
        if (has_bound) {
                v->min_p = sqlite3_column_double(st, 5);
                v->low = sqlite3_column_double(st, 6);
                v->high = sqlite3_column_double(st, 7);
        }
        if (!(v->variant_id = strdup(id)))
                return -ENOMEM;
        q->n_variants++;
        return 0;
}

/* Each polled experiment's last analysis, recomputed (analysis_restore.h).
 * One whose rows do not make a result keeps none, as a row this version
 * cannot read is skipped: status shows the others. */
static int restore_analyses(struct store *s, struct watchlist *w, const struct statistics_settings *settings)
{
        static const char sql[] = "SELECT id, result FROM experiments WHERE result IS NOT NULL ORDER BY id";
        sqlite3_stmt *st;
        int r, k = 0;

        if (store_version(s) < 2)
                return 0;   /* read-only, not migrated yet: no result column, every analysis is text */
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct watched_experiment *e = watchlist_find(w, sqlite3_column_int64(st, 0));
                const char *result = (const char *) sqlite3_column_text(st, 1);

                if (!e || !result)
                        continue;
                k = analysis_restore(s, e, result, settings);
                if (k == -EINVAL || k == -ENOENT)
                        k = 0;
                if (k < 0)
                        break;
        }
        sqlite3_reset(st);
        if (k < 0)
                return k;
        return r == SQLITE_DONE ? 0 : store_errno(r);
}

/* Puts q's variants in the order of their positions (a handful: an
 * insertion sort). */
static void order_by_position(struct sequential_state *q, long long *positions)
{
        for (size_t i = 1; i < q->n_variants; i++)
                for (size_t j = i; j > 0 && positions[j - 1] > positions[j]; j--) {
                        struct sequential_variant_state v = q->variants[j];
                        long long p = positions[j];
                        q->variants[j] = q->variants[j - 1];
                        positions[j] = positions[j - 1];
                        q->variants[j - 1] = v;
                        positions[j - 1] = p;
                }
}

/* e's sequential rows, in position order (the experiments row gave the
 * head: e->sequential is set). Ordered here, not by SQL: an ORDER BY took
 * a temporary b-tree on every poll. */
static int load_sequential_rows(struct store *s, struct watched_experiment *e)
{
        static const char sql[] = "SELECT experiment_id, variant_id, visitors, conversions, has_bound, min_p, low, "
                                  "high, position FROM sequential WHERE experiment_id = ?1";
        sqlite3_stmt *st = store_statement(s, sql);
        long long *positions = NULL, *grown;
        size_t cap = 0, positions_cap = 0;
        int r, ret = 0;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, e->id);
        while (e->sequential && (r = sqlite3_step(st)) == SQLITE_ROW) {
                size_t n = e->sequential->n_variants;
                if (!(grown = grow_array(positions, &positions_cap, n, sizeof(*positions)))) {
                        ret = -ENOMEM;
                        break;
                }
                positions = grown;
                positions[n] = sqlite3_column_int64(st, 8);
                if ((ret = add_sequential_row(st, e, &cap)) < 0)
                        break;
        }
        sqlite3_reset(st);
        if (ret >= 0 && e->sequential)
                order_by_position(e->sequential, positions);
        free(positions);
        if (ret < 0 || !e->sequential)
                return ret;   /* a rejected row ends the walk */
        return r == SQLITE_DONE ? 0 : store_errno(r);
}

int store_sequential_load(struct store *s, struct watched_experiment *e)
{
        static const char sql[] = "SELECT start_date, alpha, tuning, srm_min_p, srm_concentration FROM experiments "
                                  "WHERE id = ?1";
        sqlite3_stmt *st = store_statement(s, sql);
        int r, k = 0;

        watchlist_drop_sequential(e);
        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, e->id);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                k = sequential_head(st, e);
        sqlite3_reset(st);
        if (k >= 0 && r != SQLITE_ROW && r != SQLITE_DONE)
                k = store_errno(r);
        if (k >= 0 && e->sequential)
                k = load_sequential_rows(s, e);
        if (k < 0)
                watchlist_drop_sequential(e);
        return k;
}

int store_watchlist_load_sequential(struct store *s, struct watchlist *w)
{
        int r = 0;

        for (size_t i = 0; i < w->n && r >= 0; i++)
                r = store_sequential_load(s, w->items[i]);
        return r;
}

/* The recomputation, with e's sequential state loaded for it when the
 * watch list was loaded without (and dropped again after): into out, or
 * with out NULL as e->restored_analysis. */
static int restore_one(struct store *s, struct watched_experiment *e, const char *result,
                       const struct statistics_settings *settings, struct experiment_analysis *out)
{
        bool load = !e->sequential && !e->sequential_error;
        int r = load ? store_sequential_load(s, e) : 0;

        if (r >= 0)
                r = out ? analysis_recompute(s, e, result, settings, out) : analysis_restore(s, e, result, settings);
        if (load)
                watchlist_drop_sequential(e);
        return r;
}

/* experiments.result of id: 0 with *ret (malloc'd; NULL when none), or -errno. */
static int read_result(struct store *s, long long id, char **ret)
{
        static const char sql[] = "SELECT result FROM experiments WHERE id = ?1 AND result IS NOT NULL";
        sqlite3_stmt *st;
        int r, k = 0;

        *ret = NULL;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        r = sqlite3_step(st);
        /* Copied: restoring runs other statements before this one is done. */
        if (r == SQLITE_ROW && sqlite3_column_text(st, 0) && !(*ret = strdup((const char *) sqlite3_column_text(st, 0))))
                k = -ENOMEM;
        sqlite3_reset(st);
        if (k < 0)
                return k;
        return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : store_errno(r);
}

/* restore_one of e's stored result: 1 when there was one, 0 when there is
 * none (or it makes no result: -EINVAL, -ENOENT), or -errno. */
static int restore_stored(struct store *s, struct watched_experiment *e, const struct statistics_settings *settings,
                          struct experiment_analysis *out)
{
        char *result = NULL;
        int r = store_version(s) < 2 ? 0 : read_result(s, e->id, &result);

        if (r >= 0 && result)
                r = restore_one(s, e, result, settings, out);
        else if (r >= 0)
                r = -ENOENT;
        free(result);
        if (r == -EINVAL || r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

int store_experiment_restore(struct store *s, struct watched_experiment *e, const struct statistics_settings *settings)
{
        int r = restore_stored(s, e, settings, NULL);

        return r < 0 ? r : 0;
}

int store_experiment_analysis(struct store *s, struct watched_experiment *e,
                              const struct statistics_settings *settings, struct experiment_analysis *out)
{
        return restore_stored(s, e, settings, out);
}

int store_watchlist_load(struct store *s, struct watchlist *w, const struct statistics_settings *settings)
{
        int r = load_experiments(s, w);

        if (r >= 0 && settings)
                r = store_watchlist_load_sequential(s, w);
        if (r >= 0 && settings)
                r = restore_analyses(s, w, settings);
        if (r < 0)
                watchlist_clear(w);
        return r;
}

int store_summary_save(struct store *s, const struct daemon_summary *sum)
{
        static const char sql[] =
                "INSERT INTO meta (key, value) VALUES ('daemon.started_at', ?1), ('daemon.last_cycle_at', ?2), "
                "('daemon.last_cycle_seconds', ?3), ('daemon.last_cycle_polled', ?4), "
                "('daemon.last_cycle_failed', ?5), ('daemon.api_error', ?6) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        sqlite3_stmt *st = store_statement(s, sql);
        char numbers[5][DOUBLE_FORMAT_MAX];

        if (!st)
                return store_statement_errno(s);
        /* As text: meta.value is TEXT, and SQLite's own REAL to TEXT keeps
         * only 15 digits. */
        snprintf(numbers[0], sizeof(numbers[0]), "%lld", (long long) sum->started_at);
        snprintf(numbers[1], sizeof(numbers[1]), "%lld", (long long) sum->last_cycle_at);
        double_format_shortest(sum->last_cycle_seconds, numbers[2]);
        snprintf(numbers[3], sizeof(numbers[3]), "%u", sum->last_cycle_polled);
        snprintf(numbers[4], sizeof(numbers[4]), "%u", sum->last_cycle_failed);
        for (int i = 0; i < 5; i++)
                sqlite3_bind_text(st, i + 1, numbers[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, sum->api_error, (int) strnlen(sum->api_error, sizeof(sum->api_error)),
                          SQLITE_STATIC);
        return row_write(s, st, SQLITE_OK, NULL);
}

int store_summary_load(struct store *s, struct daemon_summary *sum)
{
        static const char sql[] = "SELECT key, value FROM meta WHERE key IN ('daemon.started_at', "
                                  "'daemon.last_cycle_at', 'daemon.last_cycle_seconds', 'daemon.last_cycle_polled', "
                                  "'daemon.last_cycle_failed', 'daemon.api_error')";
        sqlite3_stmt *st = store_statement(s, sql);
        int r;

        *sum = (struct daemon_summary) { 0 };
        if (!st)
                return store_statement_errno(s);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *key = (const char *) sqlite3_column_text(st, 0);
                const char *value = (const char *) sqlite3_column_text(st, 1);

                if (!key || !value)
                        continue;
                if (strcmp(key, "daemon.started_at") == 0)
                        sum->started_at = strtoll(value, NULL, 10);
                else if (strcmp(key, "daemon.last_cycle_at") == 0)
                        sum->last_cycle_at = strtoll(value, NULL, 10);
                else if (strcmp(key, "daemon.last_cycle_seconds") == 0)
                        sum->last_cycle_seconds = strtod(value, NULL);
                else if (strcmp(key, "daemon.last_cycle_polled") == 0)
                        sum->last_cycle_polled = (unsigned) strtoul(value, NULL, 10);
                else if (strcmp(key, "daemon.last_cycle_failed") == 0)
                        sum->last_cycle_failed = (unsigned) strtoul(value, NULL, 10);
                else if (strcmp(key, "daemon.api_error") == 0)
                        snprintf(sum->api_error, sizeof(sum->api_error), "%s", value);
        }
        sqlite3_reset(st);
        return r == SQLITE_DONE ? 0 : store_errno(r);
}

int store_polls_each(struct store *s, long long experiment_id, const char *variant_id, int64_t since,
                     int (*fn)(void *userdata, const struct store_poll *row), void *userdata)
{
        static const char sql[] =
                "SELECT variant_id, polled_at, visitors, conversions FROM polls "
                "WHERE experiment_id = ?1 AND polled_at >= ?2 AND (?3 IS NULL OR variant_id = ?3) "
                "ORDER BY polled_at, variant_id";
        sqlite3_stmt *st = store_statement(s, sql);
        int r, n = 0, stop = 0;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, experiment_id);
        sqlite3_bind_int64(st, 2, since);
        sqlite3_bind_text(st, 3, variant_id, -1, SQLITE_STATIC);   /* NULL binds NULL */
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct store_poll row = {
                        .experiment_id = experiment_id,
                        .variant_id = (const char *) sqlite3_column_text(st, 0),
                        .polled_at = sqlite3_column_int64(st, 1),
                        .visitors = sqlite3_column_int64(st, 2),
                        .conversions = sqlite3_column_int64(st, 3),
                };
                if (!row.variant_id) {
                        r = SQLITE_NOMEM;
                        break;
                }
                stop = fn(userdata, &row);
                if (stop < 0)
                        break;
                if (n < INT_MAX)
                        n++;
                if (stop > 0)
                        break;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (stop < 0)
                return stop;
        if (stop > 0)
                return n;
        return r == SQLITE_DONE ? n : store_errno(r);
}

int store_polls_prune(struct store *s, int64_t older_than, size_t max_rows)
{
        /* Driven by experiments (CROSS JOIN fixes that order): each
         * experiment's old rows are the start of its range of the primary
         * key, so a batch seeks to them rather than scanning every row
         * (there is no index on polled_at alone). A row goes when a later
         * row of its variant is still at or before older_than. */
        static const char sql[] =
                "DELETE FROM polls WHERE (experiment_id, polled_at, variant_id) IN ("
                " SELECT p.experiment_id, p.polled_at, p.variant_id FROM experiments e"
                " CROSS JOIN polls p ON p.experiment_id = e.id AND p.polled_at < ?1"
                " WHERE EXISTS (SELECT 1 FROM polls q WHERE q.experiment_id = p.experiment_id"
                "  AND q.polled_at > p.polled_at AND q.polled_at <= ?1 AND q.variant_id = p.variant_id)"
                " LIMIT ?2)";
        sqlite3_stmt *st;
        size_t changes = 0;
        int r;

        if (max_rows == 0)
                return 0;
        if (!(st = store_statement(s, sql)))
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, older_than);
        sqlite3_bind_int64(st, 2, max_rows > INT_MAX ? INT_MAX : (sqlite3_int64) max_rows);
        r = row_write(s, st, SQLITE_OK, &changes);
        return r < 0 ? r : (int) changes;
}

int store_experiment_watched(struct store *s, long long id)
{
        static const char sql[] = "SELECT active FROM experiments WHERE id = ?1";
        sqlite3_stmt *st = store_statement(s, sql);
        int r, active = 0;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                active = sqlite3_column_int(st, 0) != 0;
        sqlite3_reset(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return store_errno(r);
        return active;
}

int store_visitors_at(struct store *s, long long id, int64_t at, long long *ret)
{
        /* Each variant's latest row at or before `at`, by polls_by_variant. */
        static const char sql[] =
                "SELECT sum(p.visitors), count(*) FROM polls p WHERE p.experiment_id = ?1 AND p.polled_at = "
                "(SELECT max(q.polled_at) FROM polls q WHERE q.experiment_id = ?1 AND q.variant_id = p.variant_id "
                "AND q.polled_at <= ?2)";
        sqlite3_stmt *st = store_statement(s, sql);
        int r, found = 0;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, at);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0) {
                *ret = sqlite3_column_int64(st, 0);
                found = 1;
        }
        sqlite3_reset(st);
        return r == SQLITE_ROW || r == SQLITE_DONE ? found : store_errno(r);
}
