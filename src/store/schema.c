/* The schema of state.db, as the migrations that build it: migration i
 * takes user_version i to i + 1. A released migration never changes; a
 * new schema is a new entry at the end. Times are Unix seconds unless a
 * column says µs; booleans are 0/1. */
#include "schema.h"

#include <stddef.h>

static const char *const migrations[] = {
        /* 0 → 1: everything 0.1.0 kept in JSON files, and the poll history. */
        "CREATE TABLE meta ("
        "  key TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ") WITHOUT ROWID;"

        /* One row per experiment ever watched. analysis: the last one, as
         * `analyze --json` prints it; start_date, alpha, tuning: what the
         * sequential running values below were computed with. */
        "CREATE TABLE experiments ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT,"
        "  first_seen INTEGER NOT NULL,"
        "  last_seen INTEGER NOT NULL,"
        "  active INTEGER NOT NULL DEFAULT 0,"
        "  status INTEGER,"
        "  polled_at INTEGER NOT NULL DEFAULT 0,"
        "  visitors INTEGER NOT NULL DEFAULT -1,"
        "  visitors_grew_at INTEGER NOT NULL DEFAULT 0,"
        "  failures INTEGER NOT NULL DEFAULT 0,"
        "  last_http_status INTEGER NOT NULL DEFAULT 0,"
        "  last_error TEXT,"
        "  analysis TEXT,"
        "  start_date TEXT,"
        "  alpha REAL,"
        "  tuning REAL"
        ");"

        /* Each variant's sequential running state: the counts of the last
         * snapshot, and the running minimum p and interval intersection. */
        "CREATE TABLE sequential ("
        "  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
        "  variant_id TEXT NOT NULL,"
        "  position INTEGER NOT NULL,"
        "  visitors INTEGER NOT NULL,"
        "  conversions INTEGER NOT NULL,"
        "  has_bound INTEGER NOT NULL,"
        "  min_p REAL, low REAL, high REAL,"
        "  PRIMARY KEY (experiment_id, variant_id)"
        ") WITHOUT ROWID;"

        /* The history: raw counts only, a row when they changed. Every
         * figure is recomputable from them and the statistics settings. */
        "CREATE TABLE polls ("
        "  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
        "  variant_id TEXT NOT NULL,"
        "  polled_at INTEGER NOT NULL,"
        "  visitors INTEGER NOT NULL,"
        "  conversions INTEGER NOT NULL,"
        "  PRIMARY KEY (experiment_id, polled_at, variant_id)"
        ") WITHOUT ROWID;"
        /* A variant's latest counts in one lookup, also when the others
         * went on changing after it stopped. */
        "CREATE INDEX polls_by_variant ON polls (experiment_id, variant_id, polled_at);"

        /* The alert state machine: rule × experiment × variant ('' for an
         * experiment-level rule). state: 'pending' or 'firing'. */
        "CREATE TABLE alerts ("
        "  rule TEXT NOT NULL,"
        "  experiment_id INTEGER NOT NULL,"
        "  variant_id TEXT NOT NULL DEFAULT '',"
        "  state TEXT NOT NULL CHECK (state IN ('pending', 'firing')),"
        "  active_since INTEGER NOT NULL,"
        "  fired_at INTEGER NOT NULL DEFAULT 0,"
        "  last_notified INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (rule, experiment_id, variant_id)"
        ") WITHOUT ROWID;"

        /* The action ledger: at most one entry per rule × experiment.
         * state: 'intended', 'done', 'failed', 'dry-run'. */
        "CREATE TABLE actions ("
        "  rule TEXT NOT NULL,"
        "  experiment_id INTEGER NOT NULL,"
        "  action TEXT NOT NULL,"
        "  variant_id TEXT,"
        "  traffic_allocation INTEGER NOT NULL DEFAULT 0,"
        "  state TEXT NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  intended_at INTEGER NOT NULL,"
        "  finished_at INTEGER NOT NULL DEFAULT 0,"
        "  http_status INTEGER NOT NULL DEFAULT 0,"
        "  error TEXT,"
        "  PRIMARY KEY (rule, experiment_id)"
        ") WITHOUT ROWID;"

        /* Queued deliveries, delivered in order per notifier; a row goes
         * when its delivery succeeded or was given up. */
        "CREATE TABLE outbox ("
        "  seq INTEGER PRIMARY KEY,"
        "  id TEXT NOT NULL,"
        "  notifier TEXT NOT NULL,"
        "  body TEXT NOT NULL,"
        "  created_at_usec INTEGER NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_attempt_at_usec INTEGER NOT NULL DEFAULT 0,"
        "  last_error TEXT,"
        "  UNIQUE (notifier, id)"
        ");"

        /* The monitor's own health conditions, one per condition × subject. */
        "CREATE TABLE health ("
        "  condition TEXT NOT NULL,"
        "  subject TEXT NOT NULL DEFAULT '',"
        "  name TEXT,"
        "  detail TEXT,"
        "  since INTEGER NOT NULL,"
        "  alerted_at INTEGER NOT NULL DEFAULT 0,"
        "  last_notified INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (condition, subject)"
        ") WITHOUT ROWID;",

        /* 1 → 2: the last analysis is recomputed when read, no longer kept
         * as text (serialising it cost ~18 % of a poll). result: what it is
         * computed from besides the polls rows and the sequential rows (the
         * variants, in order, with names and control; an arm whose counts
         * are not valid with its raw counts, as polls has no row of them),
         * as JSON; result_hash: its fingerprint, so that a poll rewrites the
         * text only when it changed. analysis stays for what 0.1.0's import
         * wrote and is NULL once the experiment is polled. */
        "ALTER TABLE experiments ADD COLUMN result TEXT;"
        "ALTER TABLE experiments ADD COLUMN result_hash INTEGER;",

        /* 2 → 3: silences, and the alerts whose notification they (or an
         * inhibition) held back. A silence matches the alerts of its
         * experiment (NULL: any), rule (NULL: any) and variant (NULL: any;
         * at least experiment or rule is set); it lasts from starts_at to
         * ends_at, or to expired_at when expired early. held: the alert
         * fired (or repeated) while held back and is owed one message when
         * nothing holds it any more. */
        "CREATE TABLE silences ("
        "  id INTEGER PRIMARY KEY,"
        "  experiment_id INTEGER,"
        "  rule TEXT,"
        "  variant_id TEXT,"
        "  starts_at INTEGER NOT NULL,"
        "  ends_at INTEGER NOT NULL,"
        "  expired_at INTEGER,"
        "  comment TEXT NOT NULL,"
        "  actions INTEGER NOT NULL DEFAULT 0,"
        "  created_at INTEGER NOT NULL,"
        "  created_by TEXT,"
        "  CHECK (experiment_id IS NOT NULL OR rule IS NOT NULL)"
        ");"
        "ALTER TABLE alerts ADD COLUMN held INTEGER NOT NULL DEFAULT 0;"

        /* The experiment list as the last complete discovery saw it, to
         * tell lifecycle changes: status as the API gives it (9 draft,
         * 1 live, 0 inactive), completed its is_completed, live_since when
         * it last became live (so that a stop after this daemon's own
         * pause is recognised). */
        /* The sequential SRM test's running minimum p-value (NULL: none
         * yet) and the prior concentration it was computed with. */
        "ALTER TABLE experiments ADD COLUMN srm_min_p REAL;"
        "ALTER TABLE experiments ADD COLUMN srm_concentration REAL;"

        "CREATE TABLE listed ("
        "  experiment_id INTEGER PRIMARY KEY,"
        "  name TEXT,"
        "  status INTEGER NOT NULL,"
        "  completed INTEGER NOT NULL DEFAULT 0,"
        "  live_since INTEGER NOT NULL DEFAULT 0"
        ");",

        /* 3 → 4: digests and what they summarise. digests: each digest
         * sent, by name and the slot it was for (a scheduled one: its
         * scheduled time, once; one sent by hand: extra = 1, slot its
         * sending time), with its event id; the row commits with the
         * outbox rows that deliver it. digest_schedules: when the daemon
         * first ran a digest's schedule, so that a digest added after its
         * time is not sent at once. alert_log: every alert that fired or
         * resolved, for "since the previous digest" (pruned with the
         * history). */
        "CREATE TABLE digests ("
        "  name TEXT NOT NULL,"
        "  slot INTEGER NOT NULL,"
        "  extra INTEGER NOT NULL DEFAULT 0,"
        "  id TEXT NOT NULL,"
        "  sent_at INTEGER NOT NULL,"
        "  PRIMARY KEY (name, extra, slot)"
        ") WITHOUT ROWID;"
        "CREATE TABLE digest_schedules ("
        "  name TEXT PRIMARY KEY,"
        "  armed_at INTEGER NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE TABLE alert_log ("
        "  at INTEGER NOT NULL,"
        "  rule TEXT NOT NULL,"
        "  experiment_id INTEGER NOT NULL,"
        "  variant_id TEXT NOT NULL DEFAULT '',"
        "  event TEXT NOT NULL CHECK (event IN ('fired', 'resolved')),"
        "  held INTEGER NOT NULL DEFAULT 0"
        ");"
        "CREATE INDEX alert_log_by_time ON alert_log (at);",
};

size_t schema_migration_count(void)
{
        return sizeof(migrations) / sizeof(migrations[0]);
}

const char *schema_migration(size_t from_version)
{
        return from_version < schema_migration_count() ? migrations[from_version] : NULL;
}
