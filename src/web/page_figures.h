/* One variant's figures as both pages show them (lift with its interval,
 * significance, chance to beat control, days to decision, "too early"
 * below the sample guards), from either form the analysis comes in: the
 * struct of a history's analyses, or the analysis JSON (analyze --json)
 * that the status read gives per experiment. Pure. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>

#include "html.h"
#include "stats/analysis.h"

struct page_variant {
        const char *variant_id, *name;        /* borrowed; name may be NULL */
        bool control;
        long long visitors, conversions;
        struct analysis_number conversion_rate, lift, lift_low, lift_high;
        struct analysis_number p_value_adjusted, prob_beat_control, days_to_decision;
        struct analysis_flag significant, underpowered;
        bool below_guards;
        const char *guard, *reason, *decision_reason;   /* borrowed, may be NULL */
};

void page_variant_from_analysis(const struct variant_analysis *va, struct page_variant *out);
/* From one element of the analysis JSON's "variants" (its strings stay v's). */
void page_variant_from_json(json_object *v, struct page_variant *out);

/* "1 · Blue button" (escaped), "(control)" after the control's. */
void page_variant_label(struct html *h, const struct page_variant *v);
/* The figures as spans: lift, interval, significance (or "too early"),
 * chance to beat control, days to decision (underpowered marked). */
void page_variant_figures(struct html *h, const struct page_variant *v);
/* The same as table cells, in that order (5 cells: lift, interval,
 * significance, chance to beat control, days to decision). */
void page_variant_cells(struct html *h, const struct page_variant *v);
/* "+4.2%" from a fraction, "—" when not valid. */
void page_percent(struct html *h, struct analysis_number n, bool with_sign);
