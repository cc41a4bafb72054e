/* state.db: open, pragmas, migrations, a corrupt file moved aside. */
#include "db.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"
#include "util/atomic_file.h"
#include "util/log.h"

/* A writer waiting for `status` or `sqlite3` to finish a read waits this
 * long before it reports the database busy. */
#define BUSY_TIMEOUT_MS 5000

struct cached_statement {
        const char *sql;            /* the literal it was prepared from */
        sqlite3_stmt *stmt;
};

struct store {
        sqlite3 *db;
        char *path;
        bool read_only;
        int version;                /* PRAGMA user_version, after the migrations */
        struct cached_statement *statements;
        size_t n_statements, cap_statements;
        char error[256];            /* store_failure's, store_commit_error's */
};

int store_errno(int result)
{
        switch (result & 0xff) {   /* the primary code of an extended one */
        case SQLITE_OK: case SQLITE_ROW: case SQLITE_DONE: return 0;
        case SQLITE_NOMEM:    return -ENOMEM;
        case SQLITE_FULL:     return -ENOSPC;
        case SQLITE_READONLY: return -EROFS;
        case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
        case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
        case SQLITE_CANTOPEN: return -ENOENT;
        case SQLITE_CORRUPT: case SQLITE_NOTADB: return -EBADMSG;
        case SQLITE_CONSTRAINT: return -EEXIST;
        case SQLITE_TOOBIG:   return -E2BIG;
        case SQLITE_MISUSE: case SQLITE_RANGE: return -EINVAL;
        default:              return -EIO;
        }
}

int store_statement_errno(struct store *s)
{
        int r = store_errno(sqlite3_errcode(s->db));

        return r < 0 ? r : -ENOMEM;   /* the cache could not grow: SQLite saw no error */
}

const char *store_error(struct store *s)
{
        return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

int store_schema_version(void)
{
        return (int) schema_migration_count();
}

sqlite3 *store_db(struct store *s)
{
        return s->db;
}

sqlite3_stmt *store_statement(struct store *s, const char *sql)
{
        struct cached_statement *c;

        for (size_t i = 0; i < s->n_statements; i++)
                if (s->statements[i].sql == sql) {
                        sqlite3_reset(s->statements[i].stmt);
                        sqlite3_clear_bindings(s->statements[i].stmt);
                        return s->statements[i].stmt;
                }
        if (s->n_statements == s->cap_statements) {
                size_t cap = s->cap_statements ? s->cap_statements * 2 : 16;
                c = realloc(s->statements, cap * sizeof(*c));
                if (!c)
                        return NULL;
                s->statements = c;
                s->cap_statements = cap;
        }
        c = &s->statements[s->n_statements];
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt, NULL) != SQLITE_OK)
                return NULL;
        c->sql = sql;
        s->n_statements++;
        return c->stmt;
}

static int exec(struct store *s, const char *sql)
{
        return store_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

int store_begin(struct store *s)
{
        return exec(s, "BEGIN IMMEDIATE");
}

int store_read_begin(struct store *s)
{
        return exec(s, "BEGIN");
}

void store_read_end(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                (void) exec(s, "COMMIT");
}

/* SQLite's words for the last error, with the system's when it has them
 * (a read-only file system is only "disk I/O error" to SQLite). */
static void keep_error(struct store *s)
{
        int sys = sqlite3_system_errno(s->db);

        if (sys > 0)
                snprintf(s->error, sizeof(s->error), "%s: %s", sqlite3_errmsg(s->db), strerror(sys));
        else
                snprintf(s->error, sizeof(s->error), "%s", sqlite3_errmsg(s->db));
}

int store_commit(struct store *s)
{
        int r = exec(s, "COMMIT");

        if (r < 0) {
                keep_error(s);   /* before the ROLLBACK replaces it */
                store_rollback(s);
        }
        return r;
}

const char *store_failure(struct store *s)
{
        keep_error(s);
        return s->error;
}

const char *store_commit_error(struct store *s)
{
        return s->error;
}

void store_rollback(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                (void) exec(s, "ROLLBACK");
}

static int user_version(struct store *s, int *ret)
{
        sqlite3_stmt *st = NULL;
        int r = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);

        if (r == SQLITE_OK)
                r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                *ret = sqlite3_column_int(st, 0);
                r = SQLITE_OK;
        }
        sqlite3_finalize(st);
        return store_errno(r);
}

/* Each pending migration in its own transaction with its version number:
 * a crash leaves the database at one version or the next, never between. */
static int migrate(struct store *s, int from)
{
        for (size_t v = (size_t) from; v < schema_migration_count(); v++) {
                char bump[64];
                int r = store_begin(s);

                snprintf(bump, sizeof(bump), "PRAGMA user_version = %zu", v + 1);
                if (r >= 0)
                        r = exec(s, schema_migration(v));
                if (r >= 0)
                        r = exec(s, bump);
                if (r >= 0)
                        r = store_commit(s);
                if (r < 0) {
                        log_error("%s: cannot migrate the schema from version %zu: %s", s->path, v,
                                  store_error(s));
                        store_rollback(s);
                        return r;
                }
                if (from > 0)   /* a new database is created at the latest version, silently */
                        log_notice("%s: schema migrated to version %zu", s->path, v + 1);
        }
        return 0;
}

