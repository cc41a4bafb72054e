/* The analysis of one experiment as the variables of a rule expression:
 * a pure mapping from struct experiment_analysis to struct expr_env. A
 * figure the analysis marks invalid (degenerate data) is left not present,
 * i.e. null, so no rule fires on it. */
#pragma once
#include <stddef.h>

#include "expr/expr.h"

struct experiment_analysis;

/* Resets env and fills the experiment-level variables (visitors,
 * conversions, days_running, srm_p, srm, variants, status and
 * hours_since_new_visitor, which the caller measures; NaN: unknown). The
 * variant-level ones stay null until rule_env_variant(). */
void rule_env_experiment(const struct experiment_analysis *a, double hours_since_new_visitor,
                         struct expr_env *env);

/* Fills the variant-level variables for a->variants[variant_index] against
 * the experiment's control (control_rate, control_visitors), replacing those
 * of a previous variant; the experiment-level ones are kept. */
void rule_env_variant(const struct experiment_analysis *a, size_t variant_index, struct expr_env *env);

/* The control variant, or NULL when the result has none. */
const struct variant_analysis *rule_env_control(const struct experiment_analysis *a);
