/* The page at /: see page_index.h. Every text that comes from the API or
 * the store goes through html_text. */
#include "page_index.h"

#include <json-c/json.h>
#include <string.h>

#include "daemon/health.h"
#include "html.h"
#include "page_figures.h"
#include "stats/analysis.h"

#define ACTIONS_SHOWN 10

/* ---- health and the daemon ---- */

static void health_condition(struct html *h, const struct store_health_row *c)
{
        const char *name = store_health_condition_to_string(c->condition);
        char what[400];

        /* The same enum in the same order (the _Static_assert of health.c). */
        health_describe((enum health_condition) c->condition, c->subject, c->name, what, sizeof(what));
        html_printf(h, "<li data-condition=\"%s\">", name ? name : "unknown");
        html_text(h, what);
        if (c->detail && *c->detail) {
                html_raw(h, ": ");
                html_text(h, c->detail);
        }
        html_raw(h, "; since ");
        html_time(h, c->since);
        if (c->alerted_at > 0) {
                html_raw(h, "; notified ");
                html_time(h, c->alerted_at);
        } else {
                html_raw(h, "; not notified yet");
        }
        html_raw(h, "</li>\n");
}

/* As `status` prints it first: whether what follows can be trusted. */
static void health_section(struct html *h, const struct status_report *r)
{
        const char *state = r->health_unreadable ? "unknown" : r->n_health ? "degraded" : "ok";

        html_printf(h, "<section id=\"health\" class=\"health %s\" data-health=\"%s\">\n<p class=\"health-line\">"
                       "Health: <strong>%s</strong>", state, state,
                    r->health_unreadable ? "UNKNOWN" : r->n_health ? "DEGRADED" : "OK");
        if (r->health_unreadable)
                html_raw(h, " (state.db holds a health condition this mida-monitor cannot read)");
        html_raw(h, "</p>\n");
        if (r->n_health) {
                html_raw(h, "<ul class=\"conditions\">\n");
                for (size_t i = 0; i < r->n_health; i++)
                        health_condition(h, &r->health[i]);
                html_raw(h, "</ul>\n");
        }
        html_raw(h, "</section>\n");
}

static void summary_section(struct html *h, const struct page_index_input *in)
{
        const struct daemon_summary *s = in->summary;

        html_raw(h, "<section id=\"daemon\">\n<dl class=\"summary\">\n<dt>Last cycle</dt><dd id=\"last-cycle\">");
        html_time(h, s->last_cycle_at);
        if (s->last_cycle_at > 0)
                html_printf(h, " (%.1f s): %u polled, %u failed", s->last_cycle_seconds, s->last_cycle_polled,
                            s->last_cycle_failed);
        html_raw(h, "</dd>\n<dt>Mida API</dt><dd id=\"api\">");
        if (s->api_error[0]) {
                html_raw(h, "<span class=\"error\">");
                html_text(h, s->api_error);
                html_raw(h, "</span>");
        } else {
                html_raw(h, "OK");
        }
        html_raw(h, "</dd>\n<dt>Daemon started</dt><dd>");
        html_time(h, s->started_at);
        html_printf(h, "</dd>\n<dt>Experiments</dt><dd>%zu watched</dd>\n</dl>\n</section>\n",
                    watchlist_count_active(in->watchlist));
}

/* ---- one row per experiment ---- */

static void experiment_name(struct html *h, const struct watched_experiment *e)
{
        if (e->name && *e->name)
                html_text(h, e->name);
        else
                html_printf(h, "Experiment %lld", e->id);
}

/* The analysis as its JSON (analyze --json): the one the status read
 * recomputed, or the poll's own. NULL when there is none. */
static json_object *analysis_of(const struct watched_experiment *e)
{
        if (e->current)
                return analysis_to_json(e->current);
        return e->restored_analysis ? json_tokener_parse(e->restored_analysis) : NULL;
}

static void name_cell(struct html *h, const struct watched_experiment *e)
{
        html_printf(h, "<td class=\"name\"><a class=\"experiment-link\" href=\"/experiment/%lld\">", e->id);
        experiment_name(h, e);
        html_printf(h, "</a><div class=\"muted\">%lld \xc2\xb7 polled ", e->id);
        html_time(h, e->polled_at);
        html_raw(h, "</div>");
        if (e->last_error) {
                html_raw(h, "<div class=\"error\">");
                html_text(h, e->last_error);
                html_printf(h, " (%u failed poll%s)</div>", e->failures, e->failures == 1 ? "" : "s");
        }
        html_raw(h, "</td>");
}

