/* Evaluation of compiled expressions with Kleene's three-valued logic: see
 * the semantics in expr.h. */
#include <errno.h>
#include <math.h>

#include "expr.h"
#include "expr_code.h"

struct value {
        bool known;    /* false: null */
        double v;      /* booleans as 0/1 */
};

static const struct value null_value = { .known = false };

static struct value known(double v)
{
        /* Overflow to infinity, or inf - inf, is as unknown as a missing value. */
        return isfinite(v) ? (struct value) { .known = true, .v = v } : null_value;
}

static struct value truth(bool b)
{
        return (struct value) { .known = true, .v = b };
}

static bool is_false(struct value a)
{
        return a.known && a.v == 0;
}

static bool is_true(struct value a)
{
        return a.known && a.v != 0;
}

static struct value logical_and(struct value a, struct value b)
{
        if (is_false(a) || is_false(b))
                return truth(false);
        return a.known && b.known ? truth(true) : null_value;
}

static struct value logical_or(struct value a, struct value b)
{
        if (is_true(a) || is_true(b))
                return truth(true);
        return a.known && b.known ? truth(false) : null_value;
}

/* Arithmetic and comparisons: null in, null out. */
static struct value strict_binary(enum expr_opcode op, struct value a, struct value b)
{
        if (!a.known || !b.known)
                return null_value;
        switch (op) {
        case EXPR_OP_ADD: return known(a.v + b.v);
        case EXPR_OP_SUB: return known(a.v - b.v);
        case EXPR_OP_MUL: return known(a.v * b.v);
        case EXPR_OP_DIV: return b.v == 0 ? null_value : known(a.v / b.v);
        case EXPR_OP_LT: return truth(a.v < b.v);
        case EXPR_OP_LE: return truth(a.v <= b.v);
        case EXPR_OP_GT: return truth(a.v > b.v);
        case EXPR_OP_GE: return truth(a.v >= b.v);
        case EXPR_OP_EQ: return truth(a.v == b.v);
        case EXPR_OP_NE: return truth(a.v != b.v);
        default: return null_value;
        }
}

static struct value binary(enum expr_opcode op, struct value a, struct value b)
{
        if (op == EXPR_OP_AND)
                return logical_and(a, b);
        if (op == EXPR_OP_OR)
                return logical_or(a, b);
        return strict_binary(op, a, b);
}

static struct value unary(enum expr_opcode op, struct value a)
{
        if (!a.known)
                return null_value;
        return op == EXPR_OP_NOT ? truth(a.v == 0) : known(-a.v);
}

static struct value variable(const struct expr_env *env, enum expr_var var)
{
        return env->present[var] ? known(env->value[var]) : null_value;
}

int expr_eval(const struct expr *e, const struct expr_env *env, bool *ret_true)
{
        /* The compiler caps the code length, and a postfix program never
         * holds more values than it has instructions. */
        struct value stack[EXPR_MAX_CODE];
        size_t top = 0;

        if (!e || !env || !ret_true)
                return -EINVAL;
        for (size_t i = 0; i < e->n_code; i++) {
                const struct expr_op *op = &e->code[i];

                switch (op->opcode) {
                case EXPR_OP_CONST:
                        stack[top++] = known(op->number);
                        break;
                case EXPR_OP_VAR:
                        stack[top++] = variable(env, op->var);
                        break;
                case EXPR_OP_NOT:
                case EXPR_OP_NEG:
                        stack[top - 1] = unary(op->opcode, stack[top - 1]);
                        break;
                default:
                        top--;
                        stack[top - 1] = binary(op->opcode, stack[top - 1], stack[top]);
                        break;
                }
        }
        *ret_true = top == 1 && is_true(stack[0]);
        return 0;
}
