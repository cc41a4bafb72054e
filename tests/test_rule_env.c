/* Analysis → rule variables, transition → alert event, and the three rules
 * of ENGINEERING.md §5 on hand-built analyses. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "config/config.h"
#include "rules/rule_env.h"
#include "rules/rule_event.h"
#include "rules/rules.h"
#include "rules_fixture.h"

#define T0 1700000000
#define HOUR 3600

static const struct variant_spec three[] = {
        { "0", 10000, 1000, NAN, NAN, NAN, NAN, NAN, -1 },
        { "1", 8000, 1000, 0.25, 0.10, 0.40, 0.002, 0.997, 1 },
        { "2", 12000, 900, -0.25, NAN, NAN, 0.3, NAN, 0 },
};

static void expect_var(const struct expr_env *env, enum expr_var var, double value)
{
        cr_expect(env->present[var], "%s not present", expr_variable_name(var));
        cr_expect(fabs(env->value[var] - value) < 1e-12, "%s = %g, expected %g", expr_variable_name(var),
                  env->value[var], value);
}

Test(rule_env, experiment_level_variables)
{
        struct experiment_analysis a;
        struct expr_env env;

        fixture_analysis(&a, 9, "x", three, 3);
        a.srm_p = (struct analysis_number) { .value = 0.0004, .valid = true };
        a.srm = (struct analysis_flag) { .value = true, .valid = true };
        rule_env_experiment(&a, 2.5, &env);
        expect_var(&env, EXPR_VAR_VISITORS, 30000);
        expect_var(&env, EXPR_VAR_CONVERSIONS, 2900);
        expect_var(&env, EXPR_VAR_DAYS_RUNNING, 12);
        expect_var(&env, EXPR_VAR_SRM_P, 0.0004);
        expect_var(&env, EXPR_VAR_SRM, 1);
        expect_var(&env, EXPR_VAR_VARIANTS, 3);
        expect_var(&env, EXPR_VAR_HOURS_SINCE_NEW_VISITOR, 2.5);
        expect_var(&env, EXPR_VAR_STATUS, 1);
        for (unsigned v = EXPR_VAR_LIFT; v < EXPR_VAR_COUNT; v++)
                cr_expect_not(env.present[v], "%s present before rule_env_variant", expr_variable_name(v));
        experiment_analysis_free(&a);
}

Test(rule_env, unknown_experiment_figures_are_null)
{
        struct experiment_analysis a;
        struct expr_env env;

        fixture_analysis(&a, 9, "x", three, 3);
        a.srm_p.valid = false;
        a.srm.valid = false;
        a.days_running = -1;
        a.status_code = -1;
        rule_env_experiment(&a, NAN, &env);
        cr_expect_not(env.present[EXPR_VAR_SRM_P]);
        cr_expect_not(env.present[EXPR_VAR_SRM]);
        cr_expect_not(env.present[EXPR_VAR_DAYS_RUNNING]);
        cr_expect_not(env.present[EXPR_VAR_STATUS]);
        cr_expect_not(env.present[EXPR_VAR_HOURS_SINCE_NEW_VISITOR]);
        experiment_analysis_free(&a);
}

Test(rule_env, variant_level_variables)
{
        struct experiment_analysis a;
        struct expr_env env;

        fixture_analysis(&a, 9, "x", three, 3);
        rule_env_experiment(&a, NAN, &env);
        rule_env_variant(&a, 1, &env);
        expect_var(&env, EXPR_VAR_LIFT, 0.25);
        expect_var(&env, EXPR_VAR_ABS_LIFT, 0.125 - 0.1);
        expect_var(&env, EXPR_VAR_LIFT_LOW, 0.10);
        expect_var(&env, EXPR_VAR_LIFT_HIGH, 0.40);
        expect_var(&env, EXPR_VAR_P_VALUE, 0.002);
        expect_var(&env, EXPR_VAR_P_VALUE_ADJUSTED, 0.002);
        expect_var(&env, EXPR_VAR_SIGNIFICANT, 1);
        expect_var(&env, EXPR_VAR_PROB_BEAT_CONTROL, 0.997);
        expect_var(&env, EXPR_VAR_CONVERSION_RATE, 0.125);
        expect_var(&env, EXPR_VAR_CONTROL_RATE, 0.1);
        expect_var(&env, EXPR_VAR_VARIANT_VISITORS, 8000);
        expect_var(&env, EXPR_VAR_VARIANT_CONVERSIONS, 1000);
        expect_var(&env, EXPR_VAR_CONTROL_VISITORS, 10000);
        expect_var(&env, EXPR_VAR_VISITORS, 30000);   /* kept */
        /* The next variant replaces every variant-level value, nulls included. */
        rule_env_variant(&a, 2, &env);
        expect_var(&env, EXPR_VAR_LIFT, -0.25);
        expect_var(&env, EXPR_VAR_SIGNIFICANT, 0);
        cr_expect_not(env.present[EXPR_VAR_LIFT_LOW]);
        cr_expect_not(env.present[EXPR_VAR_LIFT_HIGH]);
        cr_expect_not(env.present[EXPR_VAR_PROB_BEAT_CONTROL]);
        expect_var(&env, EXPR_VAR_VARIANT_VISITORS, 12000);
        experiment_analysis_free(&a);
}

