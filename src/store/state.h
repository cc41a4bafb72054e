/* Room store/: persistence in the state directory — the SQLite database
 * state.db (db.h, its group commit and the typed rows beside it) with the
 * watch list, the history of every poll, alerts, actions, the outbox and
 * health; the one-daemon-per-directory lock; and the readers of the JSON
 * files 0.1.0 kept there, which the upgrade imports (this file and
 * json_state_file.h).
 * May use: stats/ (the analyses and sequential states it keeps), config/
 * (rule actions by name), util/.
 * Used by: notify, rules, actions, daemon, cli.
 *
 * This file: the daemon summary, and the watch list as JSON — `status
 * --json` prints it, and 0.1.0's state.json is read back from it. */
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

/* Reads 0.1.0's dir/state.json into w and s. load: a missing file is a
 * fresh start; a corrupt one is moved aside (logged) and also a fresh
 * start; a negative errno only when the directory cannot be read. read
 * changes nothing: 0, -ENOENT, -EINVAL when corrupt, or another negative
 * errno; on failure w and s are left empty. */
int state_load(const char *dir, struct watchlist *w, struct daemon_summary *s);
int state_read(const char *dir, struct watchlist *w, struct daemon_summary *s);

/* The whole state as JSON (0.1.0's state.json, and `status --json`), and
 * its reader. */
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
