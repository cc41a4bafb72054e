/* Rule expressions compiled at config load: errors at FILE:LINE:COL, the
 * serve-winner check, and compiled conditions on a valid file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "expr/expr.h"

#define DATA TEST_DATA_DIR "/rules/"

Test(config_rules, expression_errors_point_into_the_file)
{
        static const char *const want[] = {
                DATA "expression-errors.conf:4:49: unknown variable 'lfit' (did you mean 'lift'?) in 'when' of rule 'typo'",
                DATA "expression-errors.conf:6:31: expected ')' in 'when' of rule 'syntax'",
                DATA "expression-errors.conf:7:40: type error: '+' needs numbers, got boolean in 'when' of rule 'types'",
                DATA "expression-errors.conf:8: action \"serve-winner\" in rule 'serve' needs a condition on a "
                     "variant-level variable (e.g. \"significant && lift > 0\") to know which variant won",
        };
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(config_load(DATA "expression-errors.conf", &c, &diag), -EINVAL);
        cr_assert_null(c);
        cr_assert_eq(diag.n_messages, 4);
        cr_expect_eq(diag.n_errors, 4);
        for (size_t i = 0; i < 4; i++)
                cr_expect_str_eq(diag.messages[i].text, want[i]);
        config_diag_clear(&diag);
}

Test(config_rules, valid_rules_are_compiled)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        cr_assert_eq(config_load(DATA "valid.conf", &c, &diag), 0, "%s",
                     diag.n_messages ? diag.messages[0].text : "");
        cr_assert_eq(c->n_rules, 3);
        for (size_t i = 0; i < c->n_rules; i++)
                cr_expect_not_null(c->rules[i].condition, "rule %zu", i);
        cr_expect_not(expr_uses_variant_level(c->rules[0].condition));
        cr_expect(expr_uses_variant_level(c->rules[1].condition));
        cr_expect(expr_uses_variant_level(c->rules[2].condition));
        cr_expect(expr_uses_variable(c->rules[2].condition, EXPR_VAR_DAYS_RUNNING));
        config_diag_clear(&diag);
        config_free(c);
}

Test(config_rules, shipped_example_rules_compile)
{
        struct config_diag diag = {};
        struct config *c = NULL;

        unsetenv("CREDENTIALS_DIRECTORY");
        cr_assert_eq(config_load_with_flags(TEST_DATA_DIR "/../../etc/mida-monitor.conf", CONFIG_LOAD_CHECK_ONLY,
                                            &c, &diag), 0, "%s", diag.n_messages ? diag.messages[0].text : "");
        cr_assert_geq(c->n_rules, 1);
        for (size_t i = 0; i < c->n_rules; i++)
                cr_expect_not_null(c->rules[i].condition, "rule '%s'", c->rules[i].name);
        config_diag_clear(&diag);
        config_free(c);
}
