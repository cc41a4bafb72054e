/* state.db: created with its pragmas and schema, migrated, reopened with
 * what was committed, read while a writer has it open, and a corrupt or
 * newer file handled without losing it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/listed_rows.h"
#include "store/schema.h"

#include "store_fixture.h"

static char path[128];

static void make_dir(void)
{
        store_fixture_make_dir();
        snprintf(path, sizeof(path), "%s/%s", store_dir, STORE_FILE);
}

TestSuite(store_db, .init = make_dir, .fini = store_fixture_remove_dir);

static void write_file(const char *p, const char *text)
{
        FILE *f = fopen(p, "w");

        cr_assert_not_null(f);
        fputs(text, f);
        cr_assert_eq(fclose(f), 0);
}

Test(store_db, fresh_database_has_schema_and_pragmas)
{
        static const char *const tables[] = {
                "meta", "experiments", "sequential", "polls", "alerts", "actions", "outbox", "health",
        };
        struct store *s;
        char sql[128];

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(access(path, F_OK), 0);
        cr_expect_eq(store_query_int(s, "PRAGMA user_version"), store_schema_version());
        cr_expect_geq(store_schema_version(), 1);
        cr_expect_eq(store_query_int(s, "PRAGMA foreign_keys"), 1);
        cr_expect_eq(store_query_int(s, "PRAGMA synchronous"), 2, "FULL");
        cr_expect_eq(store_query_int(s, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                         tables[i]);
                cr_expect_eq(store_query_int(s, sql), 1, "table %s", tables[i]);
        }
        store_close(s);
}

Test(store_db, meta_survives_reopen_and_rollback_discards)
{
        struct store *s;
        char *v = NULL;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_meta_set(s, "salt", "0123abcd"), 0);
        cr_assert_eq(store_meta_set(s, "salt", "4567ef01"), 0, "a second set replaces the value");
        cr_assert_eq(store_begin(s), 0);
        cr_assert_eq(store_meta_set(s, "generation", "7"), 0);
        store_rollback(s);
        store_close(s);

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_meta_get(s, "salt", &v), 0);
        cr_expect_str_eq(v, "4567ef01");
        free(v);
        cr_assert_eq(store_meta_get(s, "generation", &v), 0);
        cr_expect_null(v, "rolled back");
        store_close(s);
}

Test(store_db, reader_sees_commits_while_writer_is_open)
{
        struct store *w, *r;
        char *v = NULL;

        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &r), -ENOENT, "read-only creates nothing");
        cr_expect_neq(access(path, F_OK), 0);
        cr_assert_eq(store_open(store_dir, 0, &w), 0);
        cr_assert_eq(store_begin(w), 0);
        cr_assert_eq(store_meta_set(w, "generation", "41"), 0);
        cr_assert_eq(store_commit(w), 0);
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &r), 0);
        cr_assert_eq(store_meta_get(r, "generation", &v), 0);
        cr_expect_str_eq(v, "41");
        free(v);
        cr_expect_eq(store_meta_set(r, "generation", "42"), -EROFS, "a reader cannot write");
        /* The writer goes on while the reader holds its connection. */
        cr_assert_eq(store_meta_set(w, "generation", "43"), 0);
        cr_assert_eq(store_meta_get(r, "generation", &v), 0);
        cr_expect_str_eq(v, "43");
        free(v);
        store_close(r);
        store_close(w);
}

Test(store_db, a_read_transaction_sees_one_commit)
{
        struct store *w, *r;
        char *v = NULL;

        cr_assert_eq(store_open(store_dir, 0, &w), 0);
        cr_assert_eq(store_meta_set(w, "generation", "1"), 0);
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &r), 0);
        cr_assert_eq(store_read_begin(r), 0);
        cr_assert_eq(store_meta_get(r, "generation", &v), 0);
        cr_expect_str_eq(v, "1");
        free(v);
        cr_assert_eq(store_meta_set(w, "generation", "2"), 0, "the writer is not held up");
        cr_assert_eq(store_meta_get(r, "generation", &v), 0);
        cr_expect_str_eq(v, "1", "a commit made during the read is not seen");
        free(v);
        store_read_end(r);
        cr_assert_eq(store_meta_get(r, "generation", &v), 0);
        cr_expect_str_eq(v, "2");
        free(v);
        store_close(r);
        store_close(w);
}

Test(store_db, corrupt_file_is_moved_aside_and_replaced)
{
        struct store *s;
        glob_t g;
        char pattern[160], text[64] = "";
        FILE *f;
        char *v = NULL;

        write_file(path, "this is not an SQLite database, just text that was here\n");
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &s), -EBADMSG, "a reader reports it and moves nothing");
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_meta_get(s, "salt", &v), 0);
        cr_expect_null(v, "a fresh database");
        store_close(s);

        snprintf(pattern, sizeof(pattern), "%s/%s.corrupt-*", store_dir, STORE_FILE);
        cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
        cr_assert_eq(g.gl_pathc, 1);
        f = fopen(g.gl_pathv[0], "r");
        cr_assert_not_null(f);
        cr_assert_not_null(fgets(text, sizeof(text), f));
        fclose(f);
        globfree(&g);
        cr_expect(strncmp(text, "this is not an SQLite database", 30) == 0, "the old file is kept as it was");
}

