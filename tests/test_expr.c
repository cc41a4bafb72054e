#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "expr/expr.h"

/* Compiles text (which must be valid) and evaluates it against env. */
static bool eval_text(const char *text, const struct expr_env *env)
{
        struct expr_error err;
        struct expr *e = NULL;
        bool result = false;
        int r = expr_compile(text, &e, &err);

        cr_assert_eq(r, 0, "'%s' did not compile: %u: %s", text, err.column, err.message);
        cr_assert_eq(expr_eval(e, env, &result), 0);
        expr_free(e);
        return result;
}

static void expect_error(const char *text, unsigned column, const char *message)
{
        struct expr_error err;
        struct expr *e = NULL;
        int r = expr_compile(text, &e, &err);

        cr_expect_eq(r, -EINVAL, "'%s' compiled", text);
        cr_expect_null(e);
        cr_expect_eq(err.column, column, "'%s': column %u, expected %u (%s)", text, err.column, column,
                     err.message);
        cr_expect_str_eq(err.message, message, "'%s'", text);
}

/* An environment where every variable is present; numbers chosen so that
 * precedence mistakes change the outcome. */
static struct expr_env full_env(void)
{
        struct expr_env env = { 0 };

        expr_env_set(&env, EXPR_VAR_VISITORS, 20000);
        expr_env_set(&env, EXPR_VAR_CONVERSIONS, 2100);
        expr_env_set(&env, EXPR_VAR_DAYS_RUNNING, 14);
        expr_env_set(&env, EXPR_VAR_SRM_P, 0.2);
        expr_env_set(&env, EXPR_VAR_SRM, 0);
        expr_env_set(&env, EXPR_VAR_VARIANTS, 2);
        expr_env_set(&env, EXPR_VAR_HOURS_SINCE_NEW_VISITOR, 0.5);
        expr_env_set(&env, EXPR_VAR_STATUS, 1);
        expr_env_set(&env, EXPR_VAR_LIFT, 0.1);
        expr_env_set(&env, EXPR_VAR_ABS_LIFT, 0.01);
        expr_env_set(&env, EXPR_VAR_LIFT_LOW, 0.02);
        expr_env_set(&env, EXPR_VAR_LIFT_HIGH, 0.18);
        expr_env_set(&env, EXPR_VAR_P_VALUE, 0.01);
        expr_env_set(&env, EXPR_VAR_P_VALUE_ADJUSTED, 0.02);
        expr_env_set(&env, EXPR_VAR_SIGNIFICANT, 1);
        expr_env_set(&env, EXPR_VAR_PROB_BEAT_CONTROL, 0.99);
        expr_env_set(&env, EXPR_VAR_CONVERSION_RATE, 0.11);
        expr_env_set(&env, EXPR_VAR_CONTROL_RATE, 0.10);
        expr_env_set(&env, EXPR_VAR_VARIANT_VISITORS, 10000);
        expr_env_set(&env, EXPR_VAR_VARIANT_CONVERSIONS, 1100);
        expr_env_set(&env, EXPR_VAR_CONTROL_VISITORS, 10000);
        return env;
}

struct eval_case {
        const char *text;
        bool expected;
};

static void run_cases(const struct eval_case *cases, size_t n, const struct expr_env *env)
{
        for (size_t i = 0; i < n; i++)
                cr_expect_eq(eval_text(cases[i].text, env), cases[i].expected, "'%s' should be %s",
                             cases[i].text, cases[i].expected ? "true" : "false");
}

Test(expr, operators_and_literals)
{
        static const struct eval_case cases[] = {
                { "true", true }, { "false", false }, { "!false", true }, { "!!true", true },
                { "1 < 2", true }, { "2 < 2", false }, { "2 <= 2", true }, { "3 <= 2", false },
                { "3 > 2", true }, { "2 > 2", false }, { "2 >= 2", true }, { "1 >= 2", false },
                { "2 == 2", true }, { "2 == 3", false }, { "2 != 3", true }, { "2 != 2", false },
                { "1 + 2 == 3", true }, { "5 - 2 == 3", true }, { "2 * 3 == 6", true }, { "7 / 2 == 3.5", true },
                { "-3 < 0", true }, { "--3 == 3", true }, { "- -3 == 3", true },
                { "true && true", true }, { "true && false", false }, { "false || true", true },
                { "false || false", false }, { "true == true", true }, { "true != false", true },
                { "5% == 0.05", true }, { "150% == 1.5", true }, { "0.5% == 0.005", true }, { ".5 == 0.5", true },
                { "1e3 == 1000", true }, { "2.5E-1 == 0.25", true }, { "1e+2 == 100", true },
                { "lift > 5%", true }, { "lift > 10.5%", false }, { "significant", true }, { "!srm", true },
                { "  lift\t>\n0  ", true },
        };
        struct expr_env env = full_env();

        run_cases(cases, sizeof(cases) / sizeof(cases[0]), &env);
}

