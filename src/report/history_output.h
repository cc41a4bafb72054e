/* What `history` prints: the analysed polls of one experiment as a table
 * with a sparkline of each variant's lift, or as JSON. Pure: writes only to
 * the stream it is given, or builds a json-c tree. */
#pragma once
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "history_series.h"

/* Cells of a sparkline at most: a long history is drawn in stretches. */
#define HISTORY_SPARKLINE_WIDTH 60

struct history_view {
        const struct history_series *series;
        const struct experiment_analysis *analyses;   /* one per poll of series */
        size_t first;                /* the first poll shown (--since) */
        int64_t since;               /* --since as a time, 0: none */
        const char *variant;         /* --variant: that one and the control; NULL: all */
};

/* Header, one row per poll and shown variant (time in UTC, ISO 8601;
 * visitors, conversions, lift, interval, p adjusted; the control with its
 * counts only), then a sparkline of the lift of each shown non-control
 * variant. "—" marks a figure that cannot be computed. */
void history_print_table(FILE *out, const struct history_view *v);

/* {"experiment_id", "name", "method", "alpha", "correction",
 *  "polls": [{"polled_at": "…Z", "variants": [{"variant_id", "control",
 *  "visitors", "conversions", "lift", "ci_low", "ci_high", "p_value"}]}]}
 * with null for figures that are undefined (the control's lift, …) and
 * p_value the adjusted, always-valid one. NULL when out of memory. */
json_object *history_to_json(const struct history_view *v);
