/* Room store/: persistence in the state directory — the watch list and
 * what the daemon remembers of each experiment (state.json, streamed both
 * ways), the small JSON state files other rooms keep there (alerts.json,
 * actions.json), and the one-daemon-per-directory lock; and the SQLite
 * database that replaces those files (db.h and the *_rows.h beside it).
 * May use: stats/ (the analyses and sequential states it keeps), config/
 * (rule actions by name), util/.
 * Used by: rules, actions, daemon, cli.
 *
 * The state directory: what the daemon remembers across cycles and
 * restarts, in one JSON file written atomically after each cycle. */
#pragma once
#include <json-c/json.h>
#include <stdint.h>

#include "watchlist.h"

#define STATE_FILE "state.json"
#define STATE_VERSION 1             /* its "version"; another is not read */

/* The daemon-wide part, shown by `status` and STATUS=. */
struct daemon_summary {
        int64_t started_at;          /* wall clock, seconds */
        int64_t last_cycle_at;       /* 0: no cycle finished yet */
        double last_cycle_seconds;
        unsigned last_cycle_polled;
        unsigned last_cycle_failed;
        char api_error[200];         /* empty while the API answers */
};

/* Loads dir/state.json into w and s. A missing file is a fresh start; a
 * corrupt one is moved aside (logged) and also a fresh start. Returns a
 * negative errno only when the directory cannot be created or read. */
int state_load(const char *dir, struct watchlist *w, struct daemon_summary *s);
/* Reads without changing anything (for `once` and `status`): 0, -ENOENT,
 * -EINVAL when corrupt, or another negative errno; on failure w and s are
 * left empty. */
int state_read(const char *dir, struct watchlist *w, struct daemon_summary *s);
/* Writes everything atomically; on failure (full disk, read-only) the
 * previous file stays intact and the error is returned. */
int state_save(const char *dir, const struct watchlist *w, const struct daemon_summary *s);

/* The whole state as JSON (what state_save writes), and the reader used by
 * state_load and `status`. */
json_object *state_to_json(const struct watchlist *w, const struct daemon_summary *s);
/* Its parts: one element of "experiments" (the fields: all but its last
 * member, "analysis"), and "daemon". */
json_object *state_experiment_to_json(const struct watched_experiment *e);
json_object *state_experiment_fields_to_json(const struct watched_experiment *e);
json_object *state_summary_to_json(const struct daemon_summary *s);
int state_from_json(json_object *root, struct watchlist *w, struct daemon_summary *s);
/* The readers of those parts: 0, -EINVAL (no integer id) or -ENOMEM. */
int state_experiment_from_json(json_object *o, struct watchlist *w);
void state_summary_from_json(json_object *o, struct daemon_summary *s);