/* WAL: readers (status) never block the daemon; FULL: a commit is on disk
 * when it returns, which is what "recorded before it leaves" relies on. */
static int configure(struct store *s)
{
        int r = store_errno(sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS));

        if (r >= 0)
                r = exec(s, "PRAGMA foreign_keys = ON");
        if (r >= 0 && !s->read_only)
                r = exec(s, "PRAGMA journal_mode = WAL");
        if (r >= 0 && !s->read_only)
                r = exec(s, "PRAGMA synchronous = FULL");
        /* The daemon rereads little: each experiment's pages once per cycle.
         * 512 KiB of page cache holds the B-tree's inner pages; SQLite's
         * default of 2 MiB bought no speed (bench/daemon) and cost RSS. */
        if (r >= 0)
                r = exec(s, "PRAGMA cache_size = -512");
        if (r >= 0 && !s->read_only) {
                /* Keep -wal and -shm when the daemon stops: without them a
                 * reader that may not write the directory (status run by
                 * another user) cannot open a WAL database at all. */
                int persist = 1;
                r = store_errno(sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist));
        }
        return r;
}

static void store_free(struct store *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_statements; i++)
                sqlite3_finalize(s->statements[i].stmt);
        free(s->statements);
        sqlite3_close(s->db);
        free(s->path);
        free(s);
}

int store_version(const struct store *s)
{
        return s->version;
}

void store_close(struct store *s)
{
        store_free(s);
}

/* Opens and checks: the schema version, read, is what tells a database
 * from a corrupt file (SQLite reads the header and the schema for it). */
static int open_checked(const char *path, bool read_only, struct store **ret, int *version)
{
        struct store *s = calloc(1, sizeof(*s));
        int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        int r;

        if (!s || !(s->path = strdup(path))) {
                free(s);
                return -ENOMEM;
        }
        s->read_only = read_only;
        r = store_errno(sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL));
        if (r >= 0)
                r = configure(s);
        if (r >= 0)
                r = user_version(s, version);
        if (r >= 0)
                r = exec(s, "SELECT count(*) FROM sqlite_master");
        if (r < 0) {
                store_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* The database with its -wal and -shm, under one new name (SQLite opens
 * the set together), never over an earlier corrupt copy. */
static void move_corrupt_aside(const char *dir)
{
        static const char *const companions[] = { "-wal", "-shm" };
        char moved[NAME_MAX + 1];
        int r = move_aside_with(dir, STORE_FILE, companions, 2, moved, sizeof(moved));

        if (r < 0)
                log_error("%s/%s: not a readable database, and it cannot be moved aside: %s", dir, STORE_FILE,
                          strerror(-r));
        else
                log_warning("%s/%s: not a readable database; moved aside as %s/%s, starting with an empty state",
                            dir, STORE_FILE, dir, moved);
}

int store_open(const char *dir, unsigned flags, struct store **ret)
{
        bool read_only = flags & STORE_READ_ONLY;
        struct store *s = NULL;
        char *path = NULL;
        int version = 0, r;

        if (asprintf(&path, "%s/%s", dir, STORE_FILE) < 0)
                return -ENOMEM;
        if (read_only && access(path, F_OK) < 0) {
                free(path);
                return -ENOENT;
        }
        r = open_checked(path, read_only, &s, &version);
        if (r == -EBADMSG && !read_only) {
                move_corrupt_aside(dir);
                r = open_checked(path, read_only, &s, &version);
        }
        free(path);
        if (r < 0)
                return r;
        if (version > store_schema_version()) {
                log_error("%s: its schema (version %d) is newer than this mida-monitor's (%d); "
                          "not touching it: run the newer version", s->path, version, store_schema_version());
                store_free(s);
                return -EPROTO;
        }
        if (!read_only && version < store_schema_version()) {
                r = migrate(s, version);
                version = store_schema_version();
        }
        if (r < 0) {
                store_free(s);
                return r;
        }
        s->version = version;
        *ret = s;
        return 0;
}

int store_meta_get(struct store *s, const char *key, char **value)
{
        static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
        sqlite3_stmt *st = store_statement(s, sql);
        int r;

        *value = NULL;
        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW && !(*value = strdup((const char *) sqlite3_column_text(st, 0))))
                r = SQLITE_NOMEM;
        sqlite3_reset(st);
        return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : store_errno(r);
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
        static const char sql[] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        sqlite3_stmt *st = store_statement(s, sql);
        int r;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        sqlite3_reset(st);
        return store_errno(r);
}

int store_data_version(struct store *s, long long *ret)
{
        sqlite3_stmt *st = store_statement(s, "PRAGMA data_version");
        int r;

        if (!st)
                return store_errno(sqlite3_errcode(s->db)) < 0 ? store_errno(sqlite3_errcode(s->db)) : -EIO;
        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                *ret = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return r == SQLITE_ROW ? 0 : store_errno(r) < 0 ? store_errno(r) : -EIO;
}
