/* Transition + the analysis's figures → alert_event. */
#include <math.h>
#include <stdint.h>

#include "stats/analysis_summary.h"
#include "config/config.h"
#include "rule_event.h"
#include "rules.h"

static struct alert_figure figure(double x)
{
        return (struct alert_figure) { .present = !isnan(x), .value = isnan(x) ? 0 : x };
}

static void add_variant_figures(const struct analysis_summary *a, size_t index, struct alert_event *ev)
{
        const struct variant_summary *v = &a->variants[index], *control = analysis_summary_control(a);

        ev->variant_name = v->name;
        ev->lift = figure(v->lift);
        ev->lift_low = figure(v->lift_low);
        ev->lift_high = figure(v->lift_high);
        ev->p_value = figure(v->p_value_adjusted);
        ev->prob_beat_control = figure(v->prob_beat_control);
        ev->conversion_rate = figure(v->conversion_rate);
        if (control)
                ev->control_rate = figure(control->conversion_rate);
        ev->variant_visitors = v->counts_valid ? v->visitors : -1;
        ev->days_to_decision = figure(v->days_to_decision);
        ev->underpowered = v->underpowered;
}

void rule_transition_event(const struct rule_transition *t, const struct config *c,
                           const struct analysis_summary *a, struct alert_event *ev)
{
        const struct config_rule *rule = &c->rules[t->rule_index];
        bool resolved = t->kind == RULE_TRANSITION_RESOLVED;

        *ev = (struct alert_event) {
                .kind = resolved ? ALERT_EVENT_RESOLVED : ALERT_EVENT_FIRED,
                .rule = rule->name,
                .severity = rule_severity_to_string(rule->severity),
                .experiment_id = t->experiment_id,
                .variant_id = t->variant_id,
                .visitors = -1,
                .variant_visitors = -1,
                .created_at = (time_t) t->at,
                .fired_at = (time_t) t->fired_at,
                .resolved_at = resolved ? (time_t) t->at : 0,
        };
        if (!a || a->test_id != t->experiment_id)
                return;
        ev->experiment_name = a->test_name;
        ev->visitors = a->visitors;
        ev->srm_p = figure(a->srm_p);
        if (t->variant_index < a->n_variants)
                add_variant_figures(a, t->variant_index, ev);
}
