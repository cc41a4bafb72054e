/* The recorded polls of one experiment (`history`) as the snapshots the
 * daemon analysed, and their analyses. Pure: the rows come in from
 * store_polls_each, or from a test.
 *
 * The store writes a variant's polls row only when its counts changed, so a
 * poll time may carry rows for only some variants: at each poll time the
 * others keep the counts of their latest row (carried forward). A variant
 * is in the snapshots from its first row on. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mida/mida.h"
#include "stats/analysis.h"

struct history_variant {
        char *variant_id;            /* owned */
        char *name;                  /* owned, may be NULL */
        bool control;                /* declared as the control */
};

struct history_counts {
        long long visitors, conversions;
        bool known;                  /* a row of this variant at or before this poll */
};

struct history_series {
        long long experiment_id;
        char *name;                  /* owned, may be NULL */
        size_t n_variants;
        struct history_variant *variants;   /* the order of the snapshots */
        size_t n_polls;
        int64_t *polled_at;          /* n_polls, increasing */
        /* n_polls rows of n_variants each: counts[poll * n_variants + v]. */
        struct history_counts *counts;
        size_t cap_polls;            /* allocated rows of polled_at and counts */
};

/* Sets *s to an empty series of experiment_id; name may be NULL. Returns 0
 * or -ENOMEM. */
int history_series_init(struct history_series *s, long long experiment_id, const char *name);
void history_series_free(struct history_series *s);

/* Declares a variant before the rows, so that the snapshots list the
 * variants in the order the daemon saw them, with their names and the
 * control (the daemon's last analysis knows them; the polls rows do not).
 * A variant seen first in a row is added after the declared ones. When no
 * variant is declared the control, the snapshots take variant "0" for it,
 * as the result parser does. Declaring an id twice updates it.
 * Returns 0 or -ENOMEM. */
int history_series_declare(struct history_series *s, const char *variant_id, const char *name, bool control);

/* One polls row, in polled_at order. Returns 0, -EINVAL when polled_at goes
 * back in time, or -ENOMEM. */
int history_series_add_row(struct history_series *s, int64_t polled_at, const char *variant_id,
                           long long visitors, long long conversions);

/* The variant's index, or -1. */
int history_series_find(const struct history_series *s, const char *variant_id);
/* The control's index (the declared control, else variant "0"), or -1. */
int history_series_control(const struct history_series *s);

/* Poll number poll as a Get Experiment Result would have given it: the
 * known variants with their current counts. Free with mida_result_free.
 * Returns 0 or -ENOMEM. */
int history_series_snapshot(const struct history_series *s, size_t poll, struct mida_result *out);

/* Every poll analysed in order through one sequential state, as the daemon
 * analysed them (the running minimum p and intersected interval are over
 * the whole series). *ret gets s->n_polls analyses (free with
 * history_analyses_free). Returns 0 or -ENOMEM. */
int history_series_analyse(const struct history_series *s, const struct statistics_settings *settings,
                           struct experiment_analysis **ret);
void history_analyses_free(struct experiment_analysis *a, size_t n);

/* The analysis of variant_id within a, or NULL. */
const struct variant_analysis *history_variant_analysis(const struct experiment_analysis *a,
                                                        const char *variant_id);
