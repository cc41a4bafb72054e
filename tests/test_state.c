/* The reader of 0.1.0's state.json (daemon/upgrade_read_state.c), which
 * the upgrade imports: value by value, across the reader's 64 KiB chunks;
 * any damage is "corrupt", never a partial load. The files are written
 * here as 0.1.0 wrote them: nothing in the daemon writes state.json any
 * more. */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/upgrade_read.h"
#include "stats/analysis.h"
#include "store/experiments.h"
#include "store/watchlist.h"
#include "util/json_read.h"

static char dir[64];

static void make_dir(void)
{
        snprintf(dir, sizeof(dir), "/tmp/mida-state-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
}

TestSuite(state, .init = make_dir, .fini = remove_dir);

static void write_state_file(const char *text, size_t len)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, UPGRADE_STATE_FILE);
        cr_assert_not_null(f = fopen(path, "w"));
        cr_assert_eq(fwrite(text, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
}

static char *read_state_file(size_t *len)
{
        char path[128];
        FILE *f;
        char *text;

        snprintf(path, sizeof(path), "%s/%s", dir, UPGRADE_STATE_FILE);
        cr_assert_not_null(f = fopen(path, "r"));
        fseek(f, 0, SEEK_END);
        *len = (size_t) ftell(f);
        rewind(f);
        cr_assert_not_null(text = malloc(*len + 1));
        cr_assert_eq(fread(text, 1, *len, f), *len);
        text[*len] = 0;
        fclose(f);
        return text;
}

/* ---- state.json as 0.1.0 wrote it: the same members in the same order,
 * its numbers in the fewest digits that read back exact ---- */

static void add(json_object *o, const char *key, json_object *value)
{
        cr_assert_eq(json_object_object_add(o, key, value), 0);
}

static json_object *string_or_null(const char *text)
{
        return text ? json_object_new_string(text) : NULL;
}

static json_object *sequential_0_1_0(const struct sequential_state *q)
{
        json_object *o = json_object_new_object(), *list = json_object_new_array();

        if (q->start_date)
                add(o, "start_date", json_object_new_string(q->start_date));
        add(o, "alpha", json_new_number(q->alpha));
        add(o, "tuning", json_new_number(q->tuning));
        for (size_t i = 0; i < q->n_variants; i++) {
                const struct sequential_variant_state *v = &q->variants[i];
                json_object *jv = json_object_new_object();

                add(jv, "variant_id", json_object_new_string(v->variant_id));
                add(jv, "visitors", json_object_new_int64(v->visitors));
                add(jv, "conversions", json_object_new_int64(v->conversions));
                if (v->has_bound) {
                        add(jv, "min_p", json_new_number(v->min_p));
                        add(jv, "low", json_new_number(v->low));
                        add(jv, "high", json_new_number(v->high));
                }
                cr_assert_eq(json_object_array_add(list, jv), 0);
        }
        add(o, "variants", list);
        return o;
}

static json_object *analysis_0_1_0(const struct watched_experiment *e)
{
        if (e->current)
                return analysis_to_json(e->current);
        return e->restored_analysis ? json_tokener_parse(e->restored_analysis) : NULL;
}

static json_object *experiment_0_1_0(const struct watched_experiment *e)
{
        json_object *o = json_object_new_object();

        add(o, "id", json_object_new_int64(e->id));
        add(o, "name", string_or_null(e->name));
        add(o, "active", json_object_new_boolean(e->active));
        add(o, "polled_at", json_object_new_int64(e->polled_at));
        add(o, "failures", json_object_new_int64(e->failures));
        add(o, "visitors", json_object_new_int64(e->visitors));
        add(o, "visitors_grew_at", json_object_new_int64(e->visitors_grew_at));
        add(o, "last_http_status", json_object_new_int(e->last_http_status));
        add(o, "last_error", string_or_null(e->last_error));
        add(o, "sequential", e->sequential ? sequential_0_1_0(e->sequential) : NULL);
        add(o, "analysis", analysis_0_1_0(e));
        return o;
}

static json_object *summary_0_1_0(const struct daemon_summary *s)
{
        json_object *o = json_object_new_object();

        add(o, "started_at", json_object_new_int64(s->started_at));
        add(o, "last_cycle_at", json_object_new_int64(s->last_cycle_at));
        add(o, "last_cycle_seconds", json_object_new_double(s->last_cycle_seconds));
        add(o, "last_cycle_polled", json_object_new_int64(s->last_cycle_polled));
        add(o, "last_cycle_failed", json_object_new_int64(s->last_cycle_failed));
        add(o, "api_error", string_or_null(s->api_error[0] ? s->api_error : NULL));
        return o;
}

static void save_as_0_1_0(const struct watchlist *w, const struct daemon_summary *s)
{
        json_object *root = json_object_new_object(), *list = json_object_new_array();
        size_t len = 0;
        const char *text;

        add(root, "version", json_object_new_int(1));
        add(root, "daemon", summary_0_1_0(s));
        for (size_t i = 0; i < w->n; i++)
                cr_assert_eq(json_object_array_add(list, experiment_0_1_0(w->items[i])), 0);
        add(root, "experiments", list);
        text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN, &len);
        cr_assert_not_null(text);
        write_state_file(text, len);
        json_object_put(root);
}

