/* The status page's site (src/web/): HTML escaping, the pages built from
 * hand-made data, and the routes on a real state.db — the JSON documents
 * are exactly what `status --json` and `history ID --json` print, and the
 * cache reads state.db once until it is told the state changed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "report/history_output.h"
#include "report/history_read.h"
#include "report/history_series.h"
#include "report/status_json.h"
#include "report/status_read.h"
#include "stats/analysis.h"
#include "store/action_rows.h"
#include "store/alert_rows.h"
#include "store/db.h"
#include "store/digest_rows.h"
#include "store/experiments.h"
#include "store/health_rows.h"
#include "store/watchlist.h"
#include "web/web_gzip.h"
#include "web/html.h"
#include "web/page_experiment.h"
#include "web/page_index.h"
#include "web/web_site.h"
#include "store_fixture.h"

#define EVIL "<script>alert(1)</script>"
#define EVIL_ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;"
#define T0 1790000000

static size_t count(const char *haystack, const char *needle)
{
        size_t n = 0;

        for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* ---- escaping ---- */

Test(web_html, escapes_markup_and_quotes)
{
        char *e = html_escape(EVIL " & \"x\" 'y'");

        cr_assert_str_eq(e, EVIL_ESCAPED " &amp; &quot;x&quot; &#39;y&#39;");
        free(e);
        e = html_escape("caf\xc3\xa9 \xff ok");   /* valid UTF-8 kept, a bad byte replaced */
        cr_assert_str_eq(e, "caf\xc3\xa9 \xef\xbf\xbd ok");
        free(e);
        e = html_escape(NULL);
        cr_assert_str_eq(e, "");
        free(e);
}

Test(web_html, message_page_escapes_and_links_the_stylesheet)
{
        size_t len = 0;
        char *page = html_message_page("Not found", EVIL, &len);

        cr_assert_not_null(page);
        cr_expect_eq(len, strlen(page));
        cr_expect(strncmp(page, "<!DOCTYPE html>", 15) == 0);
        cr_expect(strstr(page, "<meta name=\"viewport\""));
        cr_expect(strstr(page, "href=\"/static/style.css\""));
        cr_expect(strstr(page, EVIL_ESCAPED));
        cr_expect_null(strstr(page, "<script"), "no script at all: %s", page);
        cr_expect_null(strstr(page, "style="), "no inline style (CSP)");
        free(page);
}

/* ---- the index page from a hand-built status ---- */

static struct watched_experiment *experiment(struct watchlist *w, long long id, const char *name, bool active,
                                             const char *analysis)
{
        struct watched_experiment *e = watchlist_get(w, id);

        cr_assert_not_null(e);
        watchlist_set_name(e, name);
        e->active = active;
        e->polled_at = T0;
        e->visitors = 2000;
        e->restored_analysis = analysis ? strdup(analysis) : NULL;
        return e;
}

static const char analysis_1001[] =
        "{\"test_id\":1001,\"visitors\":2000,\"variants\":["
        "{\"variant_id\":\"0\",\"name\":\"Control\",\"control\":true,\"visitors\":1000,\"conversions\":100,"
        "\"conversion_rate\":0.1},"
        "{\"variant_id\":\"1\",\"name\":\"" EVIL "\",\"control\":false,\"visitors\":1000,\"conversions\":130,"
        "\"conversion_rate\":0.13,\"lift\":0.3,\"lift_low\":0.05,\"lift_high\":0.6,\"p_value_adjusted\":0.00001,"
        "\"significant\":true,\"prob_beat_control\":0.98,\"days_to_decision\":null,\"underpowered\":null,"
        "\"below_guards\":false,\"decision_reason\":\"already decided: significant\"}]}";

