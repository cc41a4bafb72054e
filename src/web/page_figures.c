/* One variant's figures in HTML: see page_figures.h. */
#include "page_figures.h"

#include <math.h>
#include <stdio.h>

#include "util/text_format.h"

void page_variant_from_analysis(const struct variant_analysis *va, struct page_variant *out)
{
        *out = (struct page_variant) {
                .variant_id = va->variant_id, .name = va->name, .control = va->control,
                .visitors = va->visitors, .conversions = va->conversions,
                .conversion_rate = va->conversion_rate, .lift = va->lift, .lift_low = va->lift_low,
                .lift_high = va->lift_high, .p_value_adjusted = va->p_value_adjusted,
                .prob_beat_control = va->prob_beat_control, .days_to_decision = va->days_to_decision,
                .significant = va->significant, .underpowered = va->underpowered,
                .below_guards = va->below_guards, .guard = va->guard, .reason = va->reason,
                .decision_reason = va->decision_reason,
        };
}

/* null, absent or not a number: not valid. */
static struct analysis_number json_number(json_object *o, const char *key)
{
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) ||
            !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
                return (struct analysis_number) { 0 };
        return (struct analysis_number) { .value = json_object_get_double(v), .valid = true };
}

static struct analysis_flag json_flag(json_object *o, const char *key)
{
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
                return (struct analysis_flag) { 0 };
        return (struct analysis_flag) { .value = json_object_get_boolean(v), .valid = true };
}

static const char *json_text(json_object *o, const char *key)
{
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static long long json_count(json_object *o, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

void page_variant_from_json(json_object *v, struct page_variant *out)
{
        const char *id = json_text(v, "variant_id");

        *out = (struct page_variant) {
                .variant_id = id ? id : "?", .name = json_text(v, "name"),
                .control = json_flag(v, "control").value,
                .visitors = json_count(v, "visitors"), .conversions = json_count(v, "conversions"),
                .conversion_rate = json_number(v, "conversion_rate"), .lift = json_number(v, "lift"),
                .lift_low = json_number(v, "lift_low"), .lift_high = json_number(v, "lift_high"),
                .p_value_adjusted = json_number(v, "p_value_adjusted"),
                .prob_beat_control = json_number(v, "prob_beat_control"),
                .days_to_decision = json_number(v, "days_to_decision"),
                .significant = json_flag(v, "significant"), .underpowered = json_flag(v, "underpowered"),
                .below_guards = json_flag(v, "below_guards").value, .guard = json_text(v, "guard"),
                .reason = json_text(v, "reason"), .decision_reason = json_text(v, "decision_reason"),
        };
}

void page_percent(struct html *h, struct analysis_number n, bool with_sign)
{
        char buf[32];

        format_percent(n.valid ? n.value : NAN, with_sign, buf, sizeof(buf));
        html_raw(h, buf);
}

void page_variant_label(struct html *h, const struct page_variant *v)
{
        html_raw(h, "<span class=\"variant-id\">");
        html_text(h, v->variant_id);
        html_raw(h, "</span>");
        if (v->name && *v->name) {
                html_raw(h, " <span class=\"variant-name\">");
                html_text(h, v->name);
                html_raw(h, "</span>");
        }
        if (v->control)
                html_raw(h, " <span class=\"muted\">(control)</span>");
}

/* A title attribute with why (a reason or a guard), when there is one. */
static void title_attr(struct html *h, const char *why)
{
        if (!why || !*why)
                return;
        html_raw(h, " title=\"");
        html_text(h, why);
        html_raw(h, "\"");
}

static void lift(struct html *h, const struct page_variant *v)
{
        html_raw(h, "<span class=\"lift\"");
        title_attr(h, v->lift.valid ? NULL : v->reason);
        html_raw(h, ">");
        page_percent(h, v->lift, true);
        html_raw(h, "</span>");
}

static void interval(struct html *h, const struct page_variant *v)
{
        html_raw(h, "<span class=\"interval\">");
        if (v->lift_low.valid && v->lift_high.valid) {
                html_raw(h, "[");
                page_percent(h, v->lift_low, true);
                html_raw(h, ", ");
                page_percent(h, v->lift_high, true);
                html_raw(h, "]");
        } else {
                html_raw(h, TEXT_MISSING);
        }
        html_raw(h, "</span>");
}

/* Below the guards the figures are no finding yet: "too early" says so
 * before anything reads them as one. */
static void significance(struct html *h, const struct page_variant *v)
{
        char p[32];

        if (v->below_guards) {
                html_raw(h, "<span class=\"badge early\"");
                title_attr(h, v->guard);
                html_raw(h, ">too early</span>");
                return;
        }
        if (!v->significant.valid) {
                html_raw(h, "<span class=\"muted\">" TEXT_MISSING "</span>");
                return;
        }
        html_raw(h, v->significant.value ? "<span class=\"badge significant\">significant</span>"
                                         : "<span class=\"not-significant\">not significant</span>");
        /* "< 0.0001": text, escaped like any. */
        format_p_value(v->p_value_adjusted.valid ? v->p_value_adjusted.value : NAN, p, sizeof(p));
        html_raw(h, " <span class=\"p\">p ");
        html_text(h, p);
        html_raw(h, "</span>");
}

static void chance(struct html *h, const struct page_variant *v)
{
        html_raw(h, "<span class=\"beat\">");
        page_percent(h, v->prob_beat_control, false);
        html_raw(h, "</span>");
}

static void days(struct html *h, const struct page_variant *v)
{
        double d = v->days_to_decision.value;

        html_raw(h, "<span class=\"decision\"");
        title_attr(h, v->days_to_decision.valid ? NULL : v->decision_reason);
        html_raw(h, ">");
        if (!v->days_to_decision.valid || !isfinite(d))
                html_raw(h, TEXT_MISSING);
        else if (d < 1)
                html_raw(h, "&lt; 1 day");
        else
                html_printf(h, "%.0f day%s", d, d < 1.5 ? "" : "s");
        if (v->underpowered.valid && v->underpowered.value)
                html_raw(h, " <span class=\"badge underpowered\">underpowered</span>");
        html_raw(h, "</span>");
}

void page_variant_figures(struct html *h, const struct page_variant *v)
{
        lift(h, v);
        html_raw(h, " ");
        interval(h, v);
        html_raw(h, " ");
        significance(h, v);
        html_raw(h, " <span class=\"figure-label\">beats control:</span> ");
        chance(h, v);
        html_raw(h, " <span class=\"figure-label\">decision in:</span> ");
        days(h, v);
}

void page_variant_cells(struct html *h, const struct page_variant *v)
{
        void (*const cells[])(struct html *, const struct page_variant *) = {
                lift, interval, significance, chance, days,
        };

        for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
                html_raw(h, "<td>");
                cells[i](h, v);
                html_raw(h, "</td>");
        }
}
