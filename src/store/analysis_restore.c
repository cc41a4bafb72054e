/* experiments.result, written from an analysis and read back into one; see
 * analysis_restore.h. */
#include "analysis_restore.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "util/json_read.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * FNV_PRIME;
        return h;
}

/* A string and whether there is one: NULL and "" differ. */
static uint64_t hash_string(uint64_t h, const char *s)
{
        unsigned char present = s != NULL;

        h = hash_bytes(h, &present, 1);
        return s ? hash_bytes(h, s, strlen(s) + 1) : h;
}

static uint64_t hash_int(uint64_t h, long long v)
{
        return hash_bytes(h, &v, sizeof(v));
}

uint64_t analysis_result_hash(const struct experiment_analysis *a)
{
        uint64_t h = hash_int(hash_int(FNV_OFFSET, (long long) a->n_variants), a->days_running);

        for (size_t i = 0; i < a->n_variants; i++) {
                const struct variant_analysis *v = &a->variants[i];
                h = hash_string(h, v->variant_id);
                h = hash_string(h, v->name);
                h = hash_int(h, v->control | v->counts_valid << 1 | v->has_visitors << 2 | v->has_conversions << 3);
                if (!v->counts_valid)
                        h = hash_int(hash_int(h, v->visitors), v->conversions);
        }
        return h;
}

/* A count of an invalid arm: the number, or null when not reported. */
static bool put_count(json_object *o, const char *key, bool has, long long value)
{
        json_object *n = has ? json_object_new_int64(value) : NULL;

        if ((has && !n) || json_add_literal(o, key, n) < 0) {
                json_object_put(n);
                return false;
        }
        return true;
}

static json_object *variant_descriptor(const struct variant_analysis *v)
{
        json_object *o = json_object_new_object(), *id = NULL, *name = NULL, *control = NULL;
        bool ok = o && v->variant_id && (id = json_object_new_string(v->variant_id)) &&
                  json_add_literal(o, "id", id) == 0;

        if (!ok)
                json_object_put(id);
        if (ok && v->name && (!(name = json_object_new_string(v->name)) || json_add_literal(o, "name", name) < 0)) {
                json_object_put(name);
                ok = false;
        }
        if (ok && v->control && (!(control = json_object_new_boolean(true)) ||
                                 json_add_literal(o, "control", control) < 0)) {
                json_object_put(control);
                ok = false;
        }
        if (ok && !v->counts_valid)
                ok = put_count(o, "visitors", v->has_visitors, v->visitors) &&
                     put_count(o, "conversions", v->has_conversions, v->conversions);
        if (!ok) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

char *analysis_result_text(const struct experiment_analysis *a)
{
        json_object *o = json_object_new_object(), *list = json_object_new_array();
        char *text = NULL;
        bool ok = o && list && json_add_literal(o, "variants", list) == 0;

        /* The days feed time to decision and min_days; they change once a day. */
        if (ok && a->days_running >= 0)
                ok = json_add_literal(o, "days_running", json_object_new_int64(a->days_running)) == 0;

        if (!ok)
                json_object_put(list);
        for (size_t i = 0; ok && i < a->n_variants; i++) {
                json_object *v = variant_descriptor(&a->variants[i]);
                ok = v && json_object_array_add(list, v) == 0;
                if (!ok)
                        json_object_put(v);
        }
        if (ok)
                text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        return text;
}

/* The latest counts of one variant: 0, -ENOENT without a row, or -errno. */
static int latest_counts(struct store *s, long long id, struct mida_variant *v)
{
        static const char sql[] = "SELECT visitors, conversions FROM polls WHERE experiment_id = ?1 "
                                  "AND variant_id = ?2 ORDER BY polled_at DESC LIMIT 1";
        sqlite3_stmt *st = store_statement(s, sql);
        int r;

        if (!st)
                return store_statement_errno(s);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, v->variant_id, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                v->visitors = sqlite3_column_int64(st, 0);
                v->conversions = sqlite3_column_int64(st, 1);
                v->has_visitors = v->has_conversions = true;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);   /* the id bound is about to be freed */
        return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? -ENOENT : store_errno(r) < 0 ? store_errno(r) : -EIO;
}

