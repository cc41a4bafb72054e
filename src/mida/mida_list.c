/* Parsing of List Experiments responses; see mida.h. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_read.h"
#include "mida.h"

/* status is an integer in this endpoint; the labels the result endpoint
 * uses are accepted too. */
static int read_status(json_object *obj, const char *path, int *out, char **error)
{
        static const struct { const char *label; int code; } labels[] = {
                { "draft", 9 }, { "live", 1 }, { "inactive", 0 },
        };
        json_object *v;
        char where[256];
        long long code;
        int r;

        if (json_object_object_get_ex(obj, "status", &v) && json_object_is_type(v, json_type_string)) {
                for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
                        if (strcmp(json_object_get_string(v), labels[i].label) == 0) {
                                *out = labels[i].code;
                                return 1;
                        }
                return json_read_fail(error, json_path_key(where, sizeof(where), path, "status"),
                                      "unknown status \"%.40s\"", json_object_get_string(v));
        }
        r = json_read_int(obj, path, "status", false, &code, error);
        if (r > 0 && (code < INT_MIN || code > INT_MAX))
                return json_read_fail(error, json_path_key(where, sizeof(where), path, "status"),
                                      "%lld is out of range", code);
        if (r > 0)
                *out = (int) code;
        return r;
}

static int parse_experiment(json_object *e, const char *path, struct mida_experiment *out, char **error)
{
        int r;

        out->status = -1;
        if (!json_object_is_type(e, json_type_object))
                return json_read_fail(error, path, "expected an object");
        if ((r = json_read_int(e, path, "test_id", true, &out->test_id, error)) < 0 ||
            (r = json_read_string(e, path, "test_name", false, false, &out->test_name, error)) < 0 ||
            (r = read_status(e, path, &out->status, error)) < 0)
                return r;
        r = json_read_bool(e, path, "is_completed", false, &out->is_completed, error);
        return r < 0 ? r : 0;
}

/* The experiments array: the body itself, or its "experiments" member. */
static int experiments_array(json_object *body, json_object **list, char **error)
{
        if (json_object_is_type(body, json_type_array)) {
                *list = body;
                return 0;
        }
        if (!json_object_object_get_ex(body, "experiments", list) || !*list)
                return json_read_fail(error, "experiments", "missing");
        if (!json_object_is_type(*list, json_type_array))
                return json_read_fail(error, "experiments", "expected an array");
        return 0;
}

static int parse_list(json_object *root, struct mida_experiment_list *out, char **error)
{
        json_object *body, *list;
        long long count;
        int r;

        if (json_object_is_type(root, json_type_array))
                body = root;   /* a bare data array */
        else if ((r = mida_response_body(root, "", &body, error)) < 0)
                return r;
        if ((r = experiments_array(body, &list, error)) < 0)
                return r;

        size_t n = json_object_array_length(list);
        if (n > 0 && !(out->experiments = calloc(n, sizeof(*out->experiments))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char where[64];
                r = parse_experiment(json_object_array_get_idx(list, i),
                                     json_path_index(where, sizeof(where), "experiments", i),
                                     &out->experiments[i], error);
                out->n = i + 1;
                if (r < 0)
                        return r;
        }
        out->count = (long long) n;
        if (body != list && (r = json_read_int(body, "", "count", false, &count, error)) < 0)
                return r;
        if (body != list && r > 0)
                out->count = count;
        return 0;
}

int mida_experiment_list_parse(const char *json, size_t len, struct mida_experiment_list *out, char **error)
{
        json_object *doc = NULL;
        int r = json_read_document(json, len, &doc, error);

        if (r < 0)
                return r;
        *out = (struct mida_experiment_list) { 0 };
        r = parse_list(doc, out, error);
        json_object_put(doc);
        if (r < 0)
                mida_experiment_list_free(out);
        return r;
}

void mida_experiment_list_free(struct mida_experiment_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->experiments[i].test_name);
        free(l->experiments);
        *l = (struct mida_experiment_list) { 0 };
}
