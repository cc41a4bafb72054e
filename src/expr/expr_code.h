/* The compiled form of an expression: postfix code for a small stack
 * machine, one allocation per expression. Shared by the compiler (expr.c)
 * and the evaluator (expr_eval.c) only. */
#pragma once
#include "expr.h"

enum expr_opcode {
        EXPR_OP_CONST,       /* push number (booleans as 0/1) */
        EXPR_OP_VAR,         /* push variable, null when absent */
        EXPR_OP_NOT,
        EXPR_OP_NEG,
        EXPR_OP_ADD,
        EXPR_OP_SUB,
        EXPR_OP_MUL,
        EXPR_OP_DIV,
        EXPR_OP_LT,
        EXPR_OP_LE,
        EXPR_OP_GT,
        EXPR_OP_GE,
        EXPR_OP_EQ,
        EXPR_OP_NE,
        EXPR_OP_AND,
        EXPR_OP_OR,
};

struct expr_op {
        enum expr_opcode opcode;
        enum expr_var var;   /* EXPR_OP_VAR */
        double number;       /* EXPR_OP_CONST */
};

struct expr {
        bool variant_level;
        size_t n_code;
        struct expr_op code[];
};
