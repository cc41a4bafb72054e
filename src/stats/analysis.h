/* Room stats/: pure statistics — tails, tests, intervals, chance to beat
 * control, SRM — and the analysis of one result with its sequential state.
 * May use: mida/ (the parsed result), config/ (statistics settings), util/.
 * Used by: store, rules, actions, daemon, cli.
 *
 * From one parsed experiment result to the figures rules and people read:
 * per variant conversion rate, lift with its interval, p-value (raw and
 * adjusted), significance and chance to beat control; per experiment the
 * sample-ratio-mismatch test. Definitions: ENGINEERING.md §4.
 *
 * Every optional figure carries a validity flag: degenerate inputs (no
 * visitors, a control without conversions, conversions > visitors, missing
 * or negative counts, no control) leave it invalid with a reason, never NaN. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mida/mida.h"
#include "config/statistics_settings.h"

struct analysis_number {
        double value;
        bool valid;
};

struct analysis_flag {
        bool value;
        bool valid;
};

struct variant_analysis {
        char *variant_id;          /* owned */
        char *name;                /* owned, may be NULL */
        long long visitors, conversions;   /* as reported (0 when missing) */
        bool control;
        bool counts_valid;
        /* Whether the result reported each count: with visitors and
         * conversions, what store/ keeps of an invalid arm to recompute this
         * analysis (its reason depends on them). */
        bool has_visitors, has_conversions;
        struct analysis_flag significant;
        struct analysis_number conversion_rate;   /* a fraction, every variant */
        /* Non-control variants only (invalid on the control): */
        struct analysis_number lift, abs_lift, lift_low, lift_high;
        struct analysis_number p_value, p_value_adjusted, prob_beat_control;
        /* Owned, NULL when there is nothing to say; allocated only then, as
         * the daemon keeps one analysis per watched experiment. */
        char *reason;              /* why a figure is null */
        char *guard;               /* why significance was held back by the
                                    * min_visitors/min_conversions guards */
        bool below_guards;         /* an arm is below min_visitors, min_conversions
                                    * or min_days: its figures are no finding yet */
        /* Time to decision, if the observed rates held and the split
         * stayed: the visitors the experiment still needs (all its
         * variants) until this variant's interval excludes 0, and the days
         * at its traffic; underpowered when the days exceed the
         * decision_horizon. decision_reason (owned, NULL when there is
         * nothing to say) says why they are null. */
        double lift_se;            /* the lift's standard error; 0 when none */
        struct analysis_number visitors_to_decision, days_to_decision;
        struct analysis_flag underpowered;
        char *decision_reason;
};

struct experiment_analysis {
        long long test_id;
        char *test_name;           /* owned, may be NULL */
        int status_code;           /* -1 unknown */
        long days_running;         /* -1 unknown */
        bool concluded;            /* the result has an end_date: concluded in the dashboard */
        long long visitors, conversions;   /* sums over variants with valid counts */
        struct analysis_number srm_p;
        struct analysis_flag srm;  /* srm_p < srm_alpha */
        char *srm_reason;          /* owned; why srm_p is null, NULL when it is not */
        enum stats_method method;
        enum stats_correction correction;
        double alpha;
        size_t n_variants;
        struct variant_analysis *variants;   /* in the order of the result */
};

/* Counts of one arm, as analysis_compare takes them. */
struct arm_counts {
        long long visitors, conversions;
};

/* Always-valid reporting across polls (sequential method): per variant the
 * running minimum p and the running intersection of the intervals. The
 * caller keeps it between snapshots of one experiment (the daemon persists
 * it); analysis_run resets it when the experiment restarts (start_date
 * changes, a count goes down) or alpha / tuning change. */
struct sequential_variant_state {
        char *variant_id;          /* owned */
        long long visitors, conversions;   /* at the last snapshot */
        bool has_bound;            /* min_p/low/high hold a running value */
        double min_p, low, high;
};

struct sequential_state {
        char *start_date;          /* owned; NULL until a snapshot had one */
        double alpha, tuning;      /* what the running values were computed with */
        bool has_srm;              /* srm_min_p holds a value */
        double srm_min_p;          /* the sequential SRM p-value's running minimum */
        double srm_concentration;  /* what it was computed with */
        size_t n_variants;
        struct sequential_variant_state *variants;
};

/* Analyses one snapshot into *out (free with experiment_analysis_free).
 * state may be NULL (a single look) or the state of earlier snapshots, which
 * is updated. Returns 0 or -ENOMEM (out is then freed). */
int analysis_run(const struct mida_result *result, const struct statistics_settings *settings,
                 struct sequential_state *state, struct experiment_analysis *out);
void experiment_analysis_free(struct experiment_analysis *a);

/* Days to decision again, at visitors_per_day (the last week's, where
 * history has a week; analysis_run counts it since the start). */
void analysis_set_traffic(struct experiment_analysis *a, double visitors_per_day,
                          const struct statistics_settings *s);

/* One non-control variant against the control for one snapshot: conversion
 * rate, lift, interval, raw p (p_value_adjusted = p_value) and, when
 * with_prob_beat, chance to beat control; significance without guards is left
 * to the caller. Returns why figures are left null (a constant string), or
 * NULL. Pure and allocation-free (the variant's strings are not touched): the
 * building block of analysis_run, and what the benchmark times. */
const char *analysis_compare(const struct arm_counts *control, const struct arm_counts *treatment,
                             const struct statistics_settings *settings, bool with_prob_beat,
                             struct variant_analysis *out);

/* The index in a->variants of the variant called variant_id, or SIZE_MAX
 * (also for a NULL a or variant_id). */
size_t analysis_find_variant(const struct experiment_analysis *a, const char *variant_id);

/* The §4 JSON object; null plus a "reason" for invalid figures. Returns a
 * new reference, or NULL on allocation failure. */
json_object *analysis_to_json(const struct experiment_analysis *a);

const char *stats_method_to_string(enum stats_method m);
const char *stats_correction_to_string(enum stats_correction c);

void sequential_state_free(struct sequential_state *s);
/* A deep copy of from into *to, for an analysis_run that must not move the
 * caller's state (the store's recomputed analysis). Returns 0 or -ENOMEM
 * (*to is then empty). */
int sequential_state_copy(const struct sequential_state *from, struct sequential_state *to);
