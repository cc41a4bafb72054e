/* Room expr/: the rule expression language of `when` — lexer, compiler to
 * postfix code, evaluator — pure, and a room of its own so that config can
 * check every `when` at load without reaching up into rules.
 * May use: util/ ("did you mean" for a misspelt variable).
 * Used by: config, rules.
 *
 * An expression is compiled once at config load and evaluated every cycle
 * against one experiment (or one of its variants).
 *
 *   expr     := or
 *   or       := and ( "||" and )*
 *   and      := equality ( "&&" equality )*
 *   equality := relation ( ( "==" | "!=" ) relation )*
 *   relation := sum ( ( "<" | "<=" | ">" | ">=" ) sum )*
 *   sum      := product ( ( "+" | "-" ) product )*
 *   product  := unary ( ( "*" | "/" ) unary )*
 *   unary    := ( "!" | "-" ) unary | primary
 *   primary  := NUMBER [ "%" ] | "true" | "false" | VARIABLE | "(" expr ")"
 *
 * Binary operators are left-associative. "5%" is 0.05. Two types, number and
 * boolean, checked at compile time: arithmetic and < <= > >= take numbers,
 * && || ! take booleans, == != take two of the same type, and the whole
 * condition must be a boolean.
 *
 * Missing data (Kleene three-valued logic): a variable that is not present,
 * or whose value is not finite, is null. Null propagates through arithmetic,
 * comparisons and '!'; division by zero (or an overflow to infinity) gives
 * null too. "null && false" is false and "null || true" is true; every
 * other && / || involving null is null. A null result counts as false. So a
 * rule fires only when its condition holds whatever the missing values
 * were, and missing data is never an error at run time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum expr_var {
        /* experiment level */
        EXPR_VAR_VISITORS,
        EXPR_VAR_CONVERSIONS,
        EXPR_VAR_DAYS_RUNNING,
        EXPR_VAR_SRM_P,
        EXPR_VAR_SRM,                     /* boolean */
        EXPR_VAR_VARIANTS,                /* number of variants, control included */
        EXPR_VAR_HOURS_SINCE_NEW_VISITOR,
        EXPR_VAR_STATUS,                  /* 1 live, 0 inactive, 9 draft */
        /* variant level: the rule is evaluated once per non-control variant */
        EXPR_VAR_LIFT,
        EXPR_VAR_ABS_LIFT,
        EXPR_VAR_LIFT_LOW,
        EXPR_VAR_LIFT_HIGH,
        EXPR_VAR_P_VALUE,
        EXPR_VAR_P_VALUE_ADJUSTED,
        EXPR_VAR_SIGNIFICANT,             /* boolean */
        EXPR_VAR_PROB_BEAT_CONTROL,
        EXPR_VAR_CONVERSION_RATE,
        EXPR_VAR_CONTROL_RATE,
        EXPR_VAR_VARIANT_VISITORS,
        EXPR_VAR_VARIANT_CONVERSIONS,
        EXPR_VAR_CONTROL_VISITORS,
        EXPR_VAR_DAYS_TO_DECISION,        /* if the observed rates held; null when none */
        EXPR_VAR_UNDERPOWERED,            /* boolean: days_to_decision beyond decision_horizon */
        EXPR_VAR_COUNT
};

enum expr_type { EXPR_TYPE_NUMBER, EXPR_TYPE_BOOLEAN };
enum expr_level { EXPR_LEVEL_EXPERIMENT, EXPR_LEVEL_VARIANT };

/* The name as written in rules ("lift"); NULL for a value out of range. */
const char *expr_variable_name(enum expr_var var);
enum expr_type expr_variable_type(enum expr_var var);
enum expr_level expr_variable_level(enum expr_var var);
/* Returns 0 and the variable named `name`, or -ENOENT. */
int expr_variable_lookup(const char *name, enum expr_var *ret);

/* Values for one evaluation; booleans as 0/1. A variable whose present[] is
 * false is null. Zero-initialise, then fill with expr_env_set(). */
struct expr_env {
        double value[EXPR_VAR_COUNT];
        bool present[EXPR_VAR_COUNT];
};

static inline void expr_env_set(struct expr_env *env, enum expr_var var, double value)
{
        env->value[var] = value;
        env->present[var] = true;
}

#define EXPR_ERROR_MESSAGE_MAX 192

struct expr_error {
        unsigned column;                       /* 1-based byte offset in the text */
        char message[EXPR_ERROR_MESSAGE_MAX];  /* e.g. "expected ')'" */
};

/* Limits that keep evaluation allocation-free and the parser's recursion
 * shallow; real rules are far below them. */
#define EXPR_MAX_CODE 256
#define EXPR_MAX_NESTING 64

struct expr;

/* Compiles `text`. Returns 0 and *ret (free with expr_free), -EINVAL with
 * *err filled for a syntax error, unknown variable (with the nearest known
 * name) or type error, or -ENOMEM. err->column counts from the first
 * character of text: a caller that knows where text starts in a file adds
 * that column minus one. */
int expr_compile(const char *text, struct expr **ret, struct expr_error *err);
void expr_free(struct expr *e);
static inline void expr_freep(struct expr **e)
{
        expr_free(*e);
}

/* Whether the expression names a variant-level variable, i.e. must be
 * evaluated once per non-control variant. */
bool expr_uses_variant_level(const struct expr *e);
/* Whether the expression names `var` at all. */
bool expr_uses_variable(const struct expr *e, enum expr_var var);

/* Evaluates against env. Returns 0 and *ret_true (false when the result is
 * false or null), or -EINVAL for NULL arguments. Pure: no allocation. */
int expr_eval(const struct expr *e, const struct expr_env *env, bool *ret_true);