static const char analysis_1002[] =
        "{\"test_id\":1002,\"visitors\":40,\"variants\":["
        "{\"variant_id\":\"0\",\"control\":true,\"visitors\":20,\"conversions\":1},"
        "{\"variant_id\":\"1\",\"control\":false,\"visitors\":20,\"conversions\":2,\"lift\":1.0,"
        "\"lift_low\":-0.9,\"lift_high\":9,\"significant\":false,\"prob_beat_control\":0.7,"
        "\"days_to_decision\":120,\"underpowered\":true,\"below_guards\":true,"
        "\"guard\":\"the control has 20 visitors, fewer than min_visitors (100)\"}]}";

Test(web_pages, index_rows_alerts_and_escaping)
{
        struct watchlist w = { 0 };
        struct daemon_summary sum = { .started_at = T0 - 3600, .last_cycle_at = T0, .last_cycle_seconds = 1.5,
                                      .last_cycle_polled = 2 };
        struct store_alert_row alerts[] = {
                { .rule = "winner", .experiment_id = 1001, .variant_id = "1", .state = STORE_ALERT_FIRING,
                  .active_since = T0 - 600, .fired_at = T0 - 300 },
                { .rule = "harm", .experiment_id = 1002, .variant_id = "", .state = STORE_ALERT_PENDING,
                  .active_since = T0 - 60, .held = true },
        };
        struct store_health_row health[] = {
                { .condition = STORE_HEALTH_EXPERIMENT_STALLED, .subject = "1002", .name = EVIL, .since = T0 - 7200 },
        };
        struct store_silence_row silences[] = {
                { .id = 3, .experiment_id = 1002, .starts_at = T0 - 10, .ends_at = T0 + 3600, .comment = EVIL,
                  .created_by = "ops" },
        };
        struct status_report rep = { .alerts = alerts, .n_alerts = 2, .health = health, .n_health = 1,
                                     .silences = silences, .n_silences = 1, .deliveries_pending = 2 };
        struct page_index_input in = { .watchlist = &w, .summary = &sum, .report = &rep, .now = T0 };
        size_t len = 0;
        char *page;

        snprintf(rep.pending_notifiers, sizeof(rep.pending_notifiers), "ops: 2");
        experiment(&w, 1001, "Checkout", true, analysis_1001);
        experiment(&w, 1002, EVIL, true, analysis_1002);
        experiment(&w, 7, "Old one", false, NULL);
        page = page_index(&in, &len);
        cr_assert_not_null(page);
        cr_expect_eq(len, strlen(page));

        cr_expect_null(strstr(page, "<script"), "no script on /, and every name escaped");
        cr_expect_null(strstr(page, "style="), "no inline style (CSP)");
        cr_expect_geq(count(page, EVIL_ESCAPED), 4, "experiment name, variant name, health, silence");
        cr_expect_eq(count(page, "<tr class=\"experiment"), 2, "one row per watched experiment");
        cr_expect(strstr(page, "<tr class=\"experiment firing\" data-experiment=\"1001\">"));
        cr_expect(strstr(page, "data-experiment=\"1002\""));
        cr_expect(strstr(page, "href=\"/experiment/1001\""));
        cr_expect(strstr(page, "<section id=\"dropped\">"), "the dropped one listed apart");
        cr_expect(strstr(page, "data-health=\"degraded\""));
        cr_expect(strstr(page, "data-condition=\"experiment_stalled\""));
        /* The firing alert: in its experiment's row and in the section. */
        cr_expect(strstr(page, "class=\"badge alert firing\" data-state=\"firing\" data-rule=\"winner\""));
        cr_expect(strstr(page, "data-state=\"pending\" data-rule=\"harm\""));
        cr_expect(strstr(page, "Firing alerts (1)"));
        cr_expect_eq(count(page, "<tr class=\"alert"), 1);
        cr_expect(strstr(page, "class=\"badge silenced\" data-silence=\"3\""));
        /* Figures: significant on 1001, too early (below the guards) and underpowered on 1002. */
        cr_expect(strstr(page, "<li class=\"variant\" data-variant=\"1\">"));
        cr_expect(strstr(page, "+30.0%"));
        cr_expect(strstr(page, "[+5.0%, +60.0%]"));
        cr_expect(strstr(page, "badge significant"));
        cr_expect(strstr(page, "badge early"));
        cr_expect(strstr(page, "underpowered"));
        cr_expect(strstr(page, "98.0%"));
        cr_expect(strstr(page, "<span class=\"p\">p &lt; 0.0001</span>"), "figures are text, escaped too");
        cr_expect(strstr(page, "<span id=\"deliveries-pending\">2</span> pending (ops: 2)"));
        free(page);
        watchlist_clear(&w);
}

