/* The watch list in state.db: the experiments, sequential and polls tables,
 * and the daemon summary (in meta). The only code that speaks SQL for them;
 * it carries what state.json carried in 0.1.0, and the history of raw
 * counts that `history` shows.
 *
 * Group commit: none of these functions begins or commits a transaction.
 * The caller wraps a cycle's worth of them (every experiment's save and
 * poll record, the summary) in one store_begin() … store_commit(): one
 * fsync per cycle, and a crash leaves the previous cycle whole. Outside a
 * transaction each statement is its own (autocommit), which works but pays
 * an fsync each.
 *
 * Every statement is prepared once per connection (store_statement) and
 * only bound and stepped afterwards. Errors are -errno as store_errno maps
 * them; the SQLite text is in store_error(s). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "watchlist.h"
#include "config/statistics_settings.h"

/* The daemon-wide part, shown by `status` and STATUS=. */
struct daemon_summary {
        int64_t started_at;          /* wall clock, seconds */
        int64_t last_cycle_at;       /* 0: no cycle finished yet */
        double last_cycle_seconds;
        unsigned last_cycle_polled;
        unsigned last_cycle_failed;
        char api_error[200];         /* empty while the API answers */
};

/* Upserts e's experiments row and replaces its sequential rows.
 * - first_seen is now when the row is created, then never changes;
 *   last_seen = now on every save;
 * - status: e->last->status_code when e->last knows it (not -1);
 *   otherwise the stored status is kept;
 * - while e->current is set: result (analysis_restore.h), written only
 *   when its fingerprint (result_hash) differs from the row's, and
 *   analysis NULL: the analysis is recomputed when read, not stored;
 * - while it is NULL: analysis = e->restored_analysis (0.1.0's JSON text
 *   before the first poll, NULL after it); result is kept;
 * - start_date, alpha, tuning and one sequential row per variant (position
 *   = index in e->sequential->variants) when e->sequential is set; when it
 *   is not (not loaded: store_sequential_load), the stored ones stay, and a
 *   new row has none (alpha IS NULL means "no sequential state").
 * e->sequential_error, retry_at_usec, failure_logged and seen are runtime
 * only and not stored (state.json did not store them either).
 * Returns 0 or -errno. */
int store_experiment_save(struct store *s, const struct watched_experiment *e, int64_t now);

/* Appends to the history: for each variant of e->current whose counts are
 * valid (counts_valid: reported, non-negative, conversions ≤ visitors), a
 * polls row (experiment_id, variant_id, polled_at = e->polled_at, visitors,
 * conversions), but only when they differ from that variant's latest row;
 * a variant without any row (first poll, pruned away, new variant) always
 * gets one. A second record at the same polled_at with other counts
 * replaces that row. Nothing when e->current is NULL.
 * The experiments row must exist (store_experiment_save first, in the same
 * transaction): otherwise -ENOENT.
 * Returns the number of rows written, or -errno. */
int store_poll_record(struct store *s, const struct watched_experiment *e);

/* Rebuilds the watch list from the experiments and sequential tables, as
 * 0.1.0 did from state.json: every experiment ever saved, with id,
 * name, active, polled_at, visitors, visitors_grew_at, failures,
 * last_http_status, last_error, and the last analysis as
 * e->restored_analysis (its JSON text; current stays NULL). With settings
 * (a reader), also the sequential state as a struct, and the analysis
 * recomputed for every polled experiment from its result, polls and
 * sequential rows (analysis_restore.h; one whose rows do not make a result
 * gets none). Without (the daemon), no sequential state, which each poll
 * loads (store_sequential_load), and only the text 0.1.0's import stored. The recomputed analysis is the one of the last poll as long as
 * the statistics settings are those it ran with.
 * Sequential rows that do not make a state (min_p/low/high missing with
 * has_bound, e.g. a NaN SQLite stored as NULL) leave e->sequential NULL and
 * e->sequential_error set, as an unreadable state.json member did: the next
 * poll logs it and starts that history afresh.
 * w should be empty (existing entries would be updated in place). No json-c
 * tree is kept: sequential scans of the tables, and with settings one polls
 * lookup per variant. Works on a read-only store. Returns 0 or -errno; on
 * failure w is cleared. */
