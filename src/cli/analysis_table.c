/* The analysis as a table for people (analyze, once). "—" marks a figure
 * that cannot be computed; the reasons follow the table. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis_table.h"
#include "stats/analysis.h"
#include "report/table_text.h"

#define NONE "—"
#define NAME_COLUMNS 28

/* "id name", cut to NAME_COLUMNS at a character boundary. */
static void variant_label(const struct variant_analysis *v, char *buf, size_t size)
{
        char full[256];
        size_t i = 0, cols = 0;

        snprintf(full, sizeof(full), "%s%s%s%s", v->variant_id, v->name ? " " : "", v->name ? v->name : "",
                 v->control ? " (control)" : "");
        if (text_columns(full) <= NAME_COLUMNS) {
                snprintf(buf, size, "%s", full);
                return;
        }
        for (; full[i] && i + sizeof("…") < size; i++) {
                if (((unsigned char) full[i] & 0xC0) != 0x80 && ++cols > NAME_COLUMNS - 1)
                        break;
                buf[i] = full[i];
        }
        memcpy(buf + i, "…", sizeof("…"));
}

static const char *percent(struct analysis_number n, bool sign, char *buf, size_t size)
{
        if (!n.valid)
                return NONE;
        snprintf(buf, size, sign ? "%+.2f %%" : "%.2f %%", n.value * 100.0);
        return buf;
}

static const char *interval(const struct variant_analysis *v, char *buf, size_t size)
{
        char lift[32], low[32], high[32];

        if (!v->lift.valid)
                return NONE;
        if (!v->lift_low.valid)
                return percent(v->lift, true, buf, size);
        snprintf(buf, size, "%s [%s, %s]", percent(v->lift, true, lift, sizeof(lift)),
                 percent(v->lift_low, true, low, sizeof(low)), percent(v->lift_high, true, high, sizeof(high)));
        return buf;
}

/* p and chance to beat are shown to a precision they are accurate to; the
 * extremes are bounds so that a rounded 100 % never claims certainty. */
static const char *p_text(struct analysis_number n, char *buf, size_t size)
{
        if (!n.valid)
                return NONE;
        if (n.value < 0.0001)
                return "<0.0001";
        snprintf(buf, size, "%.4f", n.value);
        return buf;
}

static const char *chance_text(struct analysis_number n, char *buf, size_t size)
{
        if (!n.valid)
                return NONE;
        if (n.value > 0.999)
                return ">99.9 %";
        if (n.value < 0.001)
                return "<0.1 %";
        snprintf(buf, size, "%.1f %%", n.value * 100.0);
        return buf;
}

static const char *significant_text(const struct variant_analysis *v)
{
        if (!v->significant.valid)
                return NONE;
        if (v->significant.value)
                return "yes";
        return v->guard ? "no (guard)" : "no";
}

static const char *status_text(int code)
{
        switch (code) {
        case 1: return "live";
        case 0: return "inactive";
        case 9: return "draft";
        default: return "status unknown";
        }
}

static void print_header(FILE *out, const struct experiment_analysis *a)
{
        char p[32];

        fprintf(out, "Experiment %lld%s%s (%s", a->test_id, a->test_name ? ": " : "",
                a->test_name ? a->test_name : "", status_text(a->status_code));
        if (a->days_running >= 0)
                fprintf(out, ", %ld day%s", a->days_running, a->days_running == 1 ? "" : "s");
        fprintf(out, ")\n%lld visitors, %lld conversions. Method: %s%s, alpha %g, %s correction.\n",
                a->visitors, a->conversions, stats_method_to_string(a->method),
                a->method == STATS_METHOD_SEQUENTIAL ? " (always valid)" : " (one look only)", a->alpha,
                stats_correction_to_string(a->correction));
        fprintf(out, "Sample ratio: p = %s%s\n\n", p_text(a->srm_p, p, sizeof(p)),
                !a->srm.valid ? "" : a->srm.value ? " — MISMATCH: traffic split is not as configured" : " (ok)");
}

