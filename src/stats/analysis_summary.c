#include "analysis_summary.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/block_pool.h"

static double figure(struct analysis_number n)
{
        return n.valid ? n.value : NAN;
}

static size_t text_size(const char *s)
{
        return s ? strlen(s) + 1 : 0;
}

/* Copies s into the block at *tail; NULL stays NULL. */
static const char *place(char **tail, const char *s)
{
        size_t n = text_size(s);
        char *at = *tail;

        if (!s)
                return NULL;
        memcpy(at, s, n);
        *tail += n;
        return at;
}

static struct variant_summary summarise_variant(const struct variant_analysis *v, char **tail)
{
        return (struct variant_summary) {
                .variant_id = place(tail, v->variant_id), .name = place(tail, v->name),
                .visitors = v->visitors, .conversions = v->conversions,
                .counts_valid = v->counts_valid, .control = v->control,
                .significant = v->significant.valid && v->significant.value,
                .conversion_rate = figure(v->conversion_rate), .lift = figure(v->lift),
                .lift_low = figure(v->lift_low), .lift_high = figure(v->lift_high),
                .p_value = figure(v->p_value), .p_value_adjusted = figure(v->p_value_adjusted),
                .prob_beat_control = figure(v->prob_beat_control),
                .days_to_decision = (float) figure(v->days_to_decision),
                .underpowered = v->underpowered.valid && v->underpowered.value,
        };
}

static size_t summary_size(const struct experiment_analysis *a)
{
        size_t n = sizeof(struct analysis_summary) + a->n_variants * sizeof(struct variant_summary);

        n += text_size(a->test_name);
        for (size_t i = 0; i < a->n_variants; i++)
                n += text_size(a->variants[i].variant_id) + text_size(a->variants[i].name);
        return n;
}

/* Fills s (of at least summary_size(a) bytes) from a. */
static void fill(struct analysis_summary *s, const struct experiment_analysis *a)
{
        char *tail = (char *) &s->variants[a->n_variants];

        *s = (struct analysis_summary) {
                .test_id = a->test_id, .status_code = a->status_code, .visitors = a->visitors,
                .srm = a->srm.valid && a->srm.value, .srm_p = figure(a->srm_p), .n_variants = a->n_variants,
        };
        s->test_name = place(&tail, a->test_name);
        for (size_t i = 0; i < a->n_variants; i++)
                s->variants[i] = summarise_variant(&a->variants[i], &tail);
}

int analysis_summary_update(struct analysis_summary **s, const struct experiment_analysis *a)
{
        size_t size = summary_size(a);

        if (*s && block_size(*s) >= size) {
                fill(*s, a);
                return 0;
        }
        block_free(*s);
        *s = block_alloc(size);
        if (!*s)
                return -ENOMEM;
        fill(*s, a);
        return 0;
}

void analysis_summary_free(struct analysis_summary *s)
{
        block_free(s);
}

size_t analysis_summary_find_variant(const struct analysis_summary *s, const char *variant_id)
{
        for (size_t i = 0; s && variant_id && i < s->n_variants; i++)
                if (s->variants[i].variant_id && strcmp(s->variants[i].variant_id, variant_id) == 0)
                        return i;
        return SIZE_MAX;
}

const struct variant_summary *analysis_summary_control(const struct analysis_summary *s)
{
        for (size_t i = 0; s && i < s->n_variants; i++)
                if (s->variants[i].control)
                        return &s->variants[i];
        return NULL;
}
