/* Room store/: persistence in the state directory — the SQLite database
 * state.db (this file, its group commit and the typed rows beside it) with
 * the watch list, the history of every poll, alerts, actions, the outbox
 * and health; and the one-daemon-per-directory lock. (0.1.0's JSON files
 * are read only by the upgrade, in daemon/.)
 * May use: stats/ (the analyses and sequential states it keeps), config/
 * (rule actions by name), util/.
 * Used by: notify, rules, actions, daemon, cli.
 *
 * This file: state.db itself — opening it with the pragmas the daemon
 * relies on, numbering its schema and migrating it forward, and moving a
 * corrupt one aside. Only src/store/ speaks SQL; the rest of the program
 * sees the typed functions of the store's other files.
 *
 * The daemon opens it read-write (one daemon per state directory: the state
 * lock of state_lock.h); `status` and `history` open it read-only, which
 * works while the daemon writes (WAL). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct sqlite3;
struct sqlite3_stmt;

#define STORE_FILE "state.db"

enum store_flags {
        STORE_READ_ONLY = 1 << 0,   /* never creates, migrates or moves anything */
};

struct store;

/* Opens <dir>/state.db (creating it read-write) and migrates its schema to
 * store_schema_version(). A file that is not a database, or whose schema
 * cannot be read, is renamed to state.db.corrupt-<UTC time> with a logged
 * warning and a fresh database takes its place (read-write only).
 * Returns 0, -ENOENT (read-only and no database yet), -EPROTO (its schema
 * is newer than this program's: nothing is changed), -EBADMSG (read-only
 * and corrupt) or another -errno (see store_errno). */
int store_open(const char *dir, unsigned flags, struct store **ret);
void store_close(struct store *s);

/* The schema version this program writes (PRAGMA user_version). */
int store_schema_version(void);

/* The schema version of the open database: store_schema_version() once
 * opened read-write; read-only, an older database is read as it is (a
 * `status` run before the daemon migrated it), so that readers know which
 * columns it has. */
int store_version(const struct store *s);

/* A transaction: BEGIN IMMEDIATE, so that a writer never meets SQLITE_BUSY
 * halfway through. Commit returns 0 or -errno; on failure the transaction
 * is rolled back. */
int store_begin(struct store *s);
/* A read transaction (also on a read-only store): every read between the
 * two sees the same commit, however the daemon writes meanwhile. */
int store_read_begin(struct store *s);
void store_read_end(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* PRAGMA data_version: changes when another connection (a `silence`
 * command) commits to the database. 0 or -errno. */
int store_data_version(struct store *s, long long *ret);

/* meta: small named values (salt, generation, ...). get sets *value to a
 * malloc'd copy, or NULL when the key is absent; both return 0 or -errno. */
int store_meta_get(struct store *s, const char *key, char **value);
int store_meta_set(struct store *s, const char *key, const char *value);

/* For the store's own files: the connection, a statement prepared once for
 * the connection's life (sql must be a literal: it is the cache's key; NULL
 * on failure), the negative errno for an SQLite result code, and the last
 * error's text. */
struct sqlite3 *store_db(struct store *s);
struct sqlite3_stmt *store_statement(struct store *s, const char *sql);
int store_errno(int sqlite_result);
/* The last error as store_error() has it, with the system's reason when
 * SQLite has one ("disk I/O error: Read-only file system"); valid until the
 * next call. store_commit_error: the same, kept when a COMMIT failed,
 * before its ROLLBACK. */
const char *store_failure(struct store *s);
const char *store_commit_error(struct store *s);
/* The -errno of a store_statement() that returned NULL (never 0). */
int store_statement_errno(struct store *s);
const char *store_error(struct store *s);
