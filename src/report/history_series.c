/* The polls rows of one experiment → one snapshot per poll time, with the
 * counts of unchanged variants carried forward → their analyses. */
#include "history_series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int copy_string(char **to, const char *from)
{
        char *copy = from ? strdup(from) : NULL;

        if (from && !copy)
                return -ENOMEM;
        free(*to);
        *to = copy;
        return 0;
}

int history_series_init(struct history_series *s, long long experiment_id, const char *name)
{
        *s = (struct history_series) { .experiment_id = experiment_id };
        return copy_string(&s->name, name);
}

void history_series_free(struct history_series *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_variants; i++) {
                free(s->variants[i].variant_id);
                free(s->variants[i].name);
        }
        free(s->variants);
        free(s->polled_at);
        free(s->counts);
        free(s->name);
        *s = (struct history_series) { 0 };
}

int history_series_find(const struct history_series *s, const char *variant_id)
{
        for (size_t i = 0; i < s->n_variants; i++)
                if (strcmp(s->variants[i].variant_id, variant_id) == 0)
                        return (int) i;
        return -1;
}

/* A new variant: one more column in every poll (unknown so far). Variants
 * are few and new ones rare, so the matrix is simply rebuilt. */
static int add_variant(struct history_series *s, const char *variant_id, int *ret)
{
        size_t n = s->n_variants, rows = s->cap_polls;
        struct history_variant *variants = realloc(s->variants, (n + 1) * sizeof(*variants));
        struct history_counts *counts = NULL;
        char *id = strdup(variant_id);

        if (variants)
                s->variants = variants;
        if (!variants || !id || (rows > 0 && !(counts = calloc(rows * (n + 1), sizeof(*counts))))) {
                free(id);
                return -ENOMEM;
        }
        for (size_t p = 0; p < s->n_polls; p++)
                memcpy(&counts[p * (n + 1)], &s->counts[p * n], n * sizeof(*counts));
        if (rows > 0) {
                free(s->counts);
                s->counts = counts;
        }
        s->variants[n] = (struct history_variant) { .variant_id = id };
        s->n_variants = n + 1;
        *ret = (int) n;
        return 0;
}

int history_series_declare(struct history_series *s, const char *variant_id, const char *name, bool control)
{
        int i = history_series_find(s, variant_id), r;

        if (i < 0 && (r = add_variant(s, variant_id, &i)) < 0)
                return r;
        if (copy_string(&s->variants[i].name, name) < 0)
                return -ENOMEM;
        s->variants[i].control = control;
        return 0;
}

/* A new poll time: the counts of the one before, carried forward. */
static int add_poll(struct history_series *s, int64_t polled_at)
{
        size_t n = s->n_variants;

        if (s->n_polls == s->cap_polls) {
                size_t cap = s->cap_polls ? s->cap_polls * 2 : 16;
                int64_t *times = realloc(s->polled_at, cap * sizeof(*times));
                if (times)
                        s->polled_at = times;
                struct history_counts *counts = times ? realloc(s->counts, cap * (n ? n : 1) * sizeof(*counts)) : NULL;
                if (!counts)
                        return -ENOMEM;
                s->counts = counts;
                s->cap_polls = cap;
        }
        struct history_counts *row = &s->counts[s->n_polls * n];
        if (s->n_polls > 0)
                memcpy(row, row - n, n * sizeof(*row));
        else
                memset(row, 0, n * sizeof(*row));
        s->polled_at[s->n_polls++] = polled_at;
        return 0;
}

int history_series_add_row(struct history_series *s, int64_t polled_at, const char *variant_id,
                           long long visitors, long long conversions)
{
        int i = history_series_find(s, variant_id), r;

        if (s->n_polls > 0 && polled_at < s->polled_at[s->n_polls - 1])
                return -EINVAL;
        if (i < 0 && (r = add_variant(s, variant_id, &i)) < 0)
                return r;
        if ((s->n_polls == 0 || polled_at > s->polled_at[s->n_polls - 1]) && (r = add_poll(s, polled_at)) < 0)
                return r;
        s->counts[(s->n_polls - 1) * s->n_variants + (size_t) i] =
                (struct history_counts) { .visitors = visitors, .conversions = conversions, .known = true };
        return 0;
}

int history_series_control(const struct history_series *s)
{
        for (size_t i = 0; i < s->n_variants; i++)
                if (s->variants[i].control)
                        return (int) i;
        return history_series_find(s, "0");
}

/* Fills the known variants of row into out->variants. Returns 0 or -ENOMEM. */
static int fill_variants(const struct history_series *s, const struct history_counts *row, struct mida_result *out)
{
        int control = history_series_control(s);

        for (size_t i = 0; i < s->n_variants; i++) {
                struct mida_variant *v = &out->variants[out->n_variants];
                if (!row[i].known)
                        continue;
                *v = (struct mida_variant) {
                        .visitors = row[i].visitors, .conversions = row[i].conversions,
                        .has_visitors = true, .has_conversions = true, .is_control = (int) i == control,
                };
                out->n_variants++;
                if (copy_string(&v->variant_id, s->variants[i].variant_id) < 0 ||
                    copy_string(&v->name, s->variants[i].name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int history_series_snapshot(const struct history_series *s, size_t poll, struct mida_result *out)
{
        *out = (struct mida_result) {
                .test_id = s->experiment_id, .status_code = -1, .days_running = -1,
                .total_visitors = -1, .total_conversions = -1,
        };
        if (copy_string(&out->test_name, s->name) < 0 ||
            !(out->variants = calloc(s->n_variants ? s->n_variants : 1, sizeof(*out->variants))) ||
            fill_variants(s, &s->counts[poll * s->n_variants], out) < 0) {
                mida_result_free(out);
                return -ENOMEM;
        }
        return 0;
}

void history_analyses_free(struct experiment_analysis *a, size_t n)
{
        for (size_t i = 0; a && i < n; i++)
                experiment_analysis_free(&a[i]);
        free(a);
}

int history_series_analyse(const struct history_series *s, const struct statistics_settings *settings,
                           struct experiment_analysis **ret)
{
        struct experiment_analysis *a = calloc(s->n_polls ? s->n_polls : 1, sizeof(*a));
        struct sequential_state state = { 0 };
        int r = a ? 0 : -ENOMEM;

        for (size_t p = 0; r == 0 && p < s->n_polls; p++) {
                struct mida_result snapshot;
                r = history_series_snapshot(s, p, &snapshot);
                if (r < 0)
                        break;
                r = analysis_run(&snapshot, settings, &state, &a[p]);
                mida_result_free(&snapshot);
        }
        sequential_state_free(&state);
        if (r < 0) {
                history_analyses_free(a, s->n_polls);
                return r;
        }
        *ret = a;
        return 0;
}

const struct variant_analysis *history_variant_analysis(const struct experiment_analysis *a,
                                                        const char *variant_id)
{
        for (size_t i = 0; i < a->n_variants; i++)
                if (strcmp(a->variants[i].variant_id, variant_id) == 0)
                        return &a->variants[i];
        return NULL;
}