static void visitors_cell(struct html *h, const struct watched_experiment *e, json_object *analysis)
{
        json_object *v;
        long long visitors = e->visitors;

        if (json_object_object_get_ex(analysis, "visitors", &v) && json_object_is_type(v, json_type_int))
                visitors = json_object_get_int64(v);
        if (visitors >= 0)
                html_printf(h, "<td class=\"num visitors\" data-label=\"Visitors\">%lld</td>", visitors);
        else
                html_raw(h, "<td class=\"num visitors\" data-label=\"Visitors\">\xe2\x80\x94</td>");
}

static void variant_item(struct html *h, json_object *vj)
{
        struct page_variant v;

        page_variant_from_json(vj, &v);
        html_raw(h, v.control ? "<li class=\"variant control\" data-variant=\"" : "<li class=\"variant\" data-variant=\"");
        html_text(h, v.variant_id);
        html_raw(h, "\">");
        page_variant_label(h, &v);
        html_raw(h, ": ");
        if (v.control) {
                html_printf(h, "<span class=\"counts\">%lld visitors, %lld conversions (", v.visitors, v.conversions);
                page_percent(h, v.conversion_rate, false);
                html_raw(h, ")</span>");
        } else {
                page_variant_figures(h, &v);
        }
        html_raw(h, "</li>\n");
}

static void variants_cell(struct html *h, json_object *analysis)
{
        json_object *list;
        size_t n;

        html_raw(h, "<td class=\"variants\" data-label=\"Variants\">");
        if (!json_object_object_get_ex(analysis, "variants", &list) || !json_object_is_type(list, json_type_array) ||
            (n = json_object_array_length(list)) == 0) {
                html_raw(h, "<span class=\"muted\">no figures yet</span></td>");
                return;
        }
        html_raw(h, "<ul class=\"variants\">\n");
        for (size_t i = 0; i < n; i++)
                variant_item(h, json_object_array_get_idx(list, i));
        html_raw(h, "</ul></td>");
}

static void alert_badge(struct html *h, const struct store_alert_row *a)
{
        bool firing = a->state == STORE_ALERT_FIRING;

        html_printf(h, "<span class=\"badge alert %s%s\" data-state=\"%s\" data-rule=\"", firing ? "firing" : "pending",
                    a->held ? " held" : "", firing ? "firing" : "pending");
        html_text(h, a->rule);
        html_printf(h, "\">%s: ", firing ? "firing" : "pending");
        html_rule_variant(h, a->rule, a->variant_id);
        if (a->held)
                html_raw(h, ", held back");
        html_raw(h, "</span> ");
}

/* "rule winner, experiment 1001, variant 1", or "every alert". */
static void silence_scope(struct html *h, const struct store_silence_row *s)
{
        const char *sep = "";

        if (s->rule) {
                html_raw(h, "rule ");
                html_text(h, s->rule);
                sep = ", ";
        }
        if (s->experiment_id > 0) {
                html_printf(h, "%sexperiment %lld", sep, s->experiment_id);
                sep = ", ";
        }
        if (s->variant_id) {
                html_printf(h, "%svariant ", sep);
                html_text(h, s->variant_id);
        }
}

static int64_t silence_end(const struct store_silence_row *s)
{
        return s->expired_at ? s->expired_at : s->ends_at;
}

static bool silence_applies(const struct store_silence_row *s, long long id, int64_t now)
{
        return s->starts_at <= now && now < silence_end(s) && (s->experiment_id == 0 || s->experiment_id == id);
}

static void alerts_cell(struct html *h, const struct page_index_input *in, long long id)
{
        const struct status_report *r = in->report;

        html_raw(h, "<td class=\"alerts\" data-label=\"Alerts\">");
        for (size_t i = 0; i < r->n_alerts; i++)
                if (r->alerts[i].experiment_id == id)
                        alert_badge(h, &r->alerts[i]);
        for (size_t i = 0; i < r->n_silences; i++) {
                const struct store_silence_row *s = &r->silences[i];
                if (!silence_applies(s, id, in->now))
                        continue;
                html_printf(h, "<span class=\"badge silenced\" data-silence=\"%lld\">silenced: ", s->id);
                silence_scope(h, s);
                html_raw(h, " until ");
                html_time(h, silence_end(s));
                html_raw(h, "</span> ");
        }
        html_raw(h, "</td>");
}

