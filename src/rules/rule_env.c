/* Analysis figures → expression variables. */
#include <math.h>

#include "stats/analysis.h"
#include "rule_env.h"

static void set_number(struct expr_env *env, enum expr_var var, struct analysis_number n)
{
        if (n.valid && isfinite(n.value))
                expr_env_set(env, var, n.value);
}

static void set_flag(struct expr_env *env, enum expr_var var, struct analysis_flag f)
{
        if (f.valid)
                expr_env_set(env, var, f.value ? 1 : 0);
}

const struct variant_analysis *rule_env_control(const struct experiment_analysis *a)
{
        for (size_t i = 0; i < a->n_variants; i++)
                if (a->variants[i].control)
                        return &a->variants[i];
        return NULL;
}

void rule_env_experiment(const struct experiment_analysis *a, double hours_since_new_visitor,
                         struct expr_env *env)
{
        *env = (struct expr_env) {};
        expr_env_set(env, EXPR_VAR_VISITORS, (double) a->visitors);
        expr_env_set(env, EXPR_VAR_CONVERSIONS, (double) a->conversions);
        if (a->days_running >= 0)
                expr_env_set(env, EXPR_VAR_DAYS_RUNNING, (double) a->days_running);
        set_number(env, EXPR_VAR_SRM_P, a->srm_p);
        set_flag(env, EXPR_VAR_SRM, a->srm);
        expr_env_set(env, EXPR_VAR_VARIANTS, (double) a->n_variants);
        if (isfinite(hours_since_new_visitor))
                expr_env_set(env, EXPR_VAR_HOURS_SINCE_NEW_VISITOR, hours_since_new_visitor);
        if (a->status_code >= 0)
                expr_env_set(env, EXPR_VAR_STATUS, a->status_code);
}

static void clear_variant_level(struct expr_env *env)
{
        for (unsigned v = 0; v < EXPR_VAR_COUNT; v++)
                if (expr_variable_level((enum expr_var) v) == EXPR_LEVEL_VARIANT) {
                        env->present[v] = false;
                        env->value[v] = 0;
                }
}

void rule_env_variant(const struct experiment_analysis *a, size_t variant_index, struct expr_env *env)
{
        const struct variant_analysis *v = &a->variants[variant_index], *control = rule_env_control(a);

        clear_variant_level(env);
        set_number(env, EXPR_VAR_LIFT, v->lift);
        set_number(env, EXPR_VAR_ABS_LIFT, v->abs_lift);
        set_number(env, EXPR_VAR_LIFT_LOW, v->lift_low);
        set_number(env, EXPR_VAR_LIFT_HIGH, v->lift_high);
        set_number(env, EXPR_VAR_P_VALUE, v->p_value);
        set_number(env, EXPR_VAR_P_VALUE_ADJUSTED, v->p_value_adjusted);
        set_flag(env, EXPR_VAR_SIGNIFICANT, v->significant);
        set_number(env, EXPR_VAR_PROB_BEAT_CONTROL, v->prob_beat_control);
        set_number(env, EXPR_VAR_CONVERSION_RATE, v->conversion_rate);
        set_number(env, EXPR_VAR_DAYS_TO_DECISION, v->days_to_decision);
        set_flag(env, EXPR_VAR_UNDERPOWERED, v->underpowered);
        if (v->counts_valid) {
                expr_env_set(env, EXPR_VAR_VARIANT_VISITORS, (double) v->visitors);
                expr_env_set(env, EXPR_VAR_VARIANT_CONVERSIONS, (double) v->conversions);
        }
        if (!control)
                return;
        set_number(env, EXPR_VAR_CONTROL_RATE, control->conversion_rate);
        if (control->counts_valid)
                expr_env_set(env, EXPR_VAR_CONTROL_VISITORS, (double) control->visitors);
}
