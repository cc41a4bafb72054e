/* Rule expressions: variable table, and a recursive-descent parser that
 * type-checks as it goes and emits postfix code (expr_code.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "expr_code.h"
#include "expr_lex.h"
#include "util/suggest.h"

struct variable_info {
        const char *name;
        enum expr_type type;
        enum expr_level level;
};

#define EXPERIMENT_NUMBER(n) { n, EXPR_TYPE_NUMBER, EXPR_LEVEL_EXPERIMENT }
#define VARIANT_NUMBER(n) { n, EXPR_TYPE_NUMBER, EXPR_LEVEL_VARIANT }

static const struct variable_info variables[EXPR_VAR_COUNT] = {
        [EXPR_VAR_VISITORS] = EXPERIMENT_NUMBER("visitors"),
        [EXPR_VAR_CONVERSIONS] = EXPERIMENT_NUMBER("conversions"),
        [EXPR_VAR_DAYS_RUNNING] = EXPERIMENT_NUMBER("days_running"),
        [EXPR_VAR_SRM_P] = EXPERIMENT_NUMBER("srm_p"),
        [EXPR_VAR_SRM] = { "srm", EXPR_TYPE_BOOLEAN, EXPR_LEVEL_EXPERIMENT },
        [EXPR_VAR_VARIANTS] = EXPERIMENT_NUMBER("variants"),
        [EXPR_VAR_HOURS_SINCE_NEW_VISITOR] = EXPERIMENT_NUMBER("hours_since_new_visitor"),
        [EXPR_VAR_STATUS] = EXPERIMENT_NUMBER("status"),
        [EXPR_VAR_LIFT] = VARIANT_NUMBER("lift"),
        [EXPR_VAR_ABS_LIFT] = VARIANT_NUMBER("abs_lift"),
        [EXPR_VAR_LIFT_LOW] = VARIANT_NUMBER("lift_low"),
        [EXPR_VAR_LIFT_HIGH] = VARIANT_NUMBER("lift_high"),
        [EXPR_VAR_P_VALUE] = VARIANT_NUMBER("p_value"),
        [EXPR_VAR_P_VALUE_ADJUSTED] = VARIANT_NUMBER("p_value_adjusted"),
        [EXPR_VAR_SIGNIFICANT] = { "significant", EXPR_TYPE_BOOLEAN, EXPR_LEVEL_VARIANT },
        [EXPR_VAR_PROB_BEAT_CONTROL] = VARIANT_NUMBER("prob_beat_control"),
        [EXPR_VAR_CONVERSION_RATE] = VARIANT_NUMBER("conversion_rate"),
        [EXPR_VAR_CONTROL_RATE] = VARIANT_NUMBER("control_rate"),
        [EXPR_VAR_VARIANT_VISITORS] = VARIANT_NUMBER("variant_visitors"),
        [EXPR_VAR_VARIANT_CONVERSIONS] = VARIANT_NUMBER("variant_conversions"),
        [EXPR_VAR_CONTROL_VISITORS] = VARIANT_NUMBER("control_visitors"),
        [EXPR_VAR_DAYS_TO_DECISION] = VARIANT_NUMBER("days_to_decision"),
        [EXPR_VAR_UNDERPOWERED] = { "underpowered", EXPR_TYPE_BOOLEAN, EXPR_LEVEL_VARIANT },
};

static bool variable_valid(enum expr_var var)
{
        return (unsigned) var < EXPR_VAR_COUNT;
}

const char *expr_variable_name(enum expr_var var)
{
        return variable_valid(var) ? variables[var].name : NULL;
}

enum expr_type expr_variable_type(enum expr_var var)
{
        return variable_valid(var) ? variables[var].type : EXPR_TYPE_NUMBER;
}

enum expr_level expr_variable_level(enum expr_var var)
{
        return variable_valid(var) ? variables[var].level : EXPR_LEVEL_EXPERIMENT;
}

int expr_variable_lookup(const char *name, enum expr_var *ret)
{
        for (unsigned i = 0; i < EXPR_VAR_COUNT; i++)
                if (strcmp(variables[i].name, name) == 0) {
                        *ret = (enum expr_var) i;
                        return 0;
                }
        return -ENOENT;
}

struct parser {
        const char *text;
        size_t pos;               /* where the lexer continues */
        struct expr_token tok;    /* the lookahead token */
        struct expr_error *err;
        unsigned depth;
        size_t n_code;
        struct expr_op code[EXPR_MAX_CODE];
};

