/* The digest's webhook body, event "digest" (docs/webhook-payload.md):
 * figures and times written as the alert events' are. */
#include "digest.h"

#include <errno.h>
#include <stdlib.h>

#include "util/text_format.h"

static int add_null(json_object *o, const char *key)
{
        return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

static int add_bool(json_object *o, const char *key, bool b)
{
        return json_add(o, key, json_object_new_boolean(b));
}

/* A verdict about a variant against control: null on the control itself. */
static int add_verdict(json_object *o, const char *key, const struct digest_variant *v, bool b)
{
        return v->control ? add_null(o, key) : add_bool(o, key, b);
}

static int add_id(json_object *o, const char *key, long long id)
{
        return id > 0 ? json_add(o, key, json_object_new_int64(id)) : add_null(o, key);
}

/* A new array of item(&items[i]) for n items of size bytes; NULL on ENOMEM. */
static json_object *array_of(const void *items, size_t n, size_t size, json_object *(*item)(const void *))
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++)
                if (json_append(a, item((const char *) items + i * size)) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        return a;
}

/* Takes o: o when r >= 0, else NULL. */
static json_object *built(json_object *o, int r)
{
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *variant_json(const void *item)
{
        const struct digest_variant *v = item;
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        return built(o, json_add_text(o, "id", v->variant_id) < 0 || json_add_text(o, "name", v->name) < 0 ||
                        add_bool(o, "control", v->control) < 0 || json_add_count(o, "visitors", v->visitors) < 0 ||
                        json_add_count(o, "conversions", v->conversions) < 0 ||
                        json_add_figure(o, "lift", v->lift) < 0 || json_add_figure(o, "lift_low", v->lift_low) < 0 ||
                        json_add_figure(o, "lift_high", v->lift_high) < 0 ||
                        json_add_figure(o, "p_value", v->p_value) < 0 ||
                        json_add_figure(o, "prob_beat_control", v->prob_beat_control) < 0 ||
                        add_verdict(o, "significant", v, v->significant) < 0 ||
                        add_verdict(o, "below_guards", v, v->below_guards) < 0 ||
                        json_add_figure(o, "visitors_to_decision", v->visitors_to_decision) < 0 ||
                        json_add_figure(o, "days_to_decision", v->days_to_decision) < 0 ||
                        add_verdict(o, "underpowered", v, v->underpowered) < 0 ||
                        json_add_text(o, "decision_reason", v->decision_reason) < 0 ||
                        json_add_figure(o, "lift_then", v->lift_then) < 0 ? -ENOMEM : 0);
}

static json_object *experiment_json(const void *item)
{
        const struct digest_experiment *e = item;
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        return built(o, add_id(o, "id", e->id) < 0 || json_add_text(o, "name", e->name) < 0 ||
                        json_add_text(o, "url", e->url) < 0 || add_bool(o, "live", e->live) < 0 ||
                        json_add_text(o, "status", e->status) < 0 ||
                        json_add_count(o, "days_running", e->days_running) < 0 ||
                        json_add_count(o, "visitors", e->visitors) < 0 ||
                        json_add_count(o, "visitors_gained", e->visitors_gained) < 0 ||
                        json_add_figure(o, "srm_p", e->srm_p) < 0 ||
                        json_add(o, "variants", array_of(e->variants, e->n_variants, sizeof(*e->variants),
                                                         variant_json)) < 0 ? -ENOMEM : 0);
}

static json_object *alert_json(const void *item)
{
        const struct digest_alert *a = item;
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        return built(o, json_add_text(o, "rule", a->rule) < 0 || add_id(o, "experiment_id", a->experiment_id) < 0 ||
                        json_add_text(o, "experiment_name", a->experiment_name) < 0 ||
                        json_add_text(o, "variant_id", a->variant_id) < 0 ||
                        json_add_text(o, "event", alert_event_kind_name(a->resolved ? ALERT_EVENT_RESOLVED
                                                                                    : ALERT_EVENT_FIRED)) < 0 ||
                        json_add_time(o, "at", a->at) < 0 ? -ENOMEM : 0);
}

static json_object *action_json(const void *item)
{
        const struct digest_action *a = item;
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        return built(o, json_add_text(o, "rule", a->rule) < 0 || add_id(o, "experiment_id", a->experiment_id) < 0 ||
                        json_add_text(o, "experiment_name", a->experiment_name) < 0 ||
                        json_add_text(o, "action", a->action) < 0 || json_add_text(o, "state", a->state) < 0 ||
                        json_add_text(o, "error", a->error) < 0 || json_add_time(o, "at", a->at) < 0 ? -ENOMEM : 0);
}

static int add_monitor(json_object *o, const struct digest *d)
{
        json_object *m = json_add_object(o, "monitor");

        return !m || add_bool(m, "healthy", d->healthy) < 0 || json_add_text(m, "health", d->health) < 0 ? -ENOMEM : 0;
}

json_object *digest_json(const struct digest *d)
{
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        return built(o, json_add(o, "version", json_object_new_int(DIGEST_PAYLOAD_VERSION)) < 0 ||
                        json_add_text(o, "event", "digest") < 0 || json_add_text(o, "id", d->id) < 0 ||
                        json_add_text(o, "digest", d->name) < 0 ||
                        json_add_time(o, "scheduled_for", d->scheduled_for) < 0 ||
                        json_add_time(o, "generated_at", d->generated_at) < 0 ||
                        json_add_time(o, "since", d->since) < 0 ||
                        json_add_text(o, "instance", d->instance) < 0 || add_monitor(o, d) < 0 ||
                        json_add(o, "experiments", array_of(d->experiments, d->n_experiments, sizeof(*d->experiments),
                                                            experiment_json)) < 0 ||
                        json_add(o, "alerts", array_of(d->alerts, d->n_alerts, sizeof(*d->alerts), alert_json)) < 0 ||
                        json_add(o, "actions", array_of(d->actions, d->n_actions, sizeof(*d->actions),
                                                        action_json)) < 0 ? -ENOMEM : 0);
}
