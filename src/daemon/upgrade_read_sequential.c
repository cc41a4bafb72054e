/* The "sequential" member of an experiment in 0.1.0's state.json: the
 * running state of the sequential test (stats/analysis.h), which the store
 * keeps in its sequential table now. */
#include "upgrade_read.h"

#include <errno.h>
#include <stdlib.h>

#include "stats/analysis.h"
#include "util/json_read.h"

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

int upgrade_read_sequential(json_object *obj, struct sequential_state *out, char **error)
{
        *out = (struct sequential_state) { 0 };
        int r = parse_sequential_state(obj, out, error);

        if (r < 0)
                sequential_state_free(out);
        return r;
}