static bool has_firing(const struct status_report *r, long long id)
{
        for (size_t i = 0; i < r->n_alerts; i++)
                if (r->alerts[i].experiment_id == id && r->alerts[i].state == STORE_ALERT_FIRING)
                        return true;
        return false;
}

static void experiment_row(struct html *h, const struct page_index_input *in, const struct watched_experiment *e)
{
        json_object *analysis = analysis_of(e);

        html_printf(h, "<tr class=\"experiment%s%s\" data-experiment=\"%lld\">", e->last_error ? " failing" : "",
                    has_firing(in->report, e->id) ? " firing" : "", e->id);
        name_cell(h, e);
        visitors_cell(h, e, analysis);
        variants_cell(h, analysis);
        alerts_cell(h, in, e->id);
        html_raw(h, "</tr>\n");
        json_object_put(analysis);
}

static void experiments_section(struct html *h, const struct page_index_input *in)
{
        const struct watchlist *w = in->watchlist;

        html_raw(h, "<section id=\"watched\">\n<h2>Experiments</h2>\n");
        if (watchlist_count_active(w) == 0) {
                html_raw(h, "<p class=\"muted\">No experiment is watched yet.</p>\n</section>\n");
                return;
        }
        html_raw(h, "<div class=\"table-wrap\"><table id=\"experiments\">\n<thead><tr><th>Experiment</th>"
                    "<th class=\"num\">Visitors</th><th>Variants: lift [interval], significance, chance to beat "
                    "control, days to decision</th><th>Alerts</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < w->n; i++)
                if (w->items[i]->active)
                        experiment_row(h, in, w->items[i]);
        html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

/* Kept in state.db, and their history still readable. */
static void dropped_section(struct html *h, const struct watchlist *w)
{
        if (watchlist_count_active(w) == w->n)
                return;
        html_raw(h, "<section id=\"dropped\">\n<h2>No longer watched</h2>\n<ul>\n");
        for (size_t i = 0; i < w->n; i++) {
                const struct watched_experiment *e = w->items[i];
                if (e->active)
                        continue;
                html_printf(h, "<li data-experiment=\"%lld\"><a href=\"/experiment/%lld\">", e->id, e->id);
                experiment_name(h, e);
                html_raw(h, "</a>, last polled ");
                html_time(h, e->polled_at);
                html_raw(h, "</li>\n");
        }
        html_raw(h, "</ul>\n</section>\n");
}

/* ---- what `status` prints after the experiments ---- */

static size_t firing_count(const struct status_report *r)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_alerts; i++)
                n += r->alerts[i].state == STORE_ALERT_FIRING;
        return n;
}

static void alert_row(struct html *h, const struct store_alert_row *a)
{
        html_printf(h, "<tr class=\"alert%s\" data-experiment=\"%lld\" data-rule=\"", a->held ? " held" : "",
                    a->experiment_id);
        html_text(h, a->rule);
        html_raw(h, "\"><td>");
        html_text(h, a->rule);
        html_printf(h, "</td><td><a href=\"/experiment/%lld\">%lld</a></td><td>", a->experiment_id, a->experiment_id);
        html_text(h, a->variant_id && *a->variant_id ? a->variant_id : "\xe2\x80\x94");
        html_raw(h, "</td><td>");
        html_time(h, a->fired_at);
        html_raw(h, "</td><td>");
        html_raw(h, a->held ? "held back (silence or inhibition): its message is owed" : "notified");
        html_raw(h, "</td></tr>\n");
}