static const char *type_name(enum expr_type t)
{
        return t == EXPR_TYPE_BOOLEAN ? "boolean" : "number";
}

static int advance(struct parser *p)
{
        return expr_lex_next(p->text, &p->pos, &p->tok, p->err);
}

/* The lookahead as the user wrote it, for messages. */
#define TOKEN_FMT "'%.*s'"
#define TOKEN_ARGS(p) (int) ((p)->tok.length < 40 ? (p)->tok.length : 40), (p)->text + (p)->tok.start

static int emit(struct parser *p, struct expr_op op)
{
        if (p->n_code >= EXPR_MAX_CODE) {
                expr_error_set(p->err, p->tok.start, "expression too long (more than %d operations)",
                               EXPR_MAX_CODE);
                return -EINVAL;
        }
        p->code[p->n_code++] = op;
        return 0;
}

static int enter(struct parser *p)
{
        if (++p->depth > EXPR_MAX_NESTING) {
                expr_error_set(p->err, p->tok.start, "expression nested too deeply (more than %d levels)",
                               EXPR_MAX_NESTING);
                return -EINVAL;
        }
        return 0;
}

enum operand_rule { NEEDS_BOOLEANS, NEEDS_NUMBERS, NEEDS_SAME_TYPE };

struct binary_operator {
        enum expr_token_kind token;
        enum expr_opcode opcode;
        const char *spelling;
};

struct precedence_level {
        enum operand_rule rule;
        enum expr_type result;
        struct binary_operator ops[4];
};

/* Loosest binding first; see the grammar in expr.h. Unused slots have a
 * NULL spelling. */
static const struct precedence_level levels[] = {
        { NEEDS_BOOLEANS, EXPR_TYPE_BOOLEAN, { { EXPR_TOK_OR, EXPR_OP_OR, "||" } } },
        { NEEDS_BOOLEANS, EXPR_TYPE_BOOLEAN, { { EXPR_TOK_AND, EXPR_OP_AND, "&&" } } },
        { NEEDS_SAME_TYPE, EXPR_TYPE_BOOLEAN,
          { { EXPR_TOK_EQ, EXPR_OP_EQ, "==" }, { EXPR_TOK_NE, EXPR_OP_NE, "!=" } } },
        { NEEDS_NUMBERS, EXPR_TYPE_BOOLEAN,
          { { EXPR_TOK_LT, EXPR_OP_LT, "<" }, { EXPR_TOK_LE, EXPR_OP_LE, "<=" },
            { EXPR_TOK_GT, EXPR_OP_GT, ">" }, { EXPR_TOK_GE, EXPR_OP_GE, ">=" } } },
        { NEEDS_NUMBERS, EXPR_TYPE_NUMBER,
          { { EXPR_TOK_PLUS, EXPR_OP_ADD, "+" }, { EXPR_TOK_MINUS, EXPR_OP_SUB, "-" } } },
        { NEEDS_NUMBERS, EXPR_TYPE_NUMBER,
          { { EXPR_TOK_STAR, EXPR_OP_MUL, "*" }, { EXPR_TOK_SLASH, EXPR_OP_DIV, "/" } } },
};
#define N_LEVELS (sizeof(levels) / sizeof(levels[0]))

static int parse_level(struct parser *p, size_t level, enum expr_type *ret_type);

/* Words people carry over from other rule languages, and what to write instead. */
static const char *keyword_replacement(const struct parser *p)
{
        static const struct { const char *word, *op; } keywords[] = {
                { "and", "&&" }, { "or", "||" }, { "not", "!" },
        };

        for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
                if (p->tok.length == strlen(keywords[k].word) &&
                    strncmp(p->text + p->tok.start, keywords[k].word, p->tok.length) == 0)
                        return keywords[k].op;
        return NULL;
}

static int unknown_variable(struct parser *p)
{
        const char *names[EXPR_VAR_COUNT], *nearest, *replacement = keyword_replacement(p);
        char word[64];

        snprintf(word, sizeof(word), "%.*s", TOKEN_ARGS(p));
        if (replacement) {
                expr_error_set(p->err, p->tok.start, "unknown variable '%s' (use '%s')", word, replacement);
                return -EINVAL;
        }
        for (unsigned i = 0; i < EXPR_VAR_COUNT; i++)
                names[i] = variables[i].name;
        nearest = suggest_nearest(word, names, EXPR_VAR_COUNT);
        if (nearest)
                expr_error_set(p->err, p->tok.start, "unknown variable '%s' (did you mean '%s'?)",
                               word, nearest);
        else
                expr_error_set(p->err, p->tok.start, "unknown variable '%s'", word);
        return -EINVAL;
}

