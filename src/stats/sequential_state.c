/* The sequential state as JSON, for the daemon's state file:
 *   {"start_date": "…", "alpha": 0.05, "tuning": 5000,
 *    "variants": [{"variant_id": "1", "visitors": 10, "conversions": 2,
 *                  "min_p": 0.3, "low": -0.1, "high": 0.5}, …]}
 * min_p/low/high are absent while a variant has no running values. */
#include <errno.h>
#include <stdlib.h>

#include "analysis.h"
#include "util/json_read.h"

static bool add(json_object *obj, const char *key, json_object *value)
{
        if (!value || json_add_literal(obj, key, value) < 0) {
                json_object_put(value);
                return false;
        }
        return true;
}

static json_object *variant_to_json(const struct sequential_variant_state *v)
{
        json_object *o = json_object_new_object();
        bool ok = o && add(o, "variant_id", json_object_new_string(v->variant_id)) &&
                  add(o, "visitors", json_object_new_int64(v->visitors)) &&
                  add(o, "conversions", json_object_new_int64(v->conversions)) &&
                  (!v->has_bound || (add(o, "min_p", json_new_number(v->min_p)) &&
                                     add(o, "low", json_new_number(v->low)) &&
                                     add(o, "high", json_new_number(v->high))));

        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *sequential_state_to_json(const struct sequential_state *s)
{
        json_object *o = json_object_new_object(), *list = NULL;
        bool ok = o && (!s->start_date || add(o, "start_date", json_object_new_string(s->start_date))) &&
                  add(o, "alpha", json_new_number(s->alpha)) &&
                  add(o, "tuning", json_new_number(s->tuning)) &&
                  add(o, "variants", list = json_object_new_array());

        for (size_t i = 0; ok && i < s->n_variants; i++) {
                json_object *v = variant_to_json(&s->variants[i]);
                ok = v && json_object_array_add(list, v) == 0;
                if (!ok)
                        json_object_put(v);
        }
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int variant_from_json(json_object *obj, const char *path, struct sequential_variant_state *out,
                             char **error)
{
        int r, bounds = 0;

        if (!json_object_is_type(obj, json_type_object))
                return json_read_fail(error, path, "expected an object");
        if ((r = json_read_string(obj, path, "variant_id", true, false, &out->variant_id, error)) < 0 ||
            (r = json_read_int(obj, path, "visitors", true, &out->visitors, error)) < 0 ||
            (r = json_read_int(obj, path, "conversions", true, &out->conversions, error)) < 0)
                return r;
        if ((r = json_read_number(obj, path, "min_p", false, &out->min_p, error)) < 0)
                return r;
        bounds += r;
        if ((r = json_read_number(obj, path, "low", false, &out->low, error)) < 0)
                return r;
        bounds += r;
        if ((r = json_read_number(obj, path, "high", false, &out->high, error)) < 0)
                return r;
        bounds += r;
        if (bounds != 0 && bounds != 3)
                return json_read_fail(error, path, "min_p, low and high go together");
        out->has_bound = bounds == 3;
        return 0;
}

static int parse_sequential_state(json_object *obj, struct sequential_state *out, char **error)
{
        json_object *list;
        int r;

        if (!json_object_is_type(obj, json_type_object))
                return json_read_fail(error, "", "expected an object");
        if ((r = json_read_string(obj, "", "start_date", false, false, &out->start_date, error)) < 0 ||
            (r = json_read_number(obj, "", "alpha", true, &out->alpha, error)) < 0 ||
            (r = json_read_number(obj, "", "tuning", true, &out->tuning, error)) < 0)
                return r;
        if (!json_object_object_get_ex(obj, "variants", &list) || !json_object_is_type(list, json_type_array))
                return json_read_fail(error, "variants", "expected an array");

        size_t n = json_object_array_length(list);
        if (n > 0 && !(out->variants = calloc(n, sizeof(*out->variants))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char where[64];
                r = variant_from_json(json_object_array_get_idx(list, i),
                                      json_path_index(where, sizeof(where), "variants", i), &out->variants[i], error);
                out->n_variants = i + 1;
                if (r < 0)
                        return r;
        }
        return 0;
}

int sequential_state_from_json(json_object *obj, struct sequential_state *out, char **error)
{
        *out = (struct sequential_state) { 0 };
        int r = parse_sequential_state(obj, out, error);

        if (r < 0)
                sequential_state_free(out);
        return r;
}