Test(web_pages, index_without_experiments)
{
        struct watchlist w = { 0 };
        struct daemon_summary sum = { 0 };
        struct status_report rep = { 0 };
        struct page_index_input in = { .watchlist = &w, .summary = &sum, .report = &rep, .now = T0 };
        size_t len;
        char *page = page_index(&in, &len);

        cr_assert_not_null(page);
        cr_expect(strstr(page, "data-health=\"ok\""));
        cr_expect(strstr(page, "No experiment is watched yet."));
        cr_expect_null(strstr(page, "data-experiment="));
        free(page);
}

/* ---- the experiment page from a hand-built history ---- */

Test(web_pages, experiment_rows_canvases_and_events)
{
        struct statistics_settings st = statistics_settings_default();
        struct history_series s;
        struct experiment_analysis *a = NULL;
        struct page_event events[] = {
                { .at = T0 + 200, .kind = PAGE_EVENT_FIRED, .rule = "winner", .variant_id = "1" },
                { .at = T0 + 300, .kind = PAGE_EVENT_ACTION, .rule = "winner", .outcome = "paused" },
        };
        struct page_experiment_input in = { .series = &s, .events = events, .n_events = 2 };
        size_t len;
        char *page;

        cr_assert_eq(history_series_init(&s, 1001, EVIL), 0);
        cr_assert_eq(history_series_declare(&s, "0", "Control", true), 0);
        cr_assert_eq(history_series_declare(&s, "1", EVIL, false), 0);
        cr_assert_eq(history_series_declare(&s, "2", "Green", false), 0);
        for (int p = 0; p < 5; p++)
                for (int v = 0; v < 3; v++)
                        cr_assert_eq(history_series_add_row(&s, T0 + 100 * p, (const char *[]) { "0", "1", "2" }[v],
                                                            1000 * (p + 1), 100 * (p + 1) + 10 * v * p), 0);
        cr_assert_eq(history_series_analyse(&s, &st, &a), 0);
        in.analyses = a;
        page = page_experiment(&in, &len);
        cr_assert_not_null(page);
        cr_expect_eq(len, strlen(page));

        cr_expect_eq(count(page, "<tr class=\"poll\""), 5, "one row per poll");
        cr_expect_eq(count(page, "<canvas class=\"lift-chart\""), 2, "one chart per non-control variant");
        cr_expect(strstr(page, "data-variant=\"1\" role=\"img\""));
        cr_expect_eq(count(page, "<td class=\"lift\" data-variant="), 10, "5 polls × 2 variants");
        cr_expect(strstr(page, "<tr class=\"poll\" data-t=\"1790000400\" data-visitors=\"15000\" "
                               "data-conversions=\"1620\">"));
        cr_expect(strstr(page, "<h1 id=\"experiment\" data-experiment=\"1001\">" EVIL_ESCAPED "</h1>"));
        cr_expect_eq(count(page, "<li class=\"event"), 2);
        cr_expect(strstr(page, "data-kind=\"fired\" data-at=\"1790000200\" data-rule=\"winner\" data-variant=\"1\""));
        cr_expect(strstr(page, "data-kind=\"action\" data-at=\"1790000300\""));
        cr_expect(strstr(page, "<script src=\"/static/chart.js\" defer></script>"));
        cr_expect(strstr(page, "<script src=\"/static/app.js\" defer></script>"));
        cr_expect_eq(count(page, "<script"), 2, "no inline script (CSP), and every name escaped");
        cr_expect_null(strstr(page, "style="), "no inline style (CSP)");
        cr_expect_eq(count(page, "<tr class=\"variant"), 3, "the current figures of each variant");
        free(page);

        /* With the daemon's analysis, the current figures are its. */
        in.analysis = analysis_1001;
        page = page_experiment(&in, &len);
        cr_assert_not_null(page);
        cr_expect_eq(count(page, "<tr class=\"variant"), 2, "the variants of the daemon's analysis");
        cr_expect(strstr(page, "<span class=\"p\">p &lt; 0.0001</span>"));
        cr_expect_eq(count(page, "<script"), 2);
        cr_expect_eq(count(page, "<tr class=\"poll\""), 5, "the history is the same");
        free(page);
        history_analyses_free(a, s.n_polls);
        history_series_free(&s);
}