Test(rule_env, no_control_leaves_control_figures_null)
{
        struct experiment_analysis a;
        struct expr_env env;

        fixture_analysis(&a, 9, "x", three, 3);
        a.variants[0].control = false;
        a.variants[1].counts_valid = false;
        rule_env_experiment(&a, NAN, &env);
        rule_env_variant(&a, 1, &env);
        cr_expect_not(env.present[EXPR_VAR_CONTROL_RATE]);
        cr_expect_not(env.present[EXPR_VAR_CONTROL_VISITORS]);
        cr_expect_not(env.present[EXPR_VAR_VARIANT_VISITORS]);
        cr_expect_not(env.present[EXPR_VAR_VARIANT_CONVERSIONS]);
        experiment_analysis_free(&a);
}

Test(rule_event, fired_event_carries_the_variant_figures)
{
        struct config *c = fixture_config("( { name = \"harm\"; when = \"lift < 0\"; severity = \"critical\"; } )");
        struct rule_transitions t = {};
        struct rules_state s = {};
        struct experiment_analysis a;
        struct analysis_summary *summary = NULL;
        struct alert_event ev;

        fixture_analysis(&a, 9, "Checkout", three, 3);
        cr_assert_geq(rules_evaluate_experiment(&s, c, &a, NAN, T0, &t), 0);
        cr_assert_eq(t.n, 1);
        cr_assert_eq(analysis_summary_update(&summary, &a), 0);
        rule_transition_event(&t.items[0], c, summary, &ev);
        cr_expect_eq(ev.kind, ALERT_EVENT_FIRED);
        cr_expect_str_eq(ev.rule, "harm");
        cr_expect_str_eq(ev.severity, "critical");
        cr_expect_eq(ev.experiment_id, 9);
        cr_expect_str_eq(ev.experiment_name, "Checkout");
        cr_expect_str_eq(ev.variant_id, "2");
        cr_expect(ev.lift.present && ev.lift.value == -0.25);
        cr_expect_not(ev.lift_low.present);
        cr_expect(ev.p_value.present && ev.p_value.value == 0.3);
        cr_expect(ev.control_rate.present && fabs(ev.control_rate.value - 0.1) < 1e-12);
        cr_expect(ev.conversion_rate.present && fabs(ev.conversion_rate.value - 0.075) < 1e-12);
        cr_expect_eq(ev.visitors, 30000);
        cr_expect_eq(ev.variant_visitors, 12000);
        cr_expect_eq(ev.fired_at, T0);
        cr_expect_eq(ev.resolved_at, 0);
        cr_expect_null(ev.id);

        a.variants[2].lift.value = 0.01;
        rule_transitions_clear(&t);
        cr_assert_geq(rules_evaluate_experiment(&s, c, &a, NAN, T0 + 60, &t), 0);
        cr_assert_eq(t.n, 1);
        rule_transition_event(&t.items[0], c, NULL, &ev);
        cr_expect_eq(ev.kind, ALERT_EVENT_RESOLVED);
        cr_expect_eq(ev.resolved_at, T0 + 60);
        cr_expect_eq(ev.fired_at, T0);
        cr_expect_null(ev.experiment_name, "no analysis: ids only");
        cr_expect_not(ev.lift.present);
        cr_expect_eq(ev.visitors, -1);

        rule_transitions_clear(&t);
        rules_state_clear(&s);
        analysis_summary_free(summary);
        experiment_analysis_free(&a);
        config_free(c);
}

