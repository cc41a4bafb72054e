/* The table and the JSON of `history`. */
#include "history_output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sparkline.h"
#include "table_text.h"
#include "util/json_read.h"
#include "util/text_format.h"

#define NONE TEXT_MISSING
#define LABEL_COLUMNS 28

static bool shown(const struct history_view *v, const struct variant_analysis *va)
{
        return !v->variant || va->control || strcmp(va->variant_id, v->variant) == 0;
}

/* The last cell of a line, right-aligned, then the end of the line. */
static void last_cell(FILE *out, const char *text, size_t width)
{
        size_t n = text_columns(text);

        fprintf(out, "%*s%s\n", n < width ? (int) (width - n) : 0, "", text);
}

/* A name in width columns, cut with "…" at a character boundary. */
static void label_cell(FILE *out, const char *text, size_t width)
{
        size_t i = 0, cols = 0;

        if (text_columns(text) <= width) {
                table_cell(out, text, width, false);
                return;
        }
        for (; text[i]; i++)
                if (((unsigned char) text[i] & 0xC0) != 0x80 && ++cols > width - 1)
                        break;
        fprintf(out, "%.*s%s ", (int) i, text, TEXT_ELLIPSIS);
}

static const char *percent(struct analysis_number n, char *buf, size_t size)
{
        if (!n.valid || !isfinite(n.value))
                return NONE;
        snprintf(buf, size, "%+.2f %%", n.value * 100.0);
        return buf;
}

static const char *interval(const struct variant_analysis *va, char *buf, size_t size)
{
        char low[32], high[32];

        if (!va->lift_low.valid || !va->lift_high.valid)
                return NONE;
        snprintf(buf, size, "[%s, %s]", percent(va->lift_low, low, sizeof(low)),
                 percent(va->lift_high, high, sizeof(high)));
        return buf;
}

static const char *p_text(struct analysis_number n, char *buf, size_t size)
{
        if (!n.valid || !isfinite(n.value))
                return NONE;
        if (n.value < 0.0001)
                return "<0.0001";
        snprintf(buf, size, "%.4f", n.value);
        return buf;
}

static void format_time(int64_t t, char *buf, size_t size)
{
        if (format_rfc3339((time_t) t, buf, size) < 0)
                snprintf(buf, size, "%lld", (long long) t);
}

static void print_header(FILE *out, const struct history_view *v)
{
        const struct history_series *s = v->series;
        int control = history_series_control(s);
        bool first = true;
        char since[32];

        fprintf(out, "Experiment %lld%s%s\n", s->experiment_id, s->name ? ": " : "", s->name ? s->name : "");
        fprintf(out, "%zu recorded poll%s", s->n_polls, s->n_polls == 1 ? "" : "s");
        if (v->since > 0) {
                format_time(v->since, since, sizeof(since));
                fprintf(out, ", %zu since %s", s->n_polls - v->first, since);
        }
        if (s->n_polls > 0) {
                const struct experiment_analysis *a = &v->analyses[0];
                fprintf(out, ". Method: %s%s, alpha %g, %s correction", stats_method_to_string(a->method),
                        a->method == STATS_METHOD_SEQUENTIAL ? " (always valid)" : " (one look only)", a->alpha,
                        stats_correction_to_string(a->correction));
        }
        fprintf(out, ".\nVariants:");
        for (size_t i = 0; i < s->n_variants; i++) {
                const struct history_variant *hv = &s->variants[i];
                if (v->variant && strcmp(hv->variant_id, v->variant) != 0 && (int) i != control)
                        continue;
                fprintf(out, "%s %s%s%s%s", first ? "" : ",", hv->variant_id, hv->name ? " " : "",
                        hv->name ? hv->name : "", (int) i == control ? " (control)" : "");
                first = false;
        }
        fprintf(out, "\n\n");
}

static void print_row(FILE *out, const char *when, const struct variant_analysis *va)
{
        char visitors[32], conversions[32], lift[32], ci[80], p[32];

        snprintf(visitors, sizeof(visitors), "%lld", va->visitors);
        snprintf(conversions, sizeof(conversions), "%lld", va->conversions);
        table_cell(out, when, 20, false);
        label_cell(out, va->variant_id, 10);
        table_cell(out, visitors, 10, true);
        table_cell(out, conversions, 11, true);
        if (va->control) {
                fprintf(out, "  (control)\n");
                return;
        }
        fprintf(out, "  ");
        table_cell(out, percent(va->lift, lift, sizeof(lift)), 9, true);
        fprintf(out, "  ");
        table_cell(out, interval(va, ci, sizeof(ci)), 24, false);
        last_cell(out, p_text(va->p_value_adjusted, p, sizeof(p)), 8);
}