/* ---- the routes on a real state.db ---- */

TestSuite(web_site, .init = store_fixture_make_dir, .fini = store_fixture_remove_dir);

static const struct statistics_settings *settings(void)
{
        static struct statistics_settings s;

        s = statistics_settings_default();
        return &s;
}

/* One poll of e recorded as the daemon records it. */
static void record(struct store *s, struct watched_experiment *e, int64_t at, long long v0, long long c0,
                   long long v1, long long c1)
{
        store_fixture_analyse(e, 2, (long long[]) { v0, v1 }, (long long[]) { c0, c1 });
        e->polled_at = at;
        e->visitors = v0 + v1;
        cr_assert_eq(store_begin(s), 0);
        cr_assert_eq(store_experiment_save(s, e, at), 0, "%s", store_error(s));
        cr_assert_geq(store_poll_record(s, e), 0, "%s", store_error(s));
        cr_assert_eq(store_commit(s), 0);
}

/* Experiment 1001 polled 4 times with an alert that fired and an action;
 * 1002 (an API name with a script in it) once. */
static void make_state(void)
{
        struct watchlist w = { 0 };
        struct watched_experiment *e;
        struct daemon_summary sum = { .started_at = T0 - 60, .last_cycle_at = T0 + 300, .last_cycle_seconds = 0.5,
                                      .last_cycle_polled = 2 };
        struct store *s = NULL;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_not_null(e = watchlist_get(&w, 1001));
        watchlist_set_name(e, "Checkout / \"pay now\"");
        e->active = true;
        for (int p = 0; p < 4; p++)
                record(s, e, T0 + 100 * p, 1000 * (p + 1), 100 * (p + 1), 1000 * (p + 1), 130 * (p + 1));
        cr_assert_not_null(e = watchlist_get(&w, 1002));
        watchlist_set_name(e, EVIL);
        e->active = true;
        record(s, e, T0 + 300, 500, 50, 500, 55);
        cr_assert_eq(store_summary_save(s, &sum), 0);
        cr_assert_eq(store_alert_upsert(s, &(struct store_alert_row) {
                .rule = "winner", .experiment_id = 1001, .variant_id = "1", .state = STORE_ALERT_FIRING,
                .active_since = T0 + 100, .fired_at = T0 + 200, .last_notified = T0 + 200 }), 0);
        cr_assert_eq(store_alert_log_add(s, &(struct store_alert_log_row) {
                .at = T0 + 200, .rule = "winner", .experiment_id = 1001, .variant_id = "1" }), 0);
        cr_assert_eq(store_alert_log_add(s, &(struct store_alert_log_row) {
                .at = T0 + 250, .rule = "other", .experiment_id = 1002 }), 0);
        cr_assert_eq(store_action_upsert(s, &(struct store_action_row) {
                .rule = "winner", .experiment_id = 1001, .action = RULE_ACTION_PAUSE, .state = STORE_ACTION_DONE,
                .attempts = 1, .intended_at = T0 + 200, .finished_at = T0 + 201, .http_status = 200 }), 0);
        store_close(s);
        watchlist_clear(&w);
}

