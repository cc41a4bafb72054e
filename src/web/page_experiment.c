/* The page at /experiment/ID: see page_experiment.h. */
#include "page_experiment.h"

#include <json-c/json.h>
#include <stdio.h>

#include "html.h"
#include "page_figures.h"
#include "stats/analysis.h"
#include "util/text_format.h"

static void experiment_title(struct html *h, const struct history_series *s)
{
        if (s->name && *s->name)
                html_text(h, s->name);
        else
                html_printf(h, "Experiment %lld", s->experiment_id);
}

static void variant_label(struct html *h, const struct history_variant *v)
{
        html_raw(h, "variant ");
        html_text(h, v->variant_id);
        if (v->name && *v->name) {
                html_raw(h, " (");
                html_text(h, v->name);
                html_raw(h, ")");
        }
}

static void heading(struct html *h, const struct page_experiment_input *in)
{
        const struct history_series *s = in->series;
        const struct experiment_analysis *a = &in->analyses[s->n_polls - 1];

        html_printf(h, "<h1 id=\"experiment\" data-experiment=\"%lld\">", s->experiment_id);
        experiment_title(h, s);
        html_printf(h, "</h1>\n<p class=\"muted\">Experiment %lld \xc2\xb7 %zu recorded poll%s \xc2\xb7 %s%s, "
                       "alpha %g, %s correction \xc2\xb7 <a href=\"/api/v1/experiment/%lld\">JSON</a></p>\n",
                    s->experiment_id, s->n_polls, s->n_polls == 1 ? "" : "s", stats_method_to_string(a->method),
                    a->method == STATS_METHOD_SEQUENTIAL ? " (always valid)" : " (one look only)", a->alpha,
                    stats_correction_to_string(a->correction), s->experiment_id);
}

static void current_row(struct html *h, const struct page_variant *v)
{
        html_raw(h, v->control ? "<tr class=\"variant control\" data-variant=\"" : "<tr class=\"variant\" data-variant=\"");
        html_text(h, v->variant_id);
        html_raw(h, "\"><td>");
        page_variant_label(h, v);
        html_printf(h, "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">", v->visitors,
                    v->conversions);
        page_percent(h, v->conversion_rate, false);
        html_raw(h, "</td>");
        if (v->control)
                html_raw(h, "<td colspan=\"5\" class=\"muted\">the control</td>");
        else
                page_variant_cells(h, v);
        html_raw(h, "</tr>\n");
}

/* The rows from the daemon's analysis (its days to decision count the
 * experiment's days running, which the history does not keep); 0 when
 * there is none, then the last poll's are shown. */
static size_t current_rows_of_status(struct html *h, const char *analysis)
{
        json_object *a = analysis ? json_tokener_parse(analysis) : NULL, *list;
        size_t n = 0;

        if (json_object_object_get_ex(a, "variants", &list) && json_object_is_type(list, json_type_array))
                n = json_object_array_length(list);
        for (size_t i = 0; i < n; i++) {
                struct page_variant v;
                page_variant_from_json(json_object_array_get_idx(list, i), &v);
                current_row(h, &v);
        }
        json_object_put(a);
        return n;
}

