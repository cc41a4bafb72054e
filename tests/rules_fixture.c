#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules_fixture.h"

static struct analysis_number number(double v)
{
        return (struct analysis_number) { .value = isfinite(v) ? v : 0, .valid = isfinite(v) };
}

static void fill_variant(struct variant_analysis *out, const struct variant_spec *v, bool control,
                         double control_rate)
{
        double rate = v->visitors > 0 ? (double) v->conversions / (double) v->visitors : NAN;

        *out = (struct variant_analysis) {
                .variant_id = strdup(v->id), .control = control,
                .visitors = v->visitors, .conversions = v->conversions, .counts_valid = true,
                .conversion_rate = number(rate),
                .lift = number(NAN), .abs_lift = number(NAN), .lift_low = number(NAN), .lift_high = number(NAN),
                .p_value = number(NAN), .p_value_adjusted = number(NAN), .prob_beat_control = number(NAN),
        };
        cr_assert_not_null(out->variant_id);
        if (control)
                return;
        out->lift = number(v->lift);
        out->abs_lift = number(rate - control_rate);
        out->lift_low = number(v->lift_low);
        out->lift_high = number(v->lift_high);
        out->p_value = out->p_value_adjusted = number(v->p_value);
        out->prob_beat_control = number(v->prob_beat);
        out->significant = (struct analysis_flag) { .value = v->significant == 1, .valid = v->significant >= 0 };
}

void fixture_analysis(struct experiment_analysis *a, long long id, const char *name,
                      const struct variant_spec *v, size_t n)
{
        double control_rate = (double) v[0].conversions / (double) v[0].visitors;

        *a = (struct experiment_analysis) {
                .test_id = id, .test_name = name ? strdup(name) : NULL, .status_code = 1, .days_running = 12,
                .srm_p = { .value = 0.5, .valid = true }, .srm = { .value = false, .valid = true },
                .method = STATS_METHOD_SEQUENTIAL, .alpha = 0.05, .n_variants = n,
                .variants = calloc(n, sizeof(*a->variants)),
        };
        cr_assert_not_null(a->variants);
        for (size_t i = 0; i < n; i++) {
                fill_variant(&a->variants[i], &v[i], i == 0, control_rate);
                a->visitors += v[i].visitors;
                a->conversions += v[i].conversions;
        }
}

struct config *fixture_config(const char *rules_list)
{
        char path[] = "/tmp/mida-rules-test-XXXXXX";
        struct config_diag diag = {};
        struct config *c = NULL;
        int fd = mkstemp(path), r;
        FILE *f;

        cr_assert_geq(fd, 0);
        f = fdopen(fd, "w");
        cr_assert_not_null(f);
        fprintf(f, "mida: { project_key = \"p\"; api_key = \"k\"; };\n"
                   "monitor: { state_directory = \"/tmp\"; };\n"
                   "rules = %s;\n", rules_list);
        fclose(f);
        r = config_load(path, &c, &diag);
        unlink(path);
        cr_assert_eq(r, 0, "config rejected: %s", diag.n_messages ? diag.messages[0].text : "?");
        config_diag_clear(&diag);
        return c;
}

char *fixture_directory(void)
{
        char *dir = strdup("/tmp/mida-rules-state-XXXXXX");

        cr_assert_not_null(dir);
        cr_assert_not_null(mkdtemp(dir));
        return dir;
}

void fixture_remove_directory(char *dir)
{
        char command[512];

        snprintf(command, sizeof(command), "rm -rf '%s'", dir);
        cr_expect_eq(system(command), 0);
        free(dir);
}