Test(expr, precedence_and_associativity)
{
        static const struct eval_case cases[] = {
                /* * binds tighter than +; left to right within a level */
                { "1 + 2 * 3 == 7", true }, { "(1 + 2) * 3 == 9", true },
                { "10 - 4 - 3 == 3", true }, { "10 - (4 - 3) == 9", true },
                { "16 / 4 / 2 == 2", true }, { "16 / (4 / 2) == 8", true },
                { "2 * 3 / 6 == 1", true }, { "-2 * 3 == -6", true }, { "-(2 + 3) == -5", true },
                { "1 - -1 == 2", true },
                /* comparisons above equality, && above || */
                { "1 < 2 == 2 < 3", true }, { "1 < 2 == 3 < 2", false },
                { "true || false && false", true }, { "(true || false) && false", false },
                { "false && false || true", true }, { "false && (false || true)", false },
                { "!false && false", false }, { "!(false && false)", true },
                { "!true || true", true },
                { "significant && lift > 0.02 || srm", true },
                { "lift_high - lift_low > 1.5 * (lift - lift_low)", true },
                { "conversion_rate / control_rate - 1 > 9.9%", true },
                { "variant_visitors + control_visitors == visitors", true },
        };
        struct expr_env env = full_env();

        run_cases(cases, sizeof(cases) / sizeof(cases[0]), &env);
}

Test(expr, every_variable_by_name)
{
        struct expr_env env = { 0 };

        for (unsigned i = 0; i < EXPR_VAR_COUNT; i++) {
                enum expr_var var = (enum expr_var) i, found;
                const char *name = expr_variable_name(var);
                bool boolean = expr_variable_type(var) == EXPR_TYPE_BOOLEAN;
                char text[96];

                cr_assert_not_null(name);
                cr_expect_eq(expr_variable_lookup(name, &found), 0);
                cr_expect_eq(found, var);
                snprintf(text, sizeof(text), boolean ? "%s" : "%s == 42", name);
                memset(&env, 0, sizeof(env));
                cr_expect_not(eval_text(text, &env), "absent %s", name);
                expr_env_set(&env, var, boolean ? 1 : 42);
                cr_expect(eval_text(text, &env), "%s set", name);
        }
        cr_expect_null(expr_variable_name(EXPR_VAR_COUNT));
        cr_expect_eq(expr_variable_lookup("nope", &(enum expr_var) { 0 }), -ENOENT);
        cr_expect_eq(expr_variable_type(EXPR_VAR_SRM), EXPR_TYPE_BOOLEAN);
        cr_expect_eq(expr_variable_type(EXPR_VAR_SIGNIFICANT), EXPR_TYPE_BOOLEAN);
        cr_expect_eq(expr_variable_type(EXPR_VAR_STATUS), EXPR_TYPE_NUMBER);
}

Test(expr, null_three_valued_logic)
{
        /* lift is missing; significant is true; srm is false. */
        static const struct eval_case cases[] = {
                { "lift > 0", false }, { "lift <= 0", false }, { "!(lift > 0)", false },
                { "lift == lift", false }, { "lift != 0", false }, { "-lift < 1", false },
                { "lift + 1 > 0", false }, { "lift * 0 == 0", false },
                { "lift > 0 && false", false }, { "false && lift > 0", false },
                { "lift > 0 && true", false }, { "significant && lift > 0.02", false },
                /* null || true is true: the rule holds whatever lift is */
                { "lift > 0 || true", true }, { "true || lift > 0", true }, { "lift > 0 || significant", true },
                { "lift > 0 || false", false }, { "lift > 0 || srm", false },
                /* the negation of a null stays null, so it never fires either */
                { "!(lift > 0 && false)", true }, { "!(lift > 0 || false)", false },
                { "(lift > 0) == true", false },
                /* known-false short-circuits through a null */
                { "!(lift > 0 && srm)", true },
        };
        struct expr_env env = full_env();

        env.present[EXPR_VAR_LIFT] = false;
        run_cases(cases, sizeof(cases) / sizeof(cases[0]), &env);
}