/* An invalid arm's count as the descriptor has it: absent or null means
 * not reported. -EINVAL when it is something else. */
static int stored_count(json_object *o, const char *key, bool *has, long long *value)
{
        json_object *n = NULL;

        *has = json_object_object_get_ex(o, key, &n) && n;
        if (*has && !json_object_is_type(n, json_type_int))
                return -EINVAL;
        *value = *has ? json_object_get_int64(n) : 0;
        return 0;
}

/* One variant of the result, its strings borrowed from the descriptor. */
static int describe_stored_variant(struct store *s, long long id, json_object *o, struct mida_variant *v)
{
        json_object *f = NULL;
        bool has_v, has_c;
        int r;

        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "id", &f) ||
            !json_object_is_type(f, json_type_string))
                return -EINVAL;
        v->variant_id = (char *) json_object_get_string(f);
        if (json_object_object_get_ex(o, "name", &f) && json_object_is_type(f, json_type_string))
                v->name = (char *) json_object_get_string(f);
        v->is_control = json_object_object_get_ex(o, "control", &f) && json_object_get_boolean(f);
        if (!json_object_object_get_ex(o, "visitors", NULL) && !json_object_object_get_ex(o, "conversions", NULL))
                return latest_counts(s, id, v);
        r = stored_count(o, "visitors", &has_v, &v->visitors);
        if (r == 0)
                r = stored_count(o, "conversions", &has_c, &v->conversions);
        v->has_visitors = has_v;
        v->has_conversions = has_c;
        return r;
}

/* The result of e's last poll, as far as the analysis reads it. */
static int rebuild_result(struct store *s, const struct watched_experiment *e, json_object *descriptor,
                          struct mida_result *r)
{
        json_object *list = NULL;
        size_t n;
        int k = 0;

        if (!json_object_object_get_ex(descriptor, "variants", &list) || !json_object_is_type(list, json_type_array))
                return -EINVAL;
        n = json_object_array_length(list);
        *r = (struct mida_result) {
                .test_id = e->id, .test_name = e->name, .status_code = -1, .days_running = -1,
                .total_visitors = -1, .total_conversions = -1,
        };
        json_object *days;

        if (json_object_object_get_ex(descriptor, "days_running", &days) && json_object_is_type(days, json_type_int) &&
            json_object_get_int64(days) >= 0)
                r->days_running = (long) json_object_get_int64(days);
        if (n > 0 && !(r->variants = calloc(n, sizeof(*r->variants))))
                return -ENOMEM;
        for (size_t i = 0; k == 0 && i < n; i++) {
                k = describe_stored_variant(s, e->id, json_object_array_get_idx(list, i), &r->variants[i]);
                r->n_variants = i + 1;
        }
        return k;
}

int analysis_recompute(struct store *s, const struct watched_experiment *e, const char *result,
                       const struct statistics_settings *settings, struct experiment_analysis *out)
{
        json_object *descriptor = json_tokener_parse(result);
        struct sequential_state copy = { 0 };
        struct mida_result r = { 0 };
        int k = descriptor ? rebuild_result(s, e, descriptor, &r) : -EINVAL;

        /* A copy: e's running values stay those of its last poll. */
        if (k == 0 && e->sequential)
                k = sequential_state_copy(e->sequential, &copy);
        if (k == 0)
                k = analysis_run(&r, settings, e->sequential ? &copy : NULL, out);
        sequential_state_free(&copy);
        free(r.variants);   /* its strings are the descriptor's */
        json_object_put(descriptor);
        return k;
}

int analysis_restore(struct store *s, struct watched_experiment *e, const char *result,
                     const struct statistics_settings *settings)
{
        struct experiment_analysis a = { 0 };
        json_object *o = NULL;
        char *text = NULL;
        int k = analysis_recompute(s, e, result, settings, &a);

        if (k == 0 && (!(o = analysis_to_json(&a)) ||
                       !(text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)))))
                k = -ENOMEM;
        json_object_put(o);
        experiment_analysis_free(&a);   /* empty after a failure */
        free(e->restored_analysis);
        e->restored_analysis = text;
        return k;
}