/* ---- the experiments ---- */

/* A real analysis of a three-variant snapshot, with its sequential state. */

static void analyse(struct watched_experiment *e, long long n)
{
        static char *ids[] = { "0", "1", "2" };
        struct mida_variant v[3];
        struct mida_result r = { .test_id = e->id, .status_code = 1, .days_running = 2, .n_variants = 3,
                                 .variants = v, .start_date = (char *) "2026-11-01T00:00:00.000Z" };
        struct statistics_settings s = statistics_settings_default();

        for (int i = 0; i < 3; i++)
                v[i] = (struct mida_variant) { .variant_id = ids[i], .name = ids[i], .visitors = n,
                                               .conversions = n / 10 + i * n / 100, .has_visitors = true,
                                               .has_conversions = true, .is_control = i == 0 };
        cr_assert_not_null(e->sequential = calloc(1, sizeof(*e->sequential)));
        cr_assert_not_null(e->current = calloc(1, sizeof(*e->current)));
        cr_assert_eq(analysis_run(&r, &s, e->sequential, e->current), 0);
}

/* 400 experiments (~300 KB): polled ones, one restored from an earlier
 * file, one never polled; names that need escaping. */
static void fill(struct watchlist *w)
{
        for (long long id = 1; id <= 400; id++) {
                struct watched_experiment *e = watchlist_get(w, id * 7);
                char name[64];
                cr_assert_not_null(e);
                snprintf(name, sizeof(name), "Exp\u00e9rience \"%lld\"\n\\", id);
                watchlist_set_name(e, name);
                e->active = id % 5 != 0;
                e->polled_at = 1790000000 + id;
                e->visitors = id * 100;
                if (id == 3)
                        e->restored_analysis = strdup("{\"test_id\":21,\"visitors\":5,\"variants\":[]}");
                else if (id != 4)
                        analyse(e, 1000 + id * 37);
        }
        watchlist_set_error(watchlist_find(w, 14), "HTTP 503: try later");
}

/* Every figure exact: the numbers were written in the fewest digits that
 * read back as themselves. */
static void expect_same_sequential(const struct sequential_state *got, const struct sequential_state *want,
                                   long long id)
{
        cr_assert_eq(got != NULL, want != NULL, "experiment %lld", id);
        if (!want)
                return;
        cr_expect_str_eq(got->start_date, want->start_date);
        cr_expect_eq(got->alpha, want->alpha);
        cr_expect_eq(got->tuning, want->tuning);
        cr_assert_eq(got->n_variants, want->n_variants);
        for (size_t i = 0; i < want->n_variants; i++) {
                const struct sequential_variant_state *g = &got->variants[i], *v = &want->variants[i];

                cr_expect_str_eq(g->variant_id, v->variant_id);
                cr_expect_eq(g->visitors, v->visitors);
                cr_expect_eq(g->conversions, v->conversions);
                cr_expect_eq(g->has_bound, v->has_bound, "experiment %lld, variant %zu", id, i);
                if (v->has_bound) {
                        cr_expect_eq(g->min_p, v->min_p, "experiment %lld, variant %zu", id, i);
                        cr_expect_eq(g->low, v->low);
                        cr_expect_eq(g->high, v->high);
                }
        }
}