/* The rules of ENGINEERING.md §5, as written there. */
static const char section5_rules[] =
        "( { name = \"winner\"; when = \"significant && lift > 0.02\"; for = \"1h\"; },"
        "  { name = \"harm\";  when = \"significant && lift_high < -0.05\"; severity = \"critical\";"
        "    action = \"pause\"; },"
        "  { name = \"srm\";   when = \"srm_p < 0.001\"; } )";

static size_t count_kind(const struct rule_transitions *t, const struct config *c, const char *rule,
                         enum rule_transition_kind kind, const char *variant_id)
{
        size_t n = 0;

        for (size_t i = 0; i < t->n; i++)
                if (t->items[i].kind == kind && strcmp(c->rules[t->items[i].rule_index].name, rule) == 0 &&
                    (variant_id ? t->items[i].variant_id && strcmp(t->items[i].variant_id, variant_id) == 0
                                : !t->items[i].variant_id))
                        n++;
        return n;
}

Test(section5, winner_harm_and_srm)
{
        const struct variant_spec v[] = {
                { "0", 20000, 2000, NAN, NAN, NAN, NAN, NAN, -1 },
                { "1", 20000, 2300, 0.15, 0.06, 0.24, 0.0004, 0.9999, 1 },     /* winner */
                { "2", 20000, 1500, -0.25, -0.34, -0.16, 0.00001, 0.0, 1 },    /* harm */
                { "3", 20000, 2020, 0.01, -0.08, 0.10, 0.8, 0.6, 0 },          /* nothing */
                { "4", 20000, 1900, -0.05, -0.13, 0.03, 0.2, 0.1, 0 },         /* not significant */
        };
        struct config *c = fixture_config(section5_rules);
        struct rule_transitions t = {};
        struct rules_state s = {};
        struct experiment_analysis a;

        fixture_analysis(&a, 1234, "Pricing page", v, 5);
        a.srm_p.value = 0.0002;
        cr_assert_geq(rules_evaluate_experiment(&s, c, &a, NAN, T0, &t), 0);
        cr_expect_eq(t.n, 3, "harm and srm at once; winner pending (journal only) for its `for`");
        cr_expect_eq(count_kind(&t, c, "winner", RULE_TRANSITION_PENDING, "1"), 1);
        cr_expect_eq(count_kind(&t, c, "harm", RULE_TRANSITION_FIRED, "2"), 1);
        cr_expect_eq(count_kind(&t, c, "srm", RULE_TRANSITION_FIRED, NULL), 1);
        cr_expect_eq(rules_pending_count(&s, "winner"), 1);

        rule_transitions_clear(&t);
        cr_assert_geq(rules_evaluate_experiment(&s, c, &a, NAN, T0 + HOUR, &t), 0);
        cr_expect_eq(t.n, 2);
        cr_expect_eq(count_kind(&t, c, "winner", RULE_TRANSITION_FIRED, "1"), 1);
        cr_expect_eq(count_kind(&t, c, "harm", RULE_TRANSITION_STILL_FIRING, "2"), 1, "pause rule keeps asking");

        /* The SRM is gone and the harmful variant's interval now crosses -5%. */
        a.srm_p.value = 0.4;
        a.variants[2].lift_high.value = -0.01;
        rule_transitions_clear(&t);
        cr_assert_geq(rules_evaluate_experiment(&s, c, &a, NAN, T0 + 2 * HOUR, &t), 0);
        cr_expect_eq(t.n, 2);
        cr_expect_eq(count_kind(&t, c, "harm", RULE_TRANSITION_RESOLVED, "2"), 1);
        cr_expect_eq(count_kind(&t, c, "srm", RULE_TRANSITION_RESOLVED, NULL), 1);
        cr_expect_eq(rules_firing_count(&s, NULL), 1, "only the winner still fires");

        rule_transitions_clear(&t);
        rules_state_clear(&s);
        experiment_analysis_free(&a);
        config_free(c);
}
