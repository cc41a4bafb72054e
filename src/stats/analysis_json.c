/* The analysis as the JSON of ENGINEERING.md §4 (analyze --json, once --json). */
#include <math.h>

#include "analysis.h"
#include "util/json_read.h"

/* Adds key → value; a NULL value is an allocation failure unless null was
 * meant. Returns false on failure (value is released). */
static bool put(json_object *obj, const char *key, json_object *value, bool null_meant)
{
        if (!value && !null_meant)
                return false;
        if (json_add_literal(obj, key, value) < 0) {
                json_object_put(value);
                return false;
        }
        return true;
}

static bool put_number(json_object *obj, const char *key, struct analysis_number n)
{
        bool valid = n.valid && isfinite(n.value);

        return put(obj, key, valid ? json_new_number(n.value) : NULL, !valid);
}

static bool put_flag(json_object *obj, const char *key, struct analysis_flag f)
{
        return put(obj, key, f.valid ? json_object_new_boolean(f.value) : NULL, !f.valid);
}

static bool put_string(json_object *obj, const char *key, const char *s)
{
        return put(obj, key, s ? json_object_new_string(s) : NULL, !s);
}

static bool put_int(json_object *obj, const char *key, long long v)
{
        return put(obj, key, json_object_new_int64(v), false);
}

static bool put_comparison(json_object *o, const struct variant_analysis *v)
{
        return put_number(o, "lift", v->lift) && put_number(o, "abs_lift", v->abs_lift) &&
               put_number(o, "lift_low", v->lift_low) && put_number(o, "lift_high", v->lift_high) &&
               put_number(o, "p_value", v->p_value) && put_number(o, "p_value_adjusted", v->p_value_adjusted) &&
               put_flag(o, "significant", v->significant) &&
               put_number(o, "prob_beat_control", v->prob_beat_control) &&
               put_number(o, "visitors_to_decision", v->visitors_to_decision) &&
               put_number(o, "days_to_decision", v->days_to_decision) &&
               put_flag(o, "underpowered", v->underpowered) &&
               put(o, "below_guards", json_object_new_boolean(v->below_guards), false) &&
               (!v->decision_reason || put_string(o, "decision_reason", v->decision_reason));
}

static json_object *variant_to_json(const struct variant_analysis *v)
{
        json_object *o = json_object_new_object();
        bool ok = o && put_string(o, "variant_id", v->variant_id) && put_string(o, "name", v->name) &&
                  put(o, "control", json_object_new_boolean(v->control), false) &&
                  put_int(o, "visitors", v->visitors) && put_int(o, "conversions", v->conversions) &&
                  put_number(o, "conversion_rate", v->conversion_rate) &&
                  (v->control || put_comparison(o, v)) &&
                  (!v->reason || put_string(o, "reason", v->reason)) &&
                  (!v->guard || put_string(o, "guard", v->guard));

        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static bool put_variants(json_object *obj, const struct experiment_analysis *a)
{
        json_object *list = json_object_new_array();

        if (!put(obj, "variants", list, false))
                return false;
        for (size_t i = 0; i < a->n_variants; i++) {
                json_object *v = variant_to_json(&a->variants[i]);
                if (!v || json_object_array_add(list, v) < 0) {
                        json_object_put(v);
                        return false;
                }
        }
        return true;
}

json_object *analysis_to_json(const struct experiment_analysis *a)
{
        json_object *o = json_object_new_object();
        bool ok = o && put_int(o, "test_id", a->test_id) && put_int(o, "visitors", a->visitors) &&
                  put_int(o, "conversions", a->conversions) && put_number(o, "srm_p", a->srm_p) &&
                  put_flag(o, "srm", a->srm) && (!a->srm_reason || put_string(o, "srm_reason", a->srm_reason)) &&
                  put_string(o, "method", stats_method_to_string(a->method)) &&
                  put(o, "alpha", json_new_number(a->alpha), false) && put_variants(o, a);

        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}
