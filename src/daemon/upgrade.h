/* The upgrade from 0.1.0: the first start on a state directory that 0.1.0
 * wrote imports its JSON files into state.db, in one transaction, then
 * moves them into <dir>/imported-0.1.0/ (kept, never deleted).
 *
 * The files of 0.1.0, read with 0.1.0's own readers (upgrade_read.h, the
 * only code that still reads them):
 *   state.json     the watch list and the daemon summary
 *   alerts.json    the alerts, the event-id salt and generation (rules.h)
 *   actions.json   the action ledger and its circuit flag (actions.h)
 *   health.json    the health conditions (health.h)
 *   outbox/        one file per queued delivery, <notifier>.<id>.json;
 *                  outbox/failed/ holds the given-up ones, which the store
 *                  does not keep: they move with outbox/ and are not
 *                  imported.
 *
 * The caller, at start, with the state lock held and the store open
 * read-write:
 *
 *     r = upgrade_import_0_1_0(dir, s);
 *     if (r > 0)
 *             r = upgrade_move_imported(dir);
 *
 * A crash between the commit and the move is harmless: the next start
 * finds the files still there and the store's marker (STORE_META_IMPORTED)
 * set, imports nothing and finishes the move. Since the store then holds
 * every alert, action, delivery (under its original id) and the event-id
 * salt and generation, nothing already sent is sent again, no action is
 * repeated, and every queued delivery is delivered once. */
#pragma once

struct store;

#define UPGRADE_IMPORTED_DIR "imported-0.1.0"

/* Imports the 0.1.0 files of dir into s, all in one transaction with the
 * marker STORE_META_IMPORTED = "0.1.0".
 * - none of the files (nor outbox/) is there: returns 0, nothing done;
 * - the marker is set already: returns 1, nothing imported again;
 * - otherwise every file is read and written to s: the watch list through
 *   store_experiment_save (first_seen = last_seen = the import time) and
 *   the summary; alerts, salt and generation; the ledger and its circuit
 *   flag; the health conditions; the queued deliveries with their
 *   original ids, bodies, times, attempts and last errors, in created_at
 *   order. Returns 1.
 * A corrupt file (one its reader cannot parse) does not stop the import of
 * the others: the 0.1.0 reader logs a warning and moves it aside
 * (<name>.corrupt-<time>, left in dir); a corrupt outbox file is logged
 * and left in outbox/ (it moves with it). Everything else that cannot be
 * read (-EACCES, -EIO, -ENOMEM ...) and any write error rolls back and is
 * returned as -errno: nothing is half imported, and the files stay where
 * they are for the next try. */
int upgrade_import_0_1_0(const char *dir, struct store *s);

/* Moves state.json, alerts.json, health.json, actions.json and outbox/
 * (with outbox/failed/), those that are there, into
 * dir/UPGRADE_IMPORTED_DIR (created 0700 when something is to be moved). A
 * name already taken there is never replaced: the newcomer gets a numeric
 * suffix (state.json.1, .2, ...). The *.corrupt-* files of the readers
 * stay where they are. Idempotent: with nothing left to move it does
 * nothing. Returns how many were moved, or -errno (the first error; the
 * other names are still moved). */
int upgrade_move_imported(const char *dir);