Test(expr, division_by_zero_and_non_finite_values_are_null)
{
        struct expr_env env = full_env();

        cr_expect_not(eval_text("1 / 0 > 0", &env));
        cr_expect_not(eval_text("!(1 / 0 > 0)", &env));
        cr_expect_not(eval_text("0 / 0 == 0 / 0", &env));
        cr_expect(eval_text("1 / 0 > 0 || true", &env));
        env.value[EXPR_VAR_CONTROL_RATE] = 0;
        cr_expect_not(eval_text("conversion_rate / control_rate > 1", &env));
        cr_expect_not(eval_text("conversion_rate / control_rate <= 1", &env));
        /* an overflow to infinity is unknown, not "greater than anything" */
        cr_expect_not(eval_text("1e308 * 10 > 0", &env));
        env.value[EXPR_VAR_LIFT] = NAN;
        cr_expect_not(eval_text("lift > 0", &env));
        cr_expect_not(eval_text("!(lift > 0)", &env));
        env.value[EXPR_VAR_LIFT] = INFINITY;
        cr_expect_not(eval_text("lift > 0", &env));
}

Test(expr, syntax_errors_with_columns)
{
        expect_error("", 1, "empty expression");
        expect_error("   ", 4, "unexpected end of expression");
        expect_error("lift >", 7, "unexpected end of expression");
        expect_error("(lift > 0", 10, "expected ')'");
        expect_error("(lift > 0 lift", 11, "expected ')', got 'lift'");
        expect_error("lift > 0)", 9, "unmatched ')'");
        expect_error("lift > 0 significant", 10, "expected an operator, got 'significant'");
        expect_error("lift > > 0", 8, "expected a number, variable or '(', got '>'");
        expect_error("()", 2, "expected a number, variable or '(', got ')'");
        expect_error("lift = 1", 6, "'=' is not an operator (did you mean '=='?)");
        expect_error("srm & true", 5, "'&' is not an operator (did you mean '&&'?)");
        expect_error("srm | true", 5, "'|' is not an operator (did you mean '||'?)");
        expect_error("lift > % 5", 8, "'%' must directly follow a number, as in 5%");
        expect_error("lift > 5 %", 10, "'%' must directly follow a number, as in 5%");
        expect_error("lift @ 2", 6, "unexpected character '@'");
        expect_error("lift > \xc3\xa9", 8, "unexpected byte 0xc3");
        expect_error("lift > 1.2.3", 8, "malformed number '1.2.3'");
        expect_error("lift > 0x10", 8, "malformed number '0x10'");
        expect_error("lift > 5lift", 8, "malformed number '5lift'");
        expect_error("lift > 1e999", 8, "number out of range '1e999'");
        expect_error("srm and true", 5, "'and' is not an operator (use '&&')");
        expect_error("(srm or true)", 6, "'or' is not an operator (use '||')");
        expect_error("srm || not srm", 8, "unknown variable 'not' (use '!')");
}

Test(expr, unknown_variables_suggest_the_nearest)
{
        expect_error("lfit > 0", 1, "unknown variable 'lfit' (did you mean 'lift'?)");
        expect_error("significant && pvalue < 0.01", 16, "unknown variable 'pvalue' (did you mean 'p_value'?)");
        expect_error("hours_since_last_visitor > 48", 1,
                     "unknown variable 'hours_since_last_visitor' (did you mean 'hours_since_new_visitor'?)");
        expect_error("banana > 1", 1, "unknown variable 'banana'");
}

Test(expr, type_errors)
{
        expect_error("lift && 3", 6, "type error: '&&' needs booleans, got number");
        expect_error("srm || 1", 5, "type error: '||' needs booleans, got number");
        expect_error("significant > 1", 13, "type error: '>' needs numbers, got boolean");
        expect_error("1 + true > 0", 3, "type error: '+' needs numbers, got boolean");
        expect_error("!lift", 1, "type error: '!' needs a boolean, got number");
        expect_error("-srm", 1, "type error: unary '-' needs a number, got boolean");
        expect_error("significant == 1", 13, "type error: '==' compares boolean with number");
        expect_error("1 != srm", 3, "type error: '!=' compares number with boolean");
        expect_error("lift", 1, "type error: the condition must be a boolean, got number");
        expect_error("  (lift + 1)", 3, "type error: the condition must be a boolean, got number");
        /* a comparison yields a boolean, so chaining them is a type error */
        expect_error("0 < lift < 1", 10, "type error: '<' needs numbers, got boolean");
}

