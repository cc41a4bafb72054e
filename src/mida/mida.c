/* Parsing of Get Experiment Result responses; see mida.h. The List
 * Experiments parser is in mida_list.c. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_read.h"
#include "mida.h"

#define API_MESSAGE_MAX 200

/* The API's own error text, cut short and kept on one line. */
static void api_message(json_object *root, char *buf, size_t size)
{
        static const char *const keys[] = { "message", "error" };
        json_object *v;

        buf[0] = '\0';
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (json_object_object_get_ex(root, keys[i], &v) && json_object_is_type(v, json_type_string)) {
                        snprintf(buf, size, ": %s", json_object_get_string(v));
                        break;
                }
        for (char *p = buf; *p; p++)
                if ((unsigned char) *p < 0x20)
                        *p = ' ';
}

int mida_response_body(json_object *root, const char *path, json_object **body, char **error)
{
        json_object *data;
        bool success = true;
        int r;

        if (!json_object_is_type(root, json_type_object))
                return json_read_fail(error, path, "expected a JSON object");
        r = json_read_bool(root, path, "success", false, &success, error);
        if (r < 0)
                return r;
        if (!success) {
                char msg[API_MESSAGE_MAX];
                api_message(root, msg, sizeof(msg));
                return json_read_fail(error, path, "the API reported a failure%s", msg);
        }
        *body = root;
        if (json_object_object_get_ex(root, "data", &data) &&
            (json_object_is_type(data, json_type_object) || json_object_is_type(data, json_type_array)))
                *body = data;
        return 0;
}

static int parse_variant(json_object *v, const char *path, struct mida_variant *out, char **error)
{
        int r;

        if (!json_object_is_type(v, json_type_object))
                return json_read_fail(error, path, "expected an object");
        if ((r = json_read_string(v, path, "variant_id", true, true, &out->variant_id, error)) < 0 ||
            (r = json_read_string(v, path, "name", false, false, &out->name, error)) < 0)
                return r;
        if ((r = json_read_int(v, path, "visitors", false, &out->visitors, error)) < 0)
                return r;
        out->has_visitors = r > 0;
        if ((r = json_read_int(v, path, "conversions", false, &out->conversions, error)) < 0)
                return r;
        out->has_conversions = r > 0;
        return json_read_bool(v, path, "is_control", false, &out->is_control, error);
}

/* One control: the first flagged is_control, else the first with id "0". */
static void settle_control(struct mida_result *r)
{
        struct mida_variant *control = NULL;

        for (size_t i = 0; i < r->n_variants && !control; i++)
                if (r->variants[i].is_control)
                        control = &r->variants[i];
        for (size_t i = 0; i < r->n_variants && !control; i++)
                if (strcmp(r->variants[i].variant_id, "0") == 0)
                        control = &r->variants[i];
        for (size_t i = 0; i < r->n_variants; i++)
                r->variants[i].is_control = &r->variants[i] == control;
}

/* Variants are told apart by id (sequential state, rules, serve-winner). */
static int check_unique_id(const struct mida_result *r, size_t i, const char *path, char **error)
{
        char where[256];

        for (size_t j = 0; j < i; j++)
                if (strcmp(r->variants[j].variant_id, r->variants[i].variant_id) == 0)
                        return json_read_fail(error, json_path_key(where, sizeof(where), path, "variant_id"),
                                              "duplicate \"%.40s\"", r->variants[i].variant_id);
        return 0;
}

static int parse_variants(json_object *body, const char *path, struct mida_result *out, char **error)
{
        json_object *list;
        char where[256];

        if (!json_object_object_get_ex(body, "variants", &list) || !list)
                return json_read_fail(error, json_path_key(where, sizeof(where), path, "variants"), "missing");
        if (!json_object_is_type(list, json_type_array))
                return json_read_fail(error, json_path_key(where, sizeof(where), path, "variants"),
                                      "expected an array");

        size_t n = json_object_array_length(list);
        if (n > 0) {
                out->variants = calloc(n, sizeof(*out->variants));
                if (!out->variants)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                char base[256];
                json_path_key(base, sizeof(base), path, "variants");
                int r = parse_variant(json_object_array_get_idx(list, i),
                                      json_path_index(where, sizeof(where), base, i), &out->variants[i], error);
                out->n_variants = i + 1;
                if (r < 0)
                        return r;
                if ((r = check_unique_id(out, i, where, error)) < 0)
                        return r;
        }
        settle_control(out);
        return 0;
}