static void alerts_section(struct html *h, const struct status_report *r)
{
        size_t n = firing_count(r);

        html_printf(h, "<section id=\"alerts\">\n<h2>Firing alerts (%zu)</h2>\n", n);
        if (n == 0) {
                html_raw(h, "<p class=\"muted\">None.</p>\n</section>\n");
                return;
        }
        html_raw(h, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Rule</th><th>Experiment</th><th>Variant</th>"
                    "<th>Since</th><th>Message</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < r->n_alerts; i++)
                if (r->alerts[i].state == STORE_ALERT_FIRING)
                        alert_row(h, &r->alerts[i]);
        html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

static void silence_row(struct html *h, const struct store_silence_row *s)
{
        html_printf(h, "<tr class=\"silence\" data-silence=\"%lld\"><td>#%lld</td><td>", s->id, s->id);
        silence_scope(h, s);
        html_raw(h, "</td><td>");
        html_time(h, s->starts_at);
        html_raw(h, "</td><td>");
        html_time(h, silence_end(s));
        html_printf(h, "</td><td>%s</td><td>", s->actions ? "withheld" : "run");
        html_text(h, s->comment);
        html_raw(h, "</td><td>");
        html_text(h, s->created_by ? s->created_by : "?");
        html_raw(h, "</td></tr>\n");
}

static void silences_section(struct html *h, const struct status_report *r)
{
        html_printf(h, "<section id=\"silences\">\n<h2>Silences (%zu in force or to come)</h2>\n", r->n_silences);
        if (r->n_silences == 0) {
                html_raw(h, "<p class=\"muted\">None.</p>\n</section>\n");
                return;
        }
        html_raw(h, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Id</th><th>Mutes</th><th>From</th>"
                    "<th>Until</th><th>Actions</th><th>Comment</th><th>By</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < r->n_silences; i++)
                silence_row(h, &r->silences[i]);
        html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

static void action_row(struct html *h, const struct store_action_row *a)
{
        const char *state = store_action_state_to_string(a->state);
        char what[200];

        html_printf(h, "<tr class=\"action\" data-experiment=\"%lld\" data-state=\"%s\" data-rule=\"", a->experiment_id,
                    state ? state : "unknown");
        html_text(h, a->rule);
        html_raw(h, "\"><td>");
        html_time(h, a->intended_at);
        html_raw(h, "</td><td>");
        html_text(h, a->rule);
        html_printf(h, "</td><td><a href=\"/experiment/%lld\">%lld</a></td><td>", a->experiment_id, a->experiment_id);
        html_text(h, status_report_describe_action(a, what, sizeof(what)));
        html_raw(h, "</td></tr>\n");
}

static void actions_section(struct html *h, const struct status_report *r)
{
        html_printf(h, "<section id=\"actions\">\n<h2>Last actions (%zu recorded)</h2>\n", r->n_actions);
        if (r->circuit_open)
                html_raw(h, "<p class=\"error\">The circuit breaker is open: max_actions_per_hour was reached; "
                            "further actions are skipped until the hour has passed.</p>\n");
        if (r->n_actions == 0) {
                html_raw(h, "<p class=\"muted\">None.</p>\n</section>\n");
                return;
        }
        html_raw(h, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Time</th><th>Rule</th><th>Experiment</th>"
                    "<th>Outcome</th></tr></thead>\n<tbody>\n");
        /* The store walks them oldest first: the latest are at the end. */
        for (size_t i = 0; i < r->n_actions && i < ACTIONS_SHOWN; i++)
                action_row(h, &r->actions[r->n_actions - 1 - i]);
        html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

/* Counted per notifier: the bodies are never read, let alone shown. */
static void deliveries_section(struct html *h, const struct status_report *r)
{
        html_printf(h, "<section id=\"deliveries\">\n<h2>Deliveries</h2>\n<p><span id=\"deliveries-pending\">%zu</span> "
                       "pending", r->deliveries_pending);
        if (r->pending_notifiers[0]) {
                html_raw(h, " (");
                html_text(h, r->pending_notifiers);
                html_raw(h, ")");
        }
        html_raw(h, "</p>\n");
        if (r->last_delivery_error[0]) {
                html_raw(h, "<p class=\"error\">Failing: ");
                html_text(h, r->last_delivery_error);
                html_raw(h, "</p>\n");
        }
        html_raw(h, "</section>\n");
}

char *page_index(const struct page_index_input *in, size_t *len)
{
        struct html h = { 0 };

        html_page_begin(&h, "Experiments", false);
        html_raw(&h, "<h1>Experiments under watch</h1>\n");
        health_section(&h, in->report);
        summary_section(&h, in);
        experiments_section(&h, in);
        dropped_section(&h, in->watchlist);
        alerts_section(&h, in->report);
        silences_section(&h, in->report);
        actions_section(&h, in->report);
        deliveries_section(&h, in->report);
        html_page_end(&h);
        return html_finish(&h, len);
}