static char *metrics_text(void *userdata, size_t *len)
{
        const char *text = userdata;
        char *copy;

        if (!text)
                return NULL;
        copy = strdup(text);
        *len = strlen(text);
        return copy;
}

static struct web_site *site_in(const char *dir, const char *chartjs_dir, const char *metrics)
{
        struct web_site_options o = { .state_directory = dir, .statistics = settings(), .chartjs_dir = chartjs_dir,
                                      .metrics_text = metrics_text, .userdata = (void *) metrics };
        struct web_site *site = NULL;

        cr_assert_eq(web_site_new(&o, &site), 0);
        return site;
}

/* The response to GET path, whose status must be status; its body (or
 * static body) is copied into a string the caller frees. */
static char *get(struct web_site *site, const char *path, unsigned status, const char **type)
{
        struct web_response r;
        const char *body;
        char *copy;

        cr_assert_eq(web_site_get(site, path, &r), 0, "%s", path);
        cr_expect_eq(r.status, status, "%s: %u, expected %u", path, r.status, status);
        body = r.body ? r.body : r.static_body;
        cr_assert_not_null(body, "%s: no body", path);
        cr_assert_not_null(copy = strndup(body, r.length));
        cr_expect_eq(strlen(copy), r.length, "%s: length", path);
        if (type)
                *type = r.content_type;
        web_response_clear(&r);
        return copy;
}

/* What `status --json` prints (cli/cmd_status.c's print_json). */
static char *status_document(void)
{
        struct watchlist w = { 0 };
        struct daemon_summary sum = { 0 };
        struct status_report rep = { 0 };
        struct store *s = NULL;
        const char *what;
        json_object *root;
        char *text;

        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &s), 0);
        cr_assert_eq(status_read(s, settings(), &w, &sum, &rep, &what), 0);
        store_close(s);
        cr_assert_not_null(root = status_json_new(&w, &sum));
        cr_assert_eq(status_report_add_json(root, &rep), 0);
        cr_assert(asprintf(&text, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY)) > 0);
        json_object_put(root);
        status_report_clear(&rep);
        watchlist_clear(&w);
        return text;
}

/* The output of the real command, when the build tree is known (make
 * check); NULL otherwise. */
static char *command_output(const char *args)
{
        const char *build = getenv("top_builddir");
        char conf[128], cmd[512], buf[4096];
        size_t n, used = 0;
        char *out = NULL;
        FILE *f, *p;

        if (!build)
                return NULL;
        snprintf(conf, sizeof(conf), "%s/mida-monitor.conf", store_dir);
        cr_assert_not_null(f = fopen(conf, "w"));
        fprintf(f, "mida: { base_url = \"http://127.0.0.1:9/v2\"; project_key = \"demo\"; api_key = \"k\"; };\n"
                   "monitor: { state_directory = \"%s\"; };\n", store_dir);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "'%s/src/mida-monitor' -c '%s' %s", build, conf, args);
        cr_assert_not_null(p = popen(cmd, "r"));
        while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
                cr_assert_not_null(out = realloc(out, used + n + 1));
                memcpy(out + used, buf, n);
                used += n;
                out[used] = '\0';
        }
        cr_assert_eq(pclose(p), 0, "%s", cmd);
        cr_assert_not_null(out, "%s printed nothing", cmd);
        return out;
}

Test(web_site, status_json_is_the_status_document)
{
        struct web_site *site;
        const char *type = NULL;
        char *body, *want, *printed;

        make_state();
        site = site_in(store_dir, NULL, NULL);
        body = get(site, "/api/v1/status", 200, &type);
        cr_expect_str_eq(type, "application/json");
        want = status_document();
        cr_expect_str_eq(body, want);
        printed = command_output("status --json");
        if (printed)
                cr_expect_str_eq(body, printed, "what `mida-monitor status --json` prints");
        free(printed);
        free(want);
        free(body);
        web_site_free(site);
}

