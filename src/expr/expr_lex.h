/* Tokens of the rule expression language (see expr.h). Internal to expr.c. */
#pragma once
#include <stddef.h>

#include "expr.h"

enum expr_token_kind {
        EXPR_TOK_END,
        EXPR_TOK_NUMBER,
        EXPR_TOK_TRUE,
        EXPR_TOK_FALSE,
        EXPR_TOK_IDENT,
        EXPR_TOK_AND,
        EXPR_TOK_OR,
        EXPR_TOK_NOT,
        EXPR_TOK_EQ,
        EXPR_TOK_NE,
        EXPR_TOK_LT,
        EXPR_TOK_LE,
        EXPR_TOK_GT,
        EXPR_TOK_GE,
        EXPR_TOK_PLUS,
        EXPR_TOK_MINUS,
        EXPR_TOK_STAR,
        EXPR_TOK_SLASH,
        EXPR_TOK_LPAREN,
        EXPR_TOK_RPAREN,
};

struct expr_token {
        enum expr_token_kind kind;
        size_t start;    /* byte offset in the text */
        size_t length;
        double number;   /* EXPR_TOK_NUMBER: the value, a percent already divided by 100 */
};

/* Reads the token at text[*pos] (after blanks) and advances *pos past it.
 * Returns 0, or -EINVAL with *err filled. */
int expr_lex_next(const char *text, size_t *pos, struct expr_token *tok, struct expr_error *err);

/* Fills err with column (0-based offset + 1) and a printf-style message. */
void expr_error_set(struct expr_error *err, size_t offset, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
