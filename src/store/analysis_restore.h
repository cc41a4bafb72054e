/* The last analysis of an experiment, recomputed when read rather than
 * stored as text: serialising each poll's analysis cost ~18 % of a poll.
 *
 * What it is computed from: the counts of each valid arm (the latest polls
 * row of its variant: rows are written whenever counts change), the running
 * sequential values (the sequential rows), the statistics settings, and the
 * rest of the result as experiments.result, a small JSON object written
 * here: {"variants": [{"id", "name", "control", and for an arm whose counts
 * are not valid (no polls row) "visitors" and "conversions", a number or
 * null when the result did not report it}]}. Only what analysis_to_json
 * depends on: the test's name, status, dates, days running and the API's
 * totals are not part of that text. */
#pragma once
#include <stdint.h>

#include "db.h"
#include "watchlist.h"
#include "config/statistics_settings.h"

struct experiment_analysis;

/* A 64-bit fingerprint of what analysis_result_text(a) holds: equal
 * fingerprints mean the text need not be written again. */
uint64_t analysis_result_hash(const struct experiment_analysis *a);

/* The experiments.result text of a (malloc'd), or NULL when out of memory. */
char *analysis_result_text(const struct experiment_analysis *a);

/* Sets e->restored_analysis to the analysis_to_json text of the analysis
 * recomputed from result (the experiments.result text), the latest polls
 * rows of e and a copy of e->sequential (NULL: a first look) under settings;
 * e->sequential is not changed. Since the sequential update is idempotent
 * on the counts it was last given (a running minimum and an intersection),
 * this is byte for byte the analysis of e's last poll, unless the settings
 * changed since (then it is that poll's counts under the new settings, as
 * the next poll would start). Returns 0, -EINVAL (result unreadable) or
 * -ENOENT (a valid arm without a polls row): e keeps no analysis then; or
 * -ENOMEM or another -errno of the store. */
int analysis_restore(struct store *s, struct watched_experiment *e, const char *result,
                     const struct statistics_settings *settings);

/* The same analysis as a struct into *out (free with
 * experiment_analysis_free), for a reader that wants its figures rather
 * than its text (a digest). Returns as analysis_restore; *out is empty
 * on failure. */
int analysis_recompute(struct store *s, const struct watched_experiment *e, const char *result,
                       const struct statistics_settings *settings, struct experiment_analysis *out);