Test(web_site, experiment_json_is_the_history_document)
{
        struct statistics_settings st = statistics_settings_default();
        struct history_series s = { 0 };
        struct experiment_analysis *a = NULL;
        struct store *store = NULL;
        struct web_site *site;
        char *body, *want, *printed;
        json_object *doc;

        make_state();
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &store), 0);
        cr_assert_eq(history_read(store, &st, 1001, &s), 8, "4 polls × 2 variants");
        store_close(store);
        cr_assert_eq(history_series_analyse(&s, &st, &a), 0);
        doc = history_to_json(&(struct history_view) { .series = &s, .analyses = a });
        cr_assert(asprintf(&want, "%s\n", json_object_to_json_string_ext(
                                       doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)) > 0);
        json_object_put(doc);
        site = site_in(store_dir, NULL, NULL);
        body = get(site, "/api/v1/experiment/1001", 200, NULL);
        cr_expect_str_eq(body, want);
        printed = command_output("history 1001 --json");
        if (printed)
                cr_expect_str_eq(body, printed, "what `mida-monitor history 1001 --json` prints");
        free(printed);
        free(body);
        free(want);
        history_analyses_free(a, s.n_polls);
        history_series_free(&s);
        web_site_free(site);
}

Test(web_site, pages_from_the_store)
{
        struct web_site *site;
        const char *type = NULL;
        char *page;

        make_state();
        site = site_in(store_dir, NULL, NULL);
        page = get(site, "/", 200, &type);
        cr_expect_str_eq(type, "text/html; charset=utf-8");
        cr_expect_eq(count(page, "<tr class=\"experiment"), 2);
        cr_expect(strstr(page, "data-experiment=\"1001\""));
        cr_expect(strstr(page, EVIL_ESCAPED));
        cr_expect_null(strstr(page, "<script"));
        cr_expect(strstr(page, "data-state=\"firing\" data-rule=\"winner\""));
        cr_expect(strstr(page, "<tr class=\"action\" data-experiment=\"1001\" data-state=\"done\""));
        free(page);

        page = get(site, "/experiment/1001", 200, &type);
        cr_expect_str_eq(type, "text/html; charset=utf-8");
        cr_expect_eq(count(page, "<tr class=\"poll\""), 4, "one row per recorded poll");
        cr_expect_eq(count(page, "<canvas class=\"lift-chart\" data-variant=\"1\""), 1);
        cr_expect_eq(count(page, "<li class=\"event"), 2, "1001's alert and action, not 1002's alert");
        cr_expect(strstr(page, "data-kind=\"fired\" data-at=\"1790000200\""));
        cr_expect(strstr(page, "data-kind=\"action\" data-at=\"1790000201\""));
        free(page);

        page = get(site, "/experiment/1002", 200, NULL);
        cr_expect(strstr(page, "<h1 id=\"experiment\" data-experiment=\"1002\">" EVIL_ESCAPED "</h1>"));
        cr_expect_eq(count(page, "<script"), 2, "chart.js and app.js only");
        free(page);
        web_site_free(site);
}

Test(web_site, not_found)
{
        static const char *const paths[] = {
                "/nope", "/experiment/", "/experiment/abc", "/experiment/0", "/experiment/-5", "/experiment/12x",
                "/experiment/1001/", "/experiment/99999999999999999999", "/experiment/4242",
                "/api/v1/experiment/x", "/api/v1/experiment/4242", "/api/v1/status/", "/static/", "/static/nope.js",
                "/index.html", "",
        };
        struct web_site *site;

        make_state();
        site = site_in(store_dir, NULL, NULL);
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                const char *type = NULL;
                char *body = get(site, paths[i], 404, &type);
                cr_expect_str_eq(type, "text/html; charset=utf-8", "%s", paths[i]);
                cr_expect(strstr(body, "Not found"), "%s", paths[i]);
                free(body);
        }
        web_site_free(site);
}