Test(state, a_0_1_0_file_reads_back_whole)
{
        struct watchlist w = { 0 }, back = { 0 };
        struct daemon_summary s = { .started_at = 1790000000, .last_cycle_polled = 399 }, s2;
        size_t len;

        strcpy(s.api_error, "API key rejected");
        fill(&w);
        save_as_0_1_0(&w, &s);
        char *text = read_state_file(&len);
        cr_assert_gt(len, 4 * 65536u, "spans several of the reader's chunks");

        cr_assert_eq(upgrade_read_state(dir, &back, &s2), 0);
        cr_assert_eq(back.n, 400);
        cr_expect_eq(s2.started_at, s.started_at);
        cr_expect_eq(s2.last_cycle_polled, 399);
        cr_expect_str_eq(s2.api_error, "API key rejected");
        for (size_t i = 0; i < w.n; i++) {
                const struct watched_experiment *a = w.items[i], *b = back.items[i];
                cr_assert_eq(b->id, a->id);
                cr_expect_str_eq(b->name, a->name);
                cr_expect_eq(b->active, a->active);
                cr_expect_eq(b->polled_at, a->polled_at);
                cr_expect_null(b->current, "an analysis is restored as text, not as the last poll");
                expect_same_sequential(b->sequential, a->sequential, a->id);
                if (a->current) {
                        json_object *j = analysis_to_json(a->current);
                        cr_expect_str_eq(b->restored_analysis, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
                        json_object_put(j);
                } else if (a->restored_analysis) {
                        cr_expect_str_eq(b->restored_analysis, a->restored_analysis);
                } else {
                        cr_expect_null(b->restored_analysis);
                }
        }
        cr_expect_str_eq(watchlist_find(&back, 14)->last_error, "HTTP 503: try later");

        free(text);
        watchlist_clear(&w);
        watchlist_clear(&back);
}

Test(state, any_cut_is_corrupt_and_loads_nothing)
{
        struct watchlist w = { 0 };
        struct daemon_summary s = { 0 };
        size_t len;

        fill(&w);
        save_as_0_1_0(&w, &s);
        watchlist_clear(&w);
        char *text = read_state_file(&len);
        for (size_t cut = 0; cut < len; cut += cut < 200 ? 1 : 4099) {
                write_state_file(text, cut);
                cr_expect_eq(upgrade_read_state(dir, &w, &s), -EINVAL, "cut at %zu of %zu", cut, len);
                cr_expect_eq(w.n, 0, "cut at %zu: nothing half-loaded", cut);
        }
        free(text);
}

Test(state, reads_any_layout_and_ignores_unknown_members)
{
        static const char pretty[] =
                "{\n  \"future\": {\"a\": [1, 2, {\"b\": null}]},\n  \"experiments\" : [\n"
                "    { \"id\": 5, \"name\": \"A\", \"active\": true, \"analysis\": null },\n"
                "    {\"id\":6,\"analysis\":{\"visitors\":12}}\n  ],\n"
                "  \"daemon\": {\"started_at\": 17, \"last_cycle_seconds\": 1.5},\n  \"version\": 1\n}\n";
        struct watchlist w = { 0 };
        struct daemon_summary s = { 0 };

        write_state_file(pretty, strlen(pretty));
        cr_assert_eq(upgrade_read_state(dir, &w, &s), 0);
        cr_assert_eq(w.n, 2);
        cr_expect_str_eq(w.items[0]->name, "A");
        cr_expect(w.items[0]->active);
        cr_expect_null(w.items[0]->restored_analysis);
        cr_expect_str_eq(w.items[1]->restored_analysis, "{\"visitors\":12}");
        cr_expect_eq(s.started_at, 17);
        cr_expect_eq(s.last_cycle_seconds, 1.5);
        watchlist_clear(&w);
}

Test(state, wrong_shapes_are_corrupt)
{
        static const char *bad[] = {
                "{\"version\":2,\"experiments\":[]}",
                "{\"version\":1}",
                "{\"version\":1,\"experiments\":{}}",
                "{\"version\":1,\"experiments\":[{\"name\":\"no id\"}]}",
                "{\"version\":1,\"experiments\":[null]}",
                "{\"version\":1,\"experiments\":[{\"id\":1}],}",
                "{\"version\":1 \"experiments\":[]}",
                "{1:2}",
                "[]",
                "",
        };
        struct watchlist w = { 0 };
        struct daemon_summary s = { 0 };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                write_state_file(bad[i], strlen(bad[i]));
                cr_expect_eq(upgrade_read_state(dir, &w, &s), -EINVAL, "%s", bad[i]);
                cr_expect_eq(w.n, 0);
        }
        static const char smallest[] = "{\"version\":1,\"experiments\":[]}";
        char path[128];

        write_state_file(smallest, strlen(smallest));
        cr_expect_eq(upgrade_read_state(dir, &w, &s), 0, "the smallest state");
        snprintf(path, sizeof(path), "%s/%s", dir, UPGRADE_STATE_FILE);
        cr_expect_eq(remove(path), 0);
        cr_expect_eq(upgrade_read_state(dir, &w, &s), -ENOENT);
}

Test(state, the_load_moves_a_corrupt_file_aside_and_reads_it_as_empty)
{
        static const char cut[] = "{\"version\":1,\"experiments\":[{\"id\":1},";
        struct watchlist w = { 0 };
        struct daemon_summary s = { .started_at = 5 };
        char pattern[128];
        glob_t g;

        cr_expect_eq(upgrade_load_state(dir, &w, &s), 0, "no file: nothing to read");
        cr_expect_eq(w.n, 0);
        write_state_file(cut, strlen(cut));
        cr_expect_eq(upgrade_load_state(dir, &w, &s), 0);
        cr_expect_eq(w.n, 0, "nothing half loaded");
        cr_expect_eq(s.started_at, 0);
        snprintf(pattern, sizeof(pattern), "%s/%s.corrupt-*", dir, UPGRADE_STATE_FILE);
        cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "moved aside as state.json.corrupt-<time>");
        cr_expect_eq(g.gl_pathc, 1);
        globfree(&g);
        cr_expect_eq(upgrade_read_state(dir, &w, &s), -ENOENT, "and gone from its place");
}
