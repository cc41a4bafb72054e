#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_lex.h"

void expr_error_set(struct expr_error *err, size_t offset, const char *fmt, ...)
{
        va_list ap;

        err->column = (unsigned) offset + 1;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
}

static int is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int is_ident_start(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(char c)
{
        return is_ident_start(c) || is_digit(c);
}

static size_t skip_digits(const char *s, size_t i)
{
        while (is_digit(s[i]))
                i++;
        return i;
}

/* Decimal numbers only: digits with an optional fraction and exponent.
 * strtod would also take hex, "inf" and "nan", which rules have no use for. */
static int lex_number(const char *text, size_t start, struct expr_token *tok, struct expr_error *err)
{
        size_t i = skip_digits(text, start);
        char *end;
        double value;

        if (text[i] == '.')
                i = skip_digits(text, i + 1);
        if ((text[i] == 'e' || text[i] == 'E') &&
            (is_digit(text[i + 1]) || ((text[i + 1] == '+' || text[i + 1] == '-') && is_digit(text[i + 2]))))
                i = skip_digits(text, i + 2);
        if (is_ident_char(text[i]) || text[i] == '.') {
                size_t bad_end = i;

                while (is_ident_char(text[bad_end]) || text[bad_end] == '.')
                        bad_end++;
                expr_error_set(err, start, "malformed number '%.*s'", (int) (bad_end - start), text + start);
                return -EINVAL;
        }
        errno = 0;
        value = strtod(text + start, &end);
        if ((size_t) (end - text) != i || !isfinite(value)) {
                expr_error_set(err, start, "number out of range '%.*s'", (int) (i - start), text + start);
                return -EINVAL;
        }
        tok->kind = EXPR_TOK_NUMBER;
        if (text[i] == '%') {
                value /= 100;
                i++;
        }
        tok->number = value;
        tok->length = i - start;
        return 0;
}

static void lex_word(const char *text, size_t start, struct expr_token *tok)
{
        size_t i = start;

        while (is_ident_char(text[i]))
                i++;
        tok->length = i - start;
        if (tok->length == 4 && strncmp(text + start, "true", 4) == 0)
                tok->kind = EXPR_TOK_TRUE;
        else if (tok->length == 5 && strncmp(text + start, "false", 5) == 0)
                tok->kind = EXPR_TOK_FALSE;
        else
                tok->kind = EXPR_TOK_IDENT;
}

struct operator_spelling {
        const char *text;
        enum expr_token_kind kind;
};

/* Two-character operators first so that "<=" is not read as "<". */
static const struct operator_spelling operators[] = {
        { "&&", EXPR_TOK_AND }, { "||", EXPR_TOK_OR }, { "==", EXPR_TOK_EQ }, { "!=", EXPR_TOK_NE },
        { "<=", EXPR_TOK_LE }, { ">=", EXPR_TOK_GE }, { "<", EXPR_TOK_LT }, { ">", EXPR_TOK_GT },
        { "!", EXPR_TOK_NOT }, { "+", EXPR_TOK_PLUS }, { "-", EXPR_TOK_MINUS }, { "*", EXPR_TOK_STAR },
        { "/", EXPR_TOK_SLASH }, { "(", EXPR_TOK_LPAREN }, { ")", EXPR_TOK_RPAREN },
};

/* Single characters people type by habit from other languages. */
static const char *near_miss_hint(char c)
{
        switch (c) {
        case '=': return "'=' is not an operator (did you mean '=='?)";
        case '&': return "'&' is not an operator (did you mean '&&'?)";
        case '|': return "'|' is not an operator (did you mean '||'?)";
        case '%': return "'%' must directly follow a number, as in 5%";
        default:  return NULL;
        }
}

static int lex_operator(const char *text, size_t start, struct expr_token *tok, struct expr_error *err)
{
        unsigned char c = (unsigned char) text[start];
        const char *hint;

        for (size_t k = 0; k < sizeof(operators) / sizeof(operators[0]); k++) {
                size_t len = strlen(operators[k].text);

                if (strncmp(text + start, operators[k].text, len) == 0) {
                        tok->kind = operators[k].kind;
                        tok->length = len;
                        return 0;
                }
        }
        hint = near_miss_hint((char) c);
        if (hint)
                expr_error_set(err, start, "%s", hint);
        else if (c >= 0x21 && c < 0x7f)
                expr_error_set(err, start, "unexpected character '%c'", c);
        else
                expr_error_set(err, start, "unexpected byte 0x%02x", c);
        return -EINVAL;
}

int expr_lex_next(const char *text, size_t *pos, struct expr_token *tok, struct expr_error *err)
{
        size_t start = *pos + strspn(text + *pos, " \t\r\n");
        char c = text[start];
        int r = 0;

        *tok = (struct expr_token) { .start = start };
        if (c == '\0')
                tok->kind = EXPR_TOK_END;
        else if (is_digit(c) || (c == '.' && is_digit(text[start + 1])))
                r = lex_number(text, start, tok, err);
        else if (is_ident_start(c))
                lex_word(text, start, tok);
        else
                r = lex_operator(text, start, tok, err);
        if (r < 0)
                return r;
        *pos = start + tok->length;
        return 0;
}