/* A complete operand followed by something that cannot continue it. */
static int unexpected_after_operand(struct parser *p, const char *expected)
{
        const char *replacement = keyword_replacement(p);

        if (p->tok.kind == EXPR_TOK_IDENT && replacement)
                expr_error_set(p->err, p->tok.start, TOKEN_FMT " is not an operator (use '%s')", TOKEN_ARGS(p),
                               replacement);
        else if (p->tok.kind == EXPR_TOK_END)
                expr_error_set(p->err, p->tok.start, "expected %s", expected);
        else
                expr_error_set(p->err, p->tok.start, "expected %s, got " TOKEN_FMT, expected, TOKEN_ARGS(p));
        return -EINVAL;
}

static int parse_variable(struct parser *p, enum expr_type *ret_type)
{
        enum expr_var var;
        char word[64];

        snprintf(word, sizeof(word), "%.*s", TOKEN_ARGS(p));
        if (p->tok.length >= sizeof(word) || expr_variable_lookup(word, &var) < 0)
                return unknown_variable(p);
        *ret_type = variables[var].type;
        return emit(p, (struct expr_op) { .opcode = EXPR_OP_VAR, .var = var });
}

static int parse_parenthesised(struct parser *p, enum expr_type *ret_type)
{
        int r = enter(p);

        if (r >= 0)
                r = advance(p);
        if (r >= 0)
                r = parse_level(p, 0, ret_type);
        if (r < 0)
                return r;
        if (p->tok.kind != EXPR_TOK_RPAREN)
                return unexpected_after_operand(p, "')'");
        p->depth--;
        return 0;
}

/* Leaves the lookahead on the token after the primary. */
static int parse_primary(struct parser *p, enum expr_type *ret_type)
{
        int r;

        switch (p->tok.kind) {
        case EXPR_TOK_NUMBER:
                *ret_type = EXPR_TYPE_NUMBER;
                r = emit(p, (struct expr_op) { .opcode = EXPR_OP_CONST, .number = p->tok.number });
                break;
        case EXPR_TOK_TRUE:
        case EXPR_TOK_FALSE:
                *ret_type = EXPR_TYPE_BOOLEAN;
                r = emit(p, (struct expr_op) { .opcode = EXPR_OP_CONST,
                                               .number = p->tok.kind == EXPR_TOK_TRUE });
                break;
        case EXPR_TOK_IDENT:
                r = parse_variable(p, ret_type);
                break;
        case EXPR_TOK_LPAREN:
                r = parse_parenthesised(p, ret_type);
                break;
        case EXPR_TOK_END:
                expr_error_set(p->err, p->tok.start, p->tok.start == 0 && p->text[0] == '\0'
                               ? "empty expression" : "unexpected end of expression");
                return -EINVAL;
        default:
                expr_error_set(p->err, p->tok.start, "expected a number, variable or '(', got " TOKEN_FMT,
                               TOKEN_ARGS(p));
                return -EINVAL;
        }
        return r < 0 ? r : advance(p);
}

static int parse_unary(struct parser *p, enum expr_type *ret_type)
{
        enum expr_token_kind kind = p->tok.kind;
        size_t op_start = p->tok.start;
        enum expr_type operand;
        int r;

        if (kind != EXPR_TOK_NOT && kind != EXPR_TOK_MINUS)
                return parse_primary(p, ret_type);
        r = enter(p);
        if (r >= 0)
                r = advance(p);
        if (r >= 0)
                r = parse_unary(p, &operand);
        if (r < 0)
                return r;
        p->depth--;
        if (kind == EXPR_TOK_NOT && operand != EXPR_TYPE_BOOLEAN) {
                expr_error_set(p->err, op_start, "type error: '!' needs a boolean, got number");
                return -EINVAL;
        }
        if (kind == EXPR_TOK_MINUS && operand != EXPR_TYPE_NUMBER) {
                expr_error_set(p->err, op_start, "type error: unary '-' needs a number, got boolean");
                return -EINVAL;
        }
        *ret_type = operand;
        return emit(p, (struct expr_op) { .opcode = kind == EXPR_TOK_NOT ? EXPR_OP_NOT : EXPR_OP_NEG });
}

