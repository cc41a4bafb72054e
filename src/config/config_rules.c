/* Compiling each rule's `when` at load time, so that check-config and a
 * reload report expression errors as FILE:LINE:COL before anything runs. */
#include <errno.h>

#include "config_loader.h"
#include "expr/expr.h"

/* The column in the file of the expression's column `expr_column`; 0 (no
 * column) when the loader could not tell where the string starts. */
static unsigned file_column(const struct config_rule *r, unsigned expr_column)
{
        if (r->when_column == 0 || expr_column == 0)
                return 0;
        return r->when_column + expr_column - 1;
}

/* serve-winner needs a variant to serve: the condition must be evaluated per
 * variant. Whether that variant's lift is positive is checked when the
 * action runs (a variant with lift <= 0 or null is skipped with a warning),
 * since no syntactic test can prove "lift > 0" from an arbitrary condition. */
static void check_serve_winner(struct config_loader *l, const config_setting_t *group, const char *where,
                               const struct config_rule *r)
{
        if (r->action != RULE_ACTION_SERVE_WINNER || expr_uses_variant_level(r->condition))
                return;
        loader_error(l, config_setting_get_member(group, "action"),
                     "action \"serve-winner\" in %s needs a condition on a variant-level variable "
                     "(e.g. \"significant && lift > 0\") to know which variant won", where);
}

void compile_rule_condition(struct config_loader *l, const config_setting_t *group, const char *where,
                            struct config_rule *r)
{
        struct expr_error err = {};
        int k;

        if (!r->when || !*r->when || !r->when_file)   /* missing or empty: reported already */
                return;
        k = expr_compile(r->when, &r->condition, &err);
        if (k == -EINVAL)
                config_diag_add(l->diag, false, r->when_file, r->when_line, file_column(r, err.column),
                                "%s in 'when' of %s", err.message, where);
        else if (k < 0)
                l->diag->out_of_memory = true;
        if (k < 0)
                return;
        check_serve_winner(l, group, where, r);
}
