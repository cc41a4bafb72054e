/* Hand-built inputs for the rules tests: a config from a `rules` list, and
 * analyses with chosen figures (no statistics involved). */
#pragma once
#include <stddef.h>

#include "stats/analysis.h"
#include "config/config.h"

/* One variant; the first of a list is the control. NAN: the figure is null. */
struct variant_spec {
        const char *id;
        long long visitors, conversions;
        double lift, lift_low, lift_high, p_value, prob_beat;
        int significant;           /* 0, 1, or -1 for null */
};

/* Fills a (free with experiment_analysis_free): status live, 12 days
 * running, srm_p 0.5 (no SRM), rates from the counts, abs_lift from the
 * rates, p_value_adjusted = p_value. */
void fixture_analysis(struct experiment_analysis *a, long long id, const char *name,
                      const struct variant_spec *v, size_t n);

/* Loads a config whose `rules` setting is rules_list (libconfig text, e.g.
 * "( { name = \"r\"; when = \"lift > 0\"; } )"); asserts it is valid. */
struct config *fixture_config(const char *rules_list);

/* A fresh empty directory under /tmp (free the string, remove it with
 * fixture_remove_directory). */
char *fixture_directory(void);
void fixture_remove_directory(char *dir);