Test(web_site, no_state_yet_is_503_until_there_is)
{
        char dir[128];
        struct web_site *site;
        char *body;

        snprintf(dir, sizeof(dir), "%s/later", store_dir);
        site = site_in(dir, NULL, NULL);
        body = get(site, "/", 503, NULL);
        cr_expect(strstr(body, "no state yet: the daemon has not finished a cycle"), "%s", body);
        free(body);
        free(get(site, "/api/v1/status", 503, NULL));
        free(get(site, "/experiment/1001", 503, NULL));
        /* The daemon starts: the next request opens the database. */
        cr_assert_eq(mkdir(dir, 0700), 0);
        {
                struct store *s = NULL;
                cr_assert_eq(store_open(dir, 0, &s), 0);
                store_close(s);
        }
        body = get(site, "/", 200, NULL);
        cr_expect(strstr(body, "No experiment is watched yet."));
        free(body);
        web_site_free(site);
}

Test(web_site, cache_builds_once_until_invalidated)
{
        struct web_site *site;
        struct store *s = NULL;
        char *a, *b;

        make_state();
        site = site_in(store_dir, NULL, NULL);
        cr_expect_eq(web_site_builds(site), 0, "nothing is read until a request");
        a = get(site, "/", 200, NULL);
        free(get(site, "/api/v1/status", 200, NULL));
        for (int i = 0; i < 50; i++)
                free(get(site, "/", 200, NULL));
        cr_expect_eq(web_site_builds(site), 1, "one read of state.db for / and /api/v1/status");

        /* A change the cache does not see until it is told. */
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        store_exec_sql(s, "UPDATE experiments SET name = 'Renamed' WHERE id = 1001");
        store_close(s);
        b = get(site, "/", 200, NULL);
        cr_expect_str_eq(a, b, "served from the cache");
        free(b);
        web_site_invalidate(site);
        b = get(site, "/", 200, NULL);
        cr_expect_eq(web_site_builds(site), 2, "rebuilt once invalidated");
        cr_expect(strstr(b, ">Renamed</a>"));
        free(b);
        free(get(site, "/api/v1/status", 200, NULL));
        cr_expect_eq(web_site_builds(site), 2);

        /* An experiment's page and JSON: one read for both. */
        free(get(site, "/experiment/1001", 200, NULL));
        free(get(site, "/api/v1/experiment/1001", 200, NULL));
        free(get(site, "/experiment/1001", 200, NULL));
        cr_expect_eq(web_site_builds(site), 3);
        web_site_set_statistics(site, settings());   /* a reload invalidates */
        free(get(site, "/experiment/1001", 200, NULL));
        cr_expect_eq(web_site_builds(site), 4);
        free(a);
        web_site_free(site);
}

Test(web_site, metrics)
{
        static const char text[] = "# TYPE mida_up gauge\nmida_up 1\n";
        struct web_site *site = site_in(store_dir, NULL, text);
        const char *type = NULL;
        char *body = get(site, "/metrics", 200, &type);

        cr_expect_str_eq(body, text);
        cr_expect_str_eq(type, "text/plain; version=0.0.4; charset=utf-8");
        free(body);
        web_site_free(site);
        site = site_in(store_dir, NULL, NULL);
        free(get(site, "/metrics", 503, NULL));
        web_site_free(site);
}