static void print_row(FILE *out, const struct variant_analysis *v)
{
        char label[256], visitors[32], rate[32], lift[128], marked[136], p[32], chance[32];
        const char *text;

        variant_label(v, label, sizeof(label));
        snprintf(visitors, sizeof(visitors), "%lld", v->visitors);
        table_cell(out, label, NAME_COLUMNS, false);
        table_cell(out, v->counts_valid ? visitors : NONE, 10, true);
        table_cell(out, percent(v->conversion_rate, false, rate, sizeof(rate)), 10, true);
        if (v->control) {
                fprintf(out, "  (baseline)\n");
                return;
        }
        fprintf(out, "  ");
        /* Marked: below the guards, a figure is no finding yet. */
        text = interval(v, lift, sizeof(lift));
        if (v->below_guards && v->lift.valid) {
                snprintf(marked, sizeof(marked), "%s *", text);
                text = marked;
        }
        table_cell(out, text, 34, false);
        table_cell(out, p_text(v->p_value_adjusted, p, sizeof(p)), 8, true);
        table_cell(out, chance_text(v->prob_beat_control, chance, sizeof(chance)), 9, true);
        fprintf(out, " %s\n", significant_text(v));
}

/* "~4 days (12000 more visitors) if the lift holds", a plug-in estimate. */
static void print_decisions(FILE *out, const struct experiment_analysis *a)
{
        bool header = false;

        for (size_t i = 0; i < a->n_variants; i++) {
                const struct variant_analysis *v = &a->variants[i];

                if (v->control || (!v->days_to_decision.valid && !v->visitors_to_decision.valid))
                        continue;
                if (!header)
                        fprintf(out, "\nTime to decision, if the observed rates held:\n");
                header = true;
                fprintf(out, "  variant %s: ", v->variant_id);
                if (v->days_to_decision.valid)
                        fprintf(out, "~%.0f day%s at current traffic", ceil(v->days_to_decision.value),
                                ceil(v->days_to_decision.value) == 1 ? "" : "s");
                else
                        fprintf(out, "days unknown");
                fprintf(out, " (%.0f more visitors)%s\n", v->visitors_to_decision.value,
                        v->underpowered.valid && v->underpowered.value ? ", UNDERPOWERED: beyond decision_horizon" : "");
        }
}

static void print_notes(FILE *out, const struct experiment_analysis *a)
{
        bool header = false;

        for (size_t i = 0; i < a->n_variants; i++) {
                const struct variant_analysis *v = &a->variants[i];
                const char *notes[] = { v->reason, v->guard };
                for (size_t k = 0; k < 2; k++) {
                        if (!notes[k])
                                continue;
                        if (!header)
                                fprintf(out, "\nNotes:\n");
                        header = true;
                        fprintf(out, "  variant %s: %s\n", v->variant_id, notes[k]);
                }
        }
        if (a->srm_reason)
                fprintf(out, "%s  sample ratio test: %s\n", header ? "" : "\nNotes:\n", a->srm_reason);
        for (size_t i = 0; i < a->n_variants; i++)
                if (a->variants[i].below_guards && a->variants[i].lift.valid) {
                        fprintf(out, "\n* below min_visitors, min_conversions or min_days: not a finding yet\n");
                        break;
                }
}

void analysis_print_table(FILE *out, const struct experiment_analysis *a)
{
        print_header(out, a);
        table_cell(out, "Variant", NAME_COLUMNS, false);
        table_cell(out, "Visitors", 10, true);
        table_cell(out, "Conv. rate", 10, true);
        fprintf(out, "  ");
        table_cell(out, "Lift [interval]", 34, false);
        table_cell(out, "p (adj.)", 8, true);
        table_cell(out, "Beat ctl", 9, true);
        fprintf(out, " Significant\n");
        for (size_t i = 0; i < a->n_variants; i++)
                print_row(out, &a->variants[i]);
        print_decisions(out, a);
        print_notes(out, a);
}
