/* libFuzzer harness: the rule expression compiler and evaluator. The input
 * is the expression text, optionally followed by a NUL byte and one byte
 * per variable choosing its value (absent, 0, NaN, ±infinity, extremes...).
 * A compiled expression is evaluated against that environment, an all-null
 * one and two all-present ones. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>

#include "expr/expr.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        fuzz_quiet_log();
        return 0;
}

static void env_from_bytes(const uint8_t *p, size_t n, struct expr_env *env)
{
        static const double values[] = {
                0, -0.0, 1, -1, 0.05, 0.5, 100, 1e9, -1e9, DBL_MAX, -DBL_MAX, DBL_MIN,
                DBL_TRUE_MIN, (double) LLONG_MAX, INFINITY, -INFINITY, NAN,
        };
        const size_t n_values = sizeof(values) / sizeof(values[0]);

        *env = (struct expr_env) { 0 };
        for (size_t v = 0; v < EXPR_VAR_COUNT && v < n; v++)
                if (p[v] % (n_values + 1) < n_values)
                        expr_env_set(env, (enum expr_var) v, values[p[v] % (n_values + 1)]);
}

static void fill(struct expr_env *env, double value)
{
        *env = (struct expr_env) { 0 };
        for (unsigned v = 0; v < EXPR_VAR_COUNT; v++)
                expr_env_set(env, (enum expr_var) v, value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *nul = memchr(data, '\0', size);
        size_t text_len = nul ? (size_t) (nul - data) : size;
        char *text = fuzz_string(data, text_len);
        struct expr_error err = { 0 };
        struct expr *e = NULL;
        struct expr_env env;
        bool result;
        int r;

        r = expr_compile(text, &e, &err);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r == -EINVAL) {
                /* The column points into the text (or just past its end). */
                FUZZ_CHECK(err.column >= 1 && err.column <= text_len + 1);
                FUZZ_CHECK(err.message[0] != '\0');
                FUZZ_CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL);
        }
        if (r == 0) {
                FUZZ_CHECK(e);
                (void) expr_uses_variant_level(e);
                for (unsigned v = 0; v < EXPR_VAR_COUNT; v++)
                        (void) expr_uses_variable(e, (enum expr_var) v);
                env_from_bytes(nul ? nul + 1 : data, nul ? size - text_len - 1 : 0, &env);
                FUZZ_CHECK(expr_eval(e, &env, &result) == 0);
                fill(&env, 1);
                FUZZ_CHECK(expr_eval(e, &env, &result) == 0);
                fill(&env, 0);
                FUZZ_CHECK(expr_eval(e, &env, &result) == 0);
                env = (struct expr_env) { 0 };
                FUZZ_CHECK(expr_eval(e, &env, &result) == 0);
                expr_free(e);
        }
        free(text);
        return 0;
}
