/* libFuzzer harness: the Get Experiment Result parser (mida_result_parse,
 * mida_results_parse) and everything a parsed result flows into every
 * cycle: analysis_run with its sequential state, the analysis as JSON and
 * as a table, and the rule variables of rule_env.h evaluated by compiled
 * rules. Whatever the API sends, none of
 * it may crash or hit undefined behaviour. */
#include <errno.h>

#include "cli/analysis_table.h"
#include "stats/analysis.h"
#include "expr/expr.h"
#include "fuzz.h"
#include "mida/mida.h"
#include "rules/rule_env.h"

/* Between them, every variable of the rule language. */
static const char *const rule_texts[] = {
        "srm || srm_p < 0.001 || visitors + conversions > 1000 && days_running >= 14",
        "status == 1 && variants > 2 && hours_since_new_visitor > 48",
        "significant && lift > 2% && lift_low > 0 && lift_high < 1 && abs_lift > 0.01",
        "p_value < 0.05 || p_value_adjusted < 0.05 || prob_beat_control > 0.95",
        ("conversion_rate / control_rate > 1.1 && variant_visitors - control_visitors > -100"
         " && variant_conversions * 2 >= 1"),
};
#define N_RULES (sizeof(rule_texts) / sizeof(rule_texts[0]))
static struct expr *rules[N_RULES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        struct expr_error err;

        fuzz_quiet_log();
        for (size_t i = 0; i < N_RULES; i++)
                if (expr_compile(rule_texts[i], &rules[i], &err) < 0) {
                        fprintf(stderr, "rule %zu: %u: %s\n", i, err.column, err.message);
                        abort();
                }
        return 0;
}

static void evaluate_rules(const struct expr_env *env)
{
        for (size_t i = 0; i < N_RULES; i++) {
                bool fired;

                FUZZ_CHECK(expr_eval(rules[i], env, &fired) == 0);
        }
}

static void analyse(const struct mida_result *r, const struct statistics_settings *settings,
                    struct sequential_state *state)
{
        struct experiment_analysis a;
        struct expr_env env;
        json_object *o;

        FUZZ_CHECK(mida_result_control(r) == NULL || mida_result_control(r)->variant_id != NULL);
        if (analysis_run(r, settings, state, &a) < 0)
                return;
        FUZZ_CHECK(a.n_variants == r->n_variants);
        rule_env_experiment(&a, 12.5, &env);
        evaluate_rules(&env);
        for (size_t i = 0; i < a.n_variants; i++) {
                if (a.variants[i].control)
                        continue;
                rule_env_variant(&a, i, &env);
                evaluate_rules(&env);
        }
        o = analysis_to_json(&a);
        if (o)
                (void) json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        json_object_put(o);
        analysis_print_table(fuzz_devnull(), &a);
        experiment_analysis_free(&a);
}

static void analyse_snapshots(const struct mida_result *results, size_t n, enum stats_method method)
{
        struct statistics_settings settings = statistics_settings_default();
        struct sequential_state state = { 0 };

        settings.method = method;
        settings.min_visitors = 1;
        settings.min_conversions = 1;
        for (size_t i = 0; i < n; i++)
                analyse(&results[i], &settings, &state);
        sequential_state_free(&state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *json = (const char *) data;
        struct mida_result one, *many;
        char *error = NULL;
        size_t n;
        int r;

        r = mida_result_parse(json, size, &one, &error);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(r != -EINVAL || error);
        if (r == 0) {
                FUZZ_CHECK(one.n_variants == 0 || one.variants);
                analyse_snapshots(&one, 1, STATS_METHOD_FIXED);
                mida_result_free(&one);
        }
        free(error);
        error = NULL;

        r = mida_results_parse(json, size, &many, &n, &error);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(r != -EINVAL || error);
        if (r == 0) {
                FUZZ_CHECK(n >= 1);
                analyse_snapshots(many, n, STATS_METHOD_SEQUENTIAL);
                mida_results_free(many, n);
        }
        free(error);
        return 0;
}