Test(expr, limits)
{
        char text[4 * EXPR_MAX_CODE + 16];
        size_t len = 0;
        struct expr_error err;
        struct expr *e = NULL;

        /* nesting */
        for (int i = 0; i < EXPR_MAX_NESTING + 1; i++)
                text[len++] = '(';
        strcpy(text + len, "true");
        cr_expect_eq(expr_compile(text, &e, &err), -EINVAL);
        cr_expect_eq(err.column, EXPR_MAX_NESTING + 1);
        cr_expect_str_eq(err.message, "expression nested too deeply (more than 64 levels)");
        /* length */
        len = 0;
        for (int i = 0; i < EXPR_MAX_CODE; i++)
                len += (size_t) sprintf(text + len, "1+");
        strcpy(text + len, "1 > 0");
        cr_expect_eq(expr_compile(text, &e, &err), -EINVAL);
        cr_expect_str_eq(err.message, "expression too long (more than 256 operations)");
        /* just within the nesting limit compiles and evaluates */
        len = 0;
        for (int i = 0; i < EXPR_MAX_NESTING; i++)
                text[len++] = '(';
        strcpy(text + len, "true");
        len += 4;
        for (int i = 0; i < EXPR_MAX_NESTING; i++)
                text[len++] = ')';
        text[len] = '\0';
        cr_assert_eq(expr_compile(text, &e, &err), 0, "%s", err.message);
        bool result = false;
        cr_expect_eq(expr_eval(e, &(struct expr_env) { 0 }, &result), 0);
        cr_expect(result);
        expr_free(e);
}

Test(expr, variant_level_detection)
{
        static const struct { const char *text; bool variant_level; } cases[] = {
                { "srm_p < 0.001", false },
                { "srm || status == 0", false },
                { "visitors > 1000 && days_running >= 7 && hours_since_new_visitor > 24", false },
                { "variants > 2 && conversions > 10", false },
                { "significant && lift > 0.02", true },
                { "srm_p < 0.001 || p_value < 0.01", true },
                { "control_visitors > 100", true },
                { "true", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct expr_error err;
                struct expr *e;

                cr_assert_eq(expr_compile(cases[i].text, &e, &err), 0);
                cr_expect_eq(expr_uses_variant_level(e), cases[i].variant_level, "%s", cases[i].text);
                expr_free(e);
        }
}

Test(expr, uses_variable)
{
        struct expr_error err;
        struct expr *e;

        cr_assert_eq(expr_compile("significant && lift_high < -5%", &e, &err), 0);
        cr_expect(expr_uses_variable(e, EXPR_VAR_SIGNIFICANT));
        cr_expect(expr_uses_variable(e, EXPR_VAR_LIFT_HIGH));
        cr_expect_not(expr_uses_variable(e, EXPR_VAR_LIFT));
        expr_free(e);
}

Test(expr, engineering_rules_table)
{
        /* The three rules of ENGINEERING.md §5 over a few situations. */
        static const char *const winner = "significant && lift > 0.02";
        static const char *const harm = "significant && lift_high < -0.05";
        static const char *const srm = "srm_p < 0.001";
        struct expr_env env = full_env();

        cr_expect(eval_text(winner, &env));
        cr_expect_not(eval_text(harm, &env));
        cr_expect_not(eval_text(srm, &env));
        expr_env_set(&env, EXPR_VAR_LIFT, -0.2);
        expr_env_set(&env, EXPR_VAR_LIFT_HIGH, -0.08);
        cr_expect_not(eval_text(winner, &env));
        cr_expect(eval_text(harm, &env));
        expr_env_set(&env, EXPR_VAR_SIGNIFICANT, 0);
        cr_expect_not(eval_text(harm, &env));
        expr_env_set(&env, EXPR_VAR_SRM_P, 0.0004);
        cr_expect(eval_text(srm, &env));
        env.present[EXPR_VAR_SRM_P] = false;
        cr_expect_not(eval_text(srm, &env));
}

Test(expr, eval_rejects_null_arguments)
{
        bool result = true;

        cr_expect_eq(expr_eval(NULL, &(struct expr_env) { 0 }, &result), -EINVAL);
}