int store_watchlist_load(struct store *s, struct watchlist *w, const struct statistics_settings *settings);

/* The same recomputation for one experiment of a watch list loaded without
 * settings: e->restored_analysis replaced when e has a stored result (one
 * that does not make a result leaves it NULL), kept otherwise; e's
 * sequential state is loaded for it when e has none, and dropped again.
 * For a reader that needs one experiment's analysis (history), and the
 * daemon's experiments not polled since start. Returns 0 or -errno. */
int store_experiment_restore(struct store *s, struct watched_experiment *e,
                             const struct statistics_settings *settings);

/* The same recomputation as a struct into *out (free with
 * experiment_analysis_free), e unchanged: for a reader that wants the
 * figures, not their text (a digest). Returns 1 with *out, 0 when e has no
 * stored result that makes one, or -errno. */
int store_experiment_analysis(struct store *s, struct watched_experiment *e,
                              const struct statistics_settings *settings, struct experiment_analysis *out);

/* Replaces e->sequential with the state its rows hold: NULL when the row
 * has none (or there is no row), NULL with e->sequential_error set when the
 * rows do not make a state (as store_watchlist_load). The daemon keeps a
 * state in memory only while its poll is handled: at 10,000 experiments
 * they held about 3 MiB. Returns 0 or -errno (e->sequential NULL then). */
int store_sequential_load(struct store *s, struct watched_experiment *e);
/* The same for every experiment of w (`once`, which continues the
 * daemon's running state without writing it). Returns 0 or -errno. */
int store_watchlist_load_sequential(struct store *s, struct watchlist *w);

/* The daemon summary, as meta rows (value as text):
 *   daemon.started_at          integer, Unix seconds
 *   daemon.last_cycle_at       integer, Unix seconds (0: none yet)
 *   daemon.last_cycle_seconds  number, shortest text that reads back exact
 *   daemon.last_cycle_polled   integer
 *   daemon.last_cycle_failed   integer
 *   daemon.api_error           text ('' while the API answers)
 * save writes all six (one statement); load resets *sum and reads those
 * present (a key missing reads as 0 / ""). Return 0 or -errno. */
/* The experiment's visitors at time at: the sum over its variants of each
 * one's latest polls row at or before at. 1 with *ret, 0 when no variant
 * has a row that old, or -errno. */
int store_visitors_at(struct store *s, long long id, int64_t at, long long *ret);

/* Whether experiment id is watched now (the daemon's last discovery):
 * 1, 0 (not watched, or never seen), or -errno. */
int store_experiment_watched(struct store *s, long long id);

int store_summary_save(struct store *s, const struct daemon_summary *sum);
int store_summary_load(struct store *s, struct daemon_summary *sum);

/* One row of the history. variant_id is valid only during the callback. */
struct store_poll {
        long long experiment_id;
        const char *variant_id;
        int64_t polled_at;
        long long visitors, conversions;
};

/* Calls fn for each polls row of experiment_id (of variant_id only, unless
 * NULL), with polled_at ≥ since (0: all), in polled_at order (then by
 * variant_id within one poll). fn returns 0 to go on, a negative errno to
 * stop with that error, or a positive value to stop early. fn may use other
 * store functions (not store_polls_each on the same store: it shares the
 * statement). Returns the number of rows passed to fn, or -errno. */
int store_polls_each(struct store *s, long long experiment_id, const char *variant_id, int64_t since,
                     int (*fn)(void *userdata, const struct store_poll *row), void *userdata);

/* Retention: deletes at most max_rows polls rows with polled_at <
 * older_than that a later row of the same variant, at or before
 * older_than, supersedes. Since a row is written only when counts change,
 * the row kept is the counts the variant still had at older_than: `history`
 * since older_than stays complete, and a variant whose counts stopped
 * moving keeps its one row (as does the latest row of every variant).
 * Seeks each experiment's old rows through the primary key; bounded: call
 * again (in a later transaction) while it returns max_rows.
 * Returns the number of rows deleted, or -errno. */
int store_polls_prune(struct store *s, int64_t older_than, size_t max_rows);