Test(store_db, newer_schema_is_left_alone)
{
        struct store *s;
        sqlite3 *db;

        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
        cr_assert_eq(sqlite3_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 999", NULL, NULL, NULL),
                     SQLITE_OK);
        sqlite3_close(db);
        cr_expect_eq(store_open(store_dir, 0, &s), -EPROTO);
        cr_expect_eq(store_open(store_dir, STORE_READ_ONLY, &s), -EPROTO);
        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
        cr_expect_eq(sqlite3_exec(db, "SELECT x FROM future", NULL, NULL, NULL), SQLITE_OK, "untouched");
        sqlite3_close(db);
}

/* A state.db of schema 2 (the version before silences, lifecycle and the
 * sequential SRM): the migration keeps every alert, action, queued
 * delivery and experiment, and adds what 3 has. */
Test(store_db, schema_2_upgrades_losing_nothing)
{
        sqlite3 *db;
        struct store *s;

        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
        for (size_t v = 0; v < 2; v++)
                cr_assert_eq(sqlite3_exec(db, schema_migration(v), NULL, NULL, NULL), SQLITE_OK, "migration %zu", v);
        cr_assert_eq(sqlite3_exec(db,
                "PRAGMA user_version = 2;"
                "INSERT INTO experiments (id, name, first_seen, last_seen, alpha, tuning) VALUES (7, 'x', 1, 2, 0.05, 5000);"
                "INSERT INTO alerts VALUES ('winner', 7, '1', 'firing', 10, 11, 11);"
                "INSERT INTO actions (rule, experiment_id, action, state, intended_at) VALUES ('harm', 7, 'pause', 'done', 12);"
                "INSERT INTO outbox (id, notifier, body, created_at_usec) VALUES ('evt_1', 'ops', '{}', 13);",
                NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
        sqlite3_close(db);

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(store_query_int(s, "PRAGMA user_version"), store_schema_version());
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM alerts WHERE rule = 'winner' AND held = 0"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM actions WHERE state = 'done'"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM outbox WHERE id = 'evt_1'"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM experiments WHERE id = 7 AND srm_min_p IS NULL"), 1,
                     "no SRM minimum yet: it starts at the next poll");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM silences"), 0);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM listed"), 0, "the first discovery takes the baseline");
        store_close(s);
}

/* A state.db of schema 3 (silences and held alerts, before digests): the
 * migration keeps the silences, the held alert, the queued delivery and the
 * listed experiments, and adds the digests' tables, empty. */
Test(store_db, schema_3_upgrades_losing_nothing)
{
        sqlite3 *db;
        struct store *s;

        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
        for (size_t v = 0; v < 3; v++)
                cr_assert_eq(sqlite3_exec(db, schema_migration(v), NULL, NULL, NULL), SQLITE_OK, "migration %zu", v);
        cr_assert_eq(sqlite3_exec(db,
                "PRAGMA user_version = 3;"
                "INSERT INTO experiments (id, name, first_seen, last_seen, srm_min_p) VALUES (7, 'x', 1, 2, 0.5);"
                "INSERT INTO alerts (rule, experiment_id, variant_id, state, active_since, fired_at, last_notified, held) "
                "  VALUES ('winner', 7, '1', 'firing', 10, 11, 11, 1);"
                "INSERT INTO silences (experiment_id, rule, starts_at, ends_at, comment, actions, created_at) "
                "  VALUES (7, 'winner', 5, 99999999999, 'launch week', 1, 5);"
                "INSERT INTO actions (rule, experiment_id, action, state, intended_at) VALUES ('harm', 7, 'pause', 'done', 12);"
                "INSERT INTO outbox (id, notifier, body, created_at_usec) VALUES ('evt_1', 'ops', '{}', 13);"
                "INSERT INTO listed (experiment_id, name, status) VALUES (7, 'x', 1);",
                NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
        sqlite3_close(db);

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(store_query_int(s, "PRAGMA user_version"), store_schema_version());
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM alerts WHERE rule = 'winner' AND held = 1"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM silences WHERE comment = 'launch week' AND actions = 1"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM actions WHERE state = 'done'"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM outbox WHERE id = 'evt_1'"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM listed WHERE experiment_id = 7"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM experiments WHERE id = 7 AND srm_min_p = 0.5"), 1);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM digests"), 0);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM digest_schedules"), 0, "a digest is armed when first run");
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM alert_log"), 0);
        store_close(s);
}

Test(store_db, listed_row_by_its_key)
{
        struct store_listed_row row;
        struct store *s;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(store_listed_upsert(s, &(struct store_listed_row) { .experiment_id = 7, .name = "x", .status = 1,
                                                                         .completed = false, .live_since = 42 }), 0);
        cr_expect_eq(store_listed_get(s, 8, &row), 0, "no row");
        cr_assert_eq(store_listed_get(s, 7, &row), 1);
        cr_expect(row.experiment_id == 7 && row.status == 1 && !row.completed && row.live_since == 42 && !row.name);
        store_close(s);
}

Test(store_db, errno_of_result_codes)
{
        cr_expect_eq(store_errno(SQLITE_OK), 0);
        cr_expect_eq(store_errno(SQLITE_DONE), 0);
        cr_expect_eq(store_errno(SQLITE_FULL), -ENOSPC);
        cr_expect_eq(store_errno(SQLITE_IOERR_FSYNC), -EIO, "an extended code maps by its primary one");
        cr_expect_eq(store_errno(SQLITE_READONLY_DBMOVED), -EROFS);
        cr_expect_eq(store_errno(SQLITE_NOTADB), -EBADMSG);
        cr_expect_eq(store_errno(SQLITE_BUSY_SNAPSHOT), -EBUSY);
}