/* "1 Pay now, ship today", cut to LABEL_COLUMNS. */
static void print_sparkline(FILE *out, const struct history_view *v, size_t variant)
{
        const struct history_variant *hv = &v->series->variants[variant];
        size_t n = v->series->n_polls - v->first;
        double *lifts = calloc(n ? n : 1, sizeof(*lifts));
        char label[256], low[32], high[32];
        double lo, hi;
        char *line;

        if (!lifts)
                return;
        for (size_t k = 0; k < n; k++) {
                const struct variant_analysis *va =
                        history_variant_analysis(&v->analyses[v->first + k], hv->variant_id);
                lifts[k] = va && va->lift.valid ? va->lift.value : NAN;
        }
        line = sparkline_render(lifts, n, HISTORY_SPARKLINE_WIDTH, &lo, &hi);
        free(lifts);
        if (!line)
                return;
        snprintf(label, sizeof(label), "%s%s%s", hv->variant_id, hv->name ? " " : "", hv->name ? hv->name : "");
        fprintf(out, "  ");
        label_cell(out, label, LABEL_COLUMNS);
        if (isnan(lo))
                fprintf(out, " %s  (no lift yet)\n", line);
        else
                fprintf(out, " %s  %s … %s\n", line, percent((struct analysis_number) { lo, true }, low, sizeof(low)),
                        percent((struct analysis_number) { hi, true }, high, sizeof(high)));
        free(line);
}

void history_print_table(FILE *out, const struct history_view *v)
{
        const struct history_series *s = v->series;
        char when[32];

        print_header(out, v);
        if (v->first >= s->n_polls) {
                fprintf(out, "No poll in that time.\n");
                return;
        }
        table_cell(out, "Time (UTC)", 20, false);
        table_cell(out, "Variant", 10, false);
        table_cell(out, "Visitors", 10, true);
        table_cell(out, "Conversions", 11, true);
        fprintf(out, "  ");
        table_cell(out, "Lift", 9, true);
        fprintf(out, "  ");
        table_cell(out, "Interval", 24, false);
        last_cell(out, "p (adj.)", 8);
        for (size_t p = v->first; p < s->n_polls; p++) {
                format_time(s->polled_at[p], when, sizeof(when));
                for (size_t i = 0; i < v->analyses[p].n_variants; i++)
                        if (shown(v, &v->analyses[p].variants[i]))
                                print_row(out, when, &v->analyses[p].variants[i]);
        }
        fprintf(out, "\nLift over these polls (%s lowest … %s highest, %s none):\n", "\xe2\x96\x81",
                "\xe2\x96\x88", SPARKLINE_MISSING);
        for (size_t i = 0; i < s->n_variants; i++)
                if ((int) i != history_series_control(s) &&
                    (!v->variant || strcmp(s->variants[i].variant_id, v->variant) == 0))
                        print_sparkline(out, v, i);
}

/* json-c's NULL is JSON null: meant when the figure is undefined. */
static bool put(json_object *o, const char *key, json_object *value, bool null_meant)
{
        if ((!value && !null_meant) || json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return false;
        }
        return true;
}

static bool put_number(json_object *o, const char *key, struct analysis_number n, bool defined)
{
        bool valid = defined && n.valid && isfinite(n.value);

        return put(o, key, valid ? json_new_number(n.value) : NULL, !valid);
}

static json_object *variant_json(const struct variant_analysis *va)
{
        json_object *o = json_object_new_object();
        bool c = !va->control;
        bool ok = o && put(o, "variant_id", json_object_new_string(va->variant_id), false) &&
                  put(o, "control", json_object_new_boolean(va->control), false) &&
                  put(o, "visitors", json_object_new_int64(va->visitors), false) &&
                  put(o, "conversions", json_object_new_int64(va->conversions), false) &&
                  put_number(o, "lift", va->lift, c) && put_number(o, "ci_low", va->lift_low, c) &&
                  put_number(o, "ci_high", va->lift_high, c) &&
                  put_number(o, "p_value", va->p_value_adjusted, c);

        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *poll_json(const struct history_view *v, size_t p)
{
        const struct experiment_analysis *a = &v->analyses[p];
        json_object *o = json_object_new_object(), *list = NULL;
        bool ok = o && json_add_time(o, "polled_at", (time_t) v->series->polled_at[p]) == 0 &&
                  put(o, "variants", json_object_new_array(), false) &&
                  json_object_object_get_ex(o, "variants", &list);

        for (size_t i = 0; ok && i < a->n_variants; i++) {
                json_object *vj;
                if (!shown(v, &a->variants[i]))
                        continue;
                vj = variant_json(&a->variants[i]);
                ok = vj && json_object_array_add(list, vj) == 0;
                if (!ok)
                        json_object_put(vj);
        }
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *history_to_json(const struct history_view *v)
{
        const struct history_series *s = v->series;
        const struct experiment_analysis *a = s->n_polls ? &v->analyses[0] : NULL;
        json_object *o = json_object_new_object(), *polls = json_object_new_array();
        bool ok = o && polls && put(o, "experiment_id", json_object_new_int64(s->experiment_id), false) &&
                  put(o, "name", s->name ? json_object_new_string(s->name) : NULL, !s->name) &&
                  (!a || (put(o, "method", json_object_new_string(stats_method_to_string(a->method)), false) &&
                          put(o, "alpha", json_new_number(a->alpha), false) &&
                          put(o, "correction", json_object_new_string(stats_correction_to_string(a->correction)),
                              false)));

        if (ok)
                ok = put(o, "polls", polls, false);
        else
                json_object_put(polls);
        for (size_t p = v->first; ok && p < s->n_polls; p++) {
                json_object *pj = poll_json(v, p);
                ok = pj && json_object_array_add(polls, pj) == 0;
                if (!ok)
                        json_object_put(pj);
        }
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}