/* An optional integer that must fit the narrower field. */
static int read_optional_long(json_object *obj, const char *path, const char *key, long min, long max,
                              long *out, char **error)
{
        long long v;
        char where[256];
        int r = json_read_int(obj, path, key, false, &v, error);

        if (r <= 0)
                return r;
        if (v < min || v > max)
                return json_read_fail(error, json_path_key(where, sizeof(where), path, key),
                                      "%lld is out of range", v);
        *out = (long) v;
        return 1;
}

static int parse_result(json_object *root, const char *path, struct mida_result *out, char **error)
{
        json_object *body;
        long status = -1;
        int r;

        *out = (struct mida_result) { .status_code = -1, .days_running = -1, .total_visitors = -1,
                                      .total_conversions = -1 };
        if ((r = mida_response_body(root, path, &body, error)) < 0)
                return r;
        if (!json_object_is_type(body, json_type_object))
                return json_read_fail(error, path, "data: expected an object");
        if ((r = json_read_int(body, path, "test_id", true, &out->test_id, error)) < 0 ||
            (r = json_read_string(body, path, "test_name", false, false, &out->test_name, error)) < 0 ||
            (r = read_optional_long(body, path, "status_code", INT_MIN, INT_MAX, &status, error)) < 0 ||
            (r = json_read_string(body, path, "start_date", false, false, &out->start_date, error)) < 0 ||
            (r = json_read_string(body, path, "end_date", false, false, &out->end_date, error)) < 0 ||
            (r = read_optional_long(body, path, "days_running", LONG_MIN, LONG_MAX, &out->days_running,
                                    error)) < 0 ||
            (r = json_read_int(body, path, "total_visitors", false, &out->total_visitors, error)) < 0 ||
            (r = json_read_int(body, path, "total_conversions", false, &out->total_conversions, error)) < 0)
                return r;
        out->status_code = (int) status;
        return parse_variants(body, path, out, error);
}

int mida_result_parse(const char *json, size_t len, struct mida_result *out, char **error)
{
        json_object *doc = NULL;
        int r = json_read_document(json, len, &doc, error);

        if (r < 0)
                return r;
        r = parse_result(doc, "", out, error);
        json_object_put(doc);
        if (r < 0)
                mida_result_free(out);
        return r;
}

void mida_result_free(struct mida_result *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_variants; i++) {
                free(r->variants[i].variant_id);
                free(r->variants[i].name);
        }
        free(r->variants);
        free(r->test_name);
        free(r->start_date);
        free(r->end_date);
        *r = (struct mida_result) { 0 };
}

static int parse_result_array(json_object *doc, struct mida_result **out, size_t *n, char **error)
{
        size_t count = json_object_array_length(doc);
        struct mida_result *results;

        if (count == 0)
                return json_read_fail(error, "", "empty array: no results to analyse");
        results = calloc(count, sizeof(*results));
        if (!results)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                char where[32];
                int r = parse_result(json_object_array_get_idx(doc, i),
                                     json_path_index(where, sizeof(where), "", i), &results[i], error);
                if (r < 0) {
                        mida_results_free(results, i + 1);
                        return r;
                }
        }
        *out = results;
        *n = count;
        return 0;
}

int mida_results_parse(const char *json, size_t len, struct mida_result **out, size_t *n, char **error)
{
        json_object *doc = NULL;
        int r = json_read_document(json, len, &doc, error);

        if (r < 0)
                return r;
        if (json_object_is_type(doc, json_type_array))
                r = parse_result_array(doc, out, n, error);
        else {
                struct mida_result *one = calloc(1, sizeof(*one));
                r = one ? parse_result(doc, "", one, error) : -ENOMEM;
                if (r < 0)
                        mida_results_free(one, 1);
                else {
                        *out = one;
                        *n = 1;
                }
        }
        json_object_put(doc);
        return r;
}

void mida_results_free(struct mida_result *results, size_t n)
{
        if (!results)
                return;
        for (size_t i = 0; i < n; i++)
                mida_result_free(&results[i]);
        free(results);
}

const struct mida_variant *mida_result_control(const struct mida_result *r)
{
        for (size_t i = 0; i < r->n_variants; i++)
                if (r->variants[i].is_control)
                        return &r->variants[i];
        return NULL;
}

bool mida_action_confirmed(const char *json, size_t len)
{
        json_object *root = NULL;
        char *error = NULL;
        bool success = false;

        if (json && json_read_document(json, len, &root, &error) >= 0 && json_object_is_type(root, json_type_object))
                (void) json_read_bool(root, "", "success", true, &success, &error);
        json_object_put(root);
        free(error);
        return success;
}
