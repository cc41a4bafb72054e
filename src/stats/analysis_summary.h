/* What the daemon keeps of an experiment's last analysis between polls:
 * the figures its metrics, alert messages and action reports show, in one
 * allocation. The full analysis (about 1.3 KiB in 8 allocations with 3
 * variants) lives only while its poll is handled: kept for every watched
 * experiment it was most of the daemon's memory at 10,000 of them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"

struct variant_summary {
        const char *variant_id;      /* in the summary's block */
        const char *name;            /* in the block; NULL when the result had none */
        long long visitors, conversions;   /* as analysed */
        bool counts_valid, control;
        bool significant;            /* significance valid and true */
        bool underpowered;           /* underpowered valid and true */
        /* A float, in the padding after the flags: 10,000 experiments keep
         * one summary each, and a double here made each a block class larger. */
        float days_to_decision;      /* NaN when none */
        /* The analysis's figures; NaN where it had none (invalid). */
        double conversion_rate, lift, lift_low, lift_high;
        double p_value, p_value_adjusted, prob_beat_control;
};

struct analysis_summary {
        long long test_id;
        const char *test_name;       /* in the block; NULL when the result had none */
        int status_code;             /* -1 unknown */
        long long visitors;          /* sum over the variants with valid counts */
        bool srm;                    /* a sample-ratio mismatch: valid and true */
        double srm_p;                /* NaN when the analysis had none */
        size_t n_variants;
        struct variant_summary variants[];   /* in the order of the result */
};

/* Replaces *s (NULL for a first one) with the summary of a, in place when
 * its block is large enough, as it is while the variants do not change.
 * Summaries live in util/block_pool.h's slabs: side by side, not scattered
 * over the pages each cycle's transient memory used. Returns 0, or -ENOMEM
 * (*s is then freed and NULL). Free with analysis_summary_free. */
int analysis_summary_update(struct analysis_summary **s, const struct experiment_analysis *a);
/* NULL is a no-op. */
void analysis_summary_free(struct analysis_summary *s);

/* The index of the variant called variant_id, or SIZE_MAX (also for a NULL
 * s or variant_id). */
size_t analysis_summary_find_variant(const struct analysis_summary *s, const char *variant_id);

/* The control arm, or NULL when s has none. */
const struct variant_summary *analysis_summary_control(const struct analysis_summary *s);