Test(web_site, static_files)
{
        char dir[128], path[160];
        struct web_site *site;
        const char *type = NULL;
        char *body;
        FILE *f;

        site = site_in(store_dir, "/nonexistent/chart.js", NULL);
        body = get(site, "/static/style.css", 200, &type);
        cr_expect_str_eq(type, "text/css; charset=utf-8");
        cr_expect(strstr(body, ".table-wrap"));
        free(body);
        body = get(site, "/static/app.js", 200, &type);
        cr_expect_str_eq(type, "text/javascript; charset=utf-8");
        cr_expect(strstr(body, "canvas.lift-chart"));
        cr_expect(strstr(body, "dataset.points"));
        cr_expect(strstr(body, "'ready'"));
        free(body);
        body = get(site, "/static/chart.js", 404, NULL);
        cr_expect(strstr(body, "Chart.js is not installed"), "%s", body);
        cr_expect(strstr(body, "/nonexistent/chart.js"));
        free(body);
        web_site_free(site);

        /* The fallback name, read once and kept. */
        snprintf(dir, sizeof(dir), "%s/js", store_dir);
        cr_assert_eq(mkdir(dir, 0700), 0);
        snprintf(path, sizeof(path), "%s/chart.umd.js", dir);
        cr_assert_not_null(f = fopen(path, "w"));
        fputs("var Chart = 1;\n", f);
        fclose(f);
        site = site_in(store_dir, dir, NULL);
        body = get(site, "/static/chart.js", 200, &type);
        cr_expect_str_eq(body, "var Chart = 1;\n");
        cr_expect_str_eq(type, "text/javascript; charset=utf-8");
        free(body);
        cr_assert_eq(unlink(path), 0);
        body = get(site, "/static/chart.js", 200, NULL);
        cr_expect_str_eq(body, "var Chart = 1;\n", "kept from the first request");
        free(body);
        web_site_free(site);
}

Test(web_gzip, accept_encoding_and_a_round_trip)
{
        static const char *const yes[] = { "gzip", "deflate, gzip", "gzip;q=0.5", "br, *", "GZIP" };
        static const char *const no[] = { "", "deflate", "gzip;q=0", "br, gzip; q=0", "x-gzip" };
        char page[5000], *gz = NULL, back[5000];
        size_t gz_len = 0;
        uLongf back_len = sizeof(back);
        z_stream z = { 0 };

        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                cr_expect(web_accepts_gzip(yes[i]), "%s", yes[i]);
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                cr_expect_not(web_accepts_gzip(no[i]), "%s", no[i]);
        cr_expect_not(web_accepts_gzip(NULL));
        for (size_t i = 0; i < sizeof(page); i++)
                page[i] = "<tr><td>lift</td></tr>\n"[i % 24];
        cr_assert_eq(web_gzip(page, sizeof(page), &gz, &gz_len), 0);
        cr_expect_lt(gz_len, sizeof(page) / 10, "a repetitive page compresses: %zu bytes", gz_len);
        cr_expect(gz_len > 10 && (unsigned char) gz[0] == 0x1f && (unsigned char) gz[1] == 0x8b, "a gzip header");
        cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
        z.next_in = (Bytef *) gz;
        z.avail_in = (uInt) gz_len;
        z.next_out = (Bytef *) back;
        z.avail_out = (uInt) back_len;
        cr_expect_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
        cr_expect_eq(z.total_out, sizeof(page));
        cr_expect_eq(memcmp(back, page, sizeof(page)), 0);
        inflateEnd(&z);
        free(gz);
}

Test(web_site, cached_pages_carry_their_gzip)
{
        struct web_site *site;
        struct web_response r;

        make_state();
        site = site_in(store_dir, NULL, NULL);
        cr_assert_eq(web_site_get(site, "/api/v1/status", &r), 0);
        cr_expect_eq(r.status, 200u);
        cr_assert_gt(r.length, WEB_GZIP_MIN_SIZE);
        cr_assert_not_null(r.gzip, "a long document has its gzip");
        cr_expect_lt(r.gzip_length, r.length);
        web_response_clear(&r);
        cr_assert_eq(web_site_get(site, "/static/style.css", &r), 0);
        cr_expect_null(r.gzip, "static files go as they are");
        web_response_clear(&r);
        web_site_free(site);
}