/* The figures as the daemon last analysed them. */
static void current_section(struct html *h, const struct page_experiment_input *in)
{
        const struct history_series *s = in->series;
        const struct experiment_analysis *a = &in->analyses[s->n_polls - 1];

        html_raw(h, "<section id=\"current\">\n<h2>Now</h2>\n<p>At the last poll, ");
        html_time(h, s->polled_at[s->n_polls - 1]);
        html_printf(h, ": %lld visitors, %lld conversions.</p>\n", a->visitors, a->conversions);
        html_raw(h, "<div class=\"table-wrap\"><table id=\"current-figures\">\n<thead><tr><th>Variant</th>"
                    "<th class=\"num\">Visitors</th><th class=\"num\">Conversions</th><th class=\"num\">Rate</th>"
                    "<th>Lift</th><th>Interval</th><th>Significance</th><th>Beats control</th>"
                    "<th>Decision in</th></tr></thead>\n<tbody>\n");
        if (current_rows_of_status(h, in->analysis) == 0)
                for (size_t i = 0; i < a->n_variants; i++) {
                        struct page_variant v;
                        page_variant_from_analysis(&a->variants[i], &v);
                        current_row(h, &v);
                }
        html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

static bool charted(const struct history_series *s, size_t i)
{
        return (int) i != history_series_control(s);
}

static void charts_section(struct html *h, const struct history_series *s)
{
        html_raw(h, "<section id=\"charts\">\n<h2>Lift over time</h2>\n");
        for (size_t i = 0; i < s->n_variants; i++) {
                const struct history_variant *v = &s->variants[i];
                if (!charted(s, i))
                        continue;
                html_raw(h, "<figure class=\"chart\">\n<div class=\"chart-box\"><canvas class=\"lift-chart\" "
                            "data-variant=\"");
                html_text(h, v->variant_id);
                html_raw(h, "\" role=\"img\" aria-label=\"Lift of ");
                variant_label(h, v);
                html_raw(h, " over time\">The chart needs JavaScript; the table of polls below has every figure."
                            "</canvas></div>\n<figcaption>Lift of ");
                variant_label(h, v);
                html_raw(h, " against the control, with its always-valid interval as a band and the zero line; "
                            "vertical lines mark where an alert fired (red) or resolved (dashed green) and where "
                            "an action ran (purple).</figcaption>\n</figure>\n");
        }
        html_raw(h, "</section>\n");
}

static const char *event_kind(enum page_event_kind k)
{
        return k == PAGE_EVENT_FIRED ? "fired" : k == PAGE_EVENT_RESOLVED ? "resolved" : "action";
}

static void event_item(struct html *h, const struct page_event *e)
{
        bool variant = e->variant_id && *e->variant_id;

        html_printf(h, "<li class=\"event %s\" data-kind=\"%s\" data-at=\"%lld\" data-rule=\"", event_kind(e->kind),
                    event_kind(e->kind), (long long) e->at);
        html_text(h, e->rule);
        if (variant) {
                html_raw(h, "\" data-variant=\"");
                html_text(h, e->variant_id);
        }
        html_raw(h, "\">");
        html_time(h, e->at);
        html_raw(h, " \xe2\x80\x94 ");
        if (e->kind == PAGE_EVENT_ACTION) {
                html_raw(h, "action of rule ");
                html_text(h, e->rule);
                html_raw(h, ": ");
                html_text(h, e->outcome);
        } else {
                html_printf(h, "alert %s ", e->kind == PAGE_EVENT_FIRED ? "fired:" : "resolved:");
                html_rule_variant(h, e->rule, e->variant_id);
                if (e->held)
                        html_raw(h, ", its message held back");
        }
        html_raw(h, "</li>\n");
}

static void events_section(struct html *h, const struct page_experiment_input *in)
{
        html_raw(h, "<section id=\"history-events\">\n<h2>Events</h2>\n");
        if (in->n_events == 0) {
                html_raw(h, "<p class=\"muted\">No alert has fired and no action has run.</p>\n");
        } else {
                html_raw(h, "<ul id=\"events\">\n");
                for (size_t i = 0; i < in->n_events; i++)
                        event_item(h, &in->events[i]);
                html_raw(h, "</ul>\n");
        }
        html_raw(h, "</section>\n");
}

/* One variant's figures at one poll: as data-* for app.js, and as text. */
static void lift_cell(struct html *h, const struct history_variant *hv, const struct variant_analysis *va)
{
        struct analysis_number none = { 0 };
        struct analysis_number lift = va ? va->lift : none, low = va ? va->lift_low : none,
                               high = va ? va->lift_high : none;

        html_raw(h, "<td class=\"lift\" data-variant=\"");
        html_text(h, hv->variant_id);
        html_raw(h, "\"");
        html_number_attr(h, "data-lift", lift.value, lift.valid);
        html_number_attr(h, "data-low", low.value, low.valid);
        html_number_attr(h, "data-high", high.value, high.valid);
        html_raw(h, ">");
        page_percent(h, lift, true);
        if (low.valid && high.valid) {
                html_raw(h, " <span class=\"interval\">[");
                page_percent(h, low, true);
                html_raw(h, ", ");
                page_percent(h, high, true);
                html_raw(h, "]</span>");
        }
        html_raw(h, "</td>");
}

static void poll_row(struct html *h, const struct history_series *s, size_t p, const struct experiment_analysis *a)
{
        html_printf(h, "<tr class=\"poll\" data-t=\"%lld\" data-visitors=\"%lld\" data-conversions=\"%lld\"><td>",
                    (long long) s->polled_at[p], a->visitors, a->conversions);
        html_time(h, s->polled_at[p]);
        html_printf(h, "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>", a->visitors, a->conversions);
        for (size_t i = 0; i < s->n_variants; i++)
                if (charted(s, i))
                        lift_cell(h, &s->variants[i], history_variant_analysis(a, s->variants[i].variant_id));
        html_raw(h, "</tr>\n");
}

static void polls_section(struct html *h, const struct page_experiment_input *in)
{
        const struct history_series *s = in->series;

        html_raw(h, "<section id=\"poll-history\">\n<h2>Polls</h2>\n<div class=\"table-wrap\"><table id=\"polls\">\n"
                    "<thead><tr><th>Time</th><th class=\"num\">Visitors</th><th class=\"num\">Conversions</th>");
        for (size_t i = 0; i < s->n_variants; i++) {
                if (!charted(s, i))
                        continue;
                html_raw(h, "<th>Lift of ");
                variant_label(h, &s->variants[i]);
                html_raw(h, " [interval]</th>");
        }
        html_raw(h, "</tr></thead>\n<tbody>\n");
        for (size_t p = 0; p < s->n_polls; p++)
                poll_row(h, s, p, &in->analyses[p]);
        html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

char *page_experiment(const struct page_experiment_input *in, size_t *len)
{
        const struct history_series *s = in->series;
        struct html h = { 0 };
        char numbered[64];

        if (s->n_polls == 0)
                return NULL;
        snprintf(numbered, sizeof(numbered), "Experiment %lld", s->experiment_id);
        html_page_begin(&h, s->name && *s->name ? s->name : numbered, true);
        heading(&h, in);
        current_section(&h, in);
        charts_section(&h, in->series);
        events_section(&h, in);
        polls_section(&h, in);
        html_page_end(&h);
        return html_finish(&h, len);
}