static const struct binary_operator *find_operator(const struct precedence_level *l, enum expr_token_kind kind)
{
        for (size_t i = 0; i < sizeof(l->ops) / sizeof(l->ops[0]) && l->ops[i].spelling; i++)
                if (l->ops[i].token == kind)
                        return &l->ops[i];
        return NULL;
}

static int check_operands(struct parser *p, const struct precedence_level *l, const struct binary_operator *op,
                          size_t op_start, enum expr_type left, enum expr_type right)
{
        switch (l->rule) {
        case NEEDS_BOOLEANS:
                if (left == EXPR_TYPE_BOOLEAN && right == EXPR_TYPE_BOOLEAN)
                        return 0;
                expr_error_set(p->err, op_start, "type error: '%s' needs booleans, got number", op->spelling);
                return -EINVAL;
        case NEEDS_NUMBERS:
                if (left == EXPR_TYPE_NUMBER && right == EXPR_TYPE_NUMBER)
                        return 0;
                expr_error_set(p->err, op_start, "type error: '%s' needs numbers, got boolean", op->spelling);
                return -EINVAL;
        case NEEDS_SAME_TYPE:
                if (left == right)
                        return 0;
                expr_error_set(p->err, op_start, "type error: '%s' compares %s with %s", op->spelling,
                               type_name(left), type_name(right));
                return -EINVAL;
        }
        return -EINVAL;
}

static int parse_level(struct parser *p, size_t level, enum expr_type *ret_type)
{
        const struct binary_operator *op;
        enum expr_type left, right;
        int r;

        if (level == N_LEVELS)
                return parse_unary(p, ret_type);
        r = parse_level(p, level + 1, &left);
        while (r >= 0 && (op = find_operator(&levels[level], p->tok.kind))) {
                size_t op_start = p->tok.start;

                r = advance(p);
                if (r >= 0)
                        r = parse_level(p, level + 1, &right);
                if (r >= 0)
                        r = check_operands(p, &levels[level], op, op_start, left, right);
                if (r >= 0)
                        r = emit(p, (struct expr_op) { .opcode = op->opcode });
                left = levels[level].result;
        }
        *ret_type = left;
        return r;
}

static int parse_condition(struct parser *p)
{
        enum expr_type type;
        size_t start;
        int r = advance(p);

        start = p->tok.start;
        if (r >= 0)
                r = parse_level(p, 0, &type);
        if (r < 0)
                return r;
        if (p->tok.kind == EXPR_TOK_RPAREN) {
                expr_error_set(p->err, p->tok.start, "unmatched ')'");
                return -EINVAL;
        }
        if (p->tok.kind != EXPR_TOK_END)
                return unexpected_after_operand(p, "an operator");
        if (type != EXPR_TYPE_BOOLEAN) {
                expr_error_set(p->err, start, "type error: the condition must be a boolean, got number");
                return -EINVAL;
        }
        return 0;
}

int expr_compile(const char *text, struct expr **ret, struct expr_error *err)
{
        struct parser *p;
        struct expr *e;
        int r;

        if (!text || !ret || !err)
                return -EINVAL;
        *err = (struct expr_error) { 0 };
        /* The parser holds the code buffer: too big for a daemon's stack. */
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->text = text;
        p->err = err;
        r = parse_condition(p);
        if (r < 0) {
                free(p);
                return r;
        }
        e = malloc(sizeof(*e) + p->n_code * sizeof(e->code[0]));
        if (!e) {
                free(p);
                return -ENOMEM;
        }
        e->n_code = p->n_code;
        memcpy(e->code, p->code, p->n_code * sizeof(e->code[0]));
        e->variant_level = false;
        for (size_t i = 0; i < e->n_code; i++)
                if (e->code[i].opcode == EXPR_OP_VAR && variables[e->code[i].var].level == EXPR_LEVEL_VARIANT)
                        e->variant_level = true;
        free(p);
        *ret = e;
        return 0;
}

void expr_free(struct expr *e)
{
        free(e);
}

bool expr_uses_variant_level(const struct expr *e)
{
        return e->variant_level;
}

bool expr_uses_variable(const struct expr *e, enum expr_var var)
{
        for (size_t i = 0; i < e->n_code; i++)
                if (e->code[i].opcode == EXPR_OP_VAR && e->code[i].var == var)
                        return true;
        return false;
}
