/* mida-sim API contract: every documented endpoint, field, status code and
 * auth style, checked over HTTP against tests/data/sim/api.conf. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_harness.h"

#define AUTH "x-api-key: secret-key"
#define BASE "/v2/project/proj"

static struct simproc sim;

static double rounded_percent(double x)
{
        return round(x * 100.0) / 100.0;
}

static void check_variant(struct json_object *v, size_t i, double control_rate)
{
        char id[24];
        snprintf(id, sizeof(id), "%zu", i);
        CHECK(!strcmp(jstr(v, "variant_id"), id), "variant_id \"%s\" at %zu", jstr(v, "variant_id"), i);
        CHECK(jis(v, "name", json_type_string), "name is a string");
        CHECK(jis(v, "visitors", json_type_int) && jis(v, "conversions", json_type_int), "integer counts");
        CHECK(jis(v, "is_control", json_type_boolean) && json_object_get_boolean(jget(v, "is_control")) == (i == 0),
              "is_control only on variant 0");
        double visitors = (double)jint(v, "visitors"), conversions = (double)jint(v, "conversions");
        double rate = json_object_get_double(jget(v, "conversion_rate"));
        CHECK(conversions <= visitors, "conversions <= visitors");
        CHECK(fabs(rate - (visitors ? rounded_percent(100 * conversions / visitors) : 0)) < 1e-9,
              "conversion_rate %.4f is the rounded percentage", rate);
        bool has_improvement = jget(v, "improvement") != NULL;
        CHECK(has_improvement == (i > 0 && control_rate > 0), "improvement presence at %zu", i);
        if (has_improvement) {
                double exact = 100.0 * (100 * conversions / visitors / control_rate - 1.0);
                double got = json_object_get_double(jget(v, "improvement"));
                CHECK(fabs(got - rounded_percent(exact)) < 0.011, "improvement %.2f vs %.4f", got, exact);
        }
}

static void check_result_shape(struct json_object *o, long id, const char *label, int code)
{
        CHECK(json_object_get_boolean(jget(o, "success")), "success true");
        CHECK(jint(o, "test_id") == id && jis(o, "test_id", json_type_int), "test_id %ld", id);
        CHECK(jis(o, "test_name", json_type_string), "test_name");
        CHECK(!strcmp(jstr(o, "status"), label), "status \"%s\" want \"%s\"", jstr(o, "status"), label);
        CHECK(jint(o, "status_code") == code, "status_code %d", code);
        CHECK(strlen(jstr(o, "start_date")) == 24 && jstr(o, "start_date")[23] == 'Z', "ISO start_date");
        CHECK(jis(o, "end_date", json_type_null) || jis(o, "end_date", json_type_string), "end_date");
        CHECK(jis(o, "days_running", json_type_int) && jint(o, "days_running") >= 0, "days_running");
        CHECK(jis(o, "primary_goal", json_type_object) || jis(o, "primary_goal", json_type_null), "primary_goal");
        struct json_object *vs = jget(o, "variants");
        CHECK(json_object_is_type(vs, json_type_array) && json_object_array_length(vs) >= 2, "variants");
        int64_t visitors = 0, conversions = 0;
        struct json_object *control = json_object_array_get_idx(vs, 0);
        double control_rate = jint(control, "visitors")
                ? 100.0 * (double)jint(control, "conversions") / (double)jint(control, "visitors") : 0;
        for (size_t i = 0; vs && i < json_object_array_length(vs); i++) {
                struct json_object *v = json_object_array_get_idx(vs, i);
                check_variant(v, i, control_rate);
                visitors += jint(v, "visitors");
                conversions += jint(v, "conversions");
        }
        CHECK(jint(o, "total_visitors") == visitors, "total_visitors is the sum");
        CHECK(jint(o, "total_conversions") == conversions, "total_conversions is the sum");
}

static struct json_object *result(long id, const char *query, long *status)
{
        char path[256];
        snprintf(path, sizeof(path), BASE "/experiment/%ld/result%s", id, query ? query : "");
        return api_get(&sim, AUTH, path, status);
}

static void test_result_shapes(void)
{
        long status;
        struct json_object *o = result(11, NULL, &status);
        CHECK(status == 200, "result 200, got %ld", status);
        check_result_shape(o, 11, "live", 1);
        CHECK(!strcmp(jstr(o, "start_date"), "2024-02-20T09:00:00.000Z"), "start_date %s", jstr(o, "start_date"));
        CHECK(jint(o, "days_running") == 10, "days_running %lld", (long long)jint(o, "days_running"));
        CHECK(!strcmp(jstr(jget(o, "primary_goal"), "goal_name"), "CTA Button Click"), "goal_name");
        CHECK(!strcmp(jstr(jget(o, "primary_goal"), "goal_type"), "clickOnElement"), "goal_type");
        CHECK(!strcmp(jstr(jget(o, "primary_goal"), "goal_value"), ".cta-button"), "goal_value");
        CHECK(jint(o, "total_visitors") > 50000, "9.125 days at 300/h: %lld", (long long)jint(o, "total_visitors"));
        json_object_put(o);

        o = result(13, NULL, &status);
        check_result_shape(o, 13, "draft", 9);
        CHECK(jint(o, "total_visitors") == 0, "a draft has no traffic");
        CHECK(jis(o, "primary_goal", json_type_null), "no goal -> null");
        json_object_put(o);

        o = result(14, NULL, &status);
        check_result_shape(o, 14, "inactive", 0);
        CHECK(jis(o, "end_date", json_type_null), "paused via API: end_date null");
        json_object_put(o);

        o = result(15, NULL, &status);
        check_result_shape(o, 15, "inactive", 0);
        CHECK(!strcmp(jstr(o, "end_date"), "2024-02-11T06:00:00.000Z"), "end_date %s", jstr(o, "end_date"));
        CHECK(jint(o, "days_running") == 10, "days_running to end_date");
        struct json_object *v1 = json_object_array_get_idx(jget(o, "variants"), 1);
        CHECK(jint(o, "total_visitors") > 0 && jget(v1, "improvement") == NULL,
              "no improvement when the control has no conversions");
        json_object_put(o);

        o = result(12, NULL, &status);
        check_result_shape(o, 12, "live", 1);
        CHECK(json_object_array_length(jget(o, "variants")) == 3, "three variants");
        json_object_put(o);
}

static void test_date_filters(void)
{
        long status;
        struct json_object *all = result(11, NULL, &status);
        struct json_object *o = result(11, "?start_date=2024-02-25&end_date=2024-02-26", &status);
        CHECK(status == 200, "date window 200");
        int64_t window = jint(o, "total_visitors");
        CHECK(window > 2 * 24 * 300 * 0.9 && window < 2 * 24 * 300 * 1.1, "two days at 300/h: %lld", (long long)window);
        CHECK(window < jint(all, "total_visitors"), "window < all");
        json_object_put(o);
        o = result(11, "?start_date=2024-02-28", &status);
        CHECK(status == 200 && jint(o, "total_visitors") < jint(all, "total_visitors"), "open-ended window");
        json_object_put(o);
        json_object_put(all);
        const char *bad[] = { "?start_date=2024-13-01", "?end_date=yesterday", "?start_date=2024-02-30",
                              "?start_date=2024-02-26&end_date=2024-02-25", "?start_date=2024-2-1" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                o = result(11, bad[i], &status);
                CHECK(status == 400 && jis(o, "error", json_type_string), "%s -> 400, got %ld", bad[i], status);
                json_object_put(o);
        }
}

static void expect_error(const char *auth, const char *method, const char *path, const char *body, long want)
{
        const char *headers[] = { auth, NULL };
        long status;
        struct json_object *o = http_json(&sim, method, path, auth ? headers : NULL, body, &status);
        CHECK(status == want, "%s %s -> %ld, want %ld", method, path, status, want);
        CHECK(jis(o, "error", json_type_string) && jget(o, "success") == NULL, "{\"error\": ...} body for %s", path);
        json_object_put(o);
}

static void test_auth_and_errors(void)
{
        const char *styles[] = { "Authorization: Bearer secret-key", "x-api-key: secret-key", "api-key: secret-key" };
        for (size_t i = 0; i < 3; i++) {
                long status;
                struct json_object *o = api_get(&sim, styles[i], BASE "/experiments", &status);
                CHECK(status == 200 && json_object_get_boolean(jget(o, "success")), "auth style %zu", i);
                json_object_put(o);
        }
        expect_error(NULL, "GET", BASE "/experiments", NULL, 401);
        expect_error("x-api-key: wrong", "GET", BASE "/experiment/11/result", NULL, 401);
        expect_error("Authorization: Basic secret-key", "GET", BASE "/experiments", NULL, 401);
        expect_error(AUTH, "GET", "/v2/project/other/experiments", NULL, 404);
        expect_error(AUTH, "GET", BASE "/experiment/999/result", NULL, 404);
        expect_error(AUTH, "GET", BASE "/experiment/abc/result", NULL, 400);
        expect_error(AUTH, "GET", BASE "/experiment/999", NULL, 404);
        expect_error(AUTH, "GET", BASE "/experiment/11/nothing", NULL, 404);
        expect_error(AUTH, "DELETE", BASE "/experiment/11/result", NULL, 405);
        expect_error(AUTH, "GET", "/v1/elsewhere", NULL, 404);
}

static void test_details(void)
{
        long status;
        struct json_object *o = api_get(&sim, AUTH, BASE "/experiment/11", &status);
        struct json_object *e = jget(o, "experiment");
        CHECK(status == 200 && jint(e, "test_id") == 11 && !strcmp(jstr(e, "url"), "https://example.com/one"),
              "details of 11");
        json_object_put(o);
}

static struct json_object *change(const char *method, long id, const char *what, const char *body, long *status)
{
        char path[256];
        const char *headers[] = { "Authorization: Bearer secret-key", NULL };
        snprintf(path, sizeof(path), BASE "/experiment/%ld/%s", id, what);
        return http_json(&sim, method, path, headers, body, status);
}

static void expect_status_change(long id, const char *body, long want)
{
        long status;
        struct json_object *o = change("PATCH", id, "status", body, &status);
        CHECK(status == want, "PATCH %ld status %s -> %ld, want %ld", id, body, status, want);
        if (want == 200) {
                int to = -1;
                sscanf(body, "{\"status\": %d}", &to);
                CHECK(json_object_get_boolean(jget(o, "success")) && jint(o, "test_id") == id && jint(o, "status") == to,
                      "status success body");
        } else {
                CHECK(jis(o, "error", json_type_string), "error body");
        }
        json_object_put(o);
}

static void test_status_changes(void)
{
        expect_status_change(11, "{\"status\": 5}", 400);
        expect_status_change(11, "{\"status\": \"1\"}", 400);
        expect_status_change(11, "{}", 400);
        expect_status_change(11, "not json", 400);
        expect_status_change(11, "{\"status\": 9}", 400);    /* live -> draft */
        expect_status_change(13, "{\"status\": 9}", 400);    /* draft -> draft */
        expect_status_change(11, "{\"status\": 1}", 200);    /* already live: no cap check */
        expect_status_change(13, "{\"status\": 1}", 403);    /* 2 live, cap 2 */
        expect_status_change(14, "{\"status\": 1}", 403);
        expect_status_change(12, "{\"status\": 0}", 200);
        expect_status_change(13, "{\"status\": 1}", 200);    /* room again */
        expect_status_change(12, "{\"status\": 9}", 200);    /* inactive -> draft */
        expect_status_change(999, "{\"status\": 0}", 404);
        long status;
        struct json_object *o = result(13, NULL, &status);
        CHECK(!strcmp(jstr(o, "status"), "live") && jint(o, "status_code") == 1, "13 is live now");
        json_object_put(o);
        o = result(12, NULL, &status);
        CHECK(!strcmp(jstr(o, "status"), "draft"), "12 is a draft now");
        json_object_put(o);
        expect_error(NULL, "PATCH", BASE "/experiment/11/status", "{\"status\": 0}", 401);
}

static void test_pause_freezes_counts(void)
{
        long status;
        expect_status_change(11, "{\"status\": 0}", 200);
        struct json_object *before = result(11, NULL, &status);
        json_object_put(http_json(&sim, "POST", "/__clock", NULL, "{\"advance\": 36000}", NULL));
        struct json_object *after = result(11, NULL, &status);
        CHECK(jint(before, "total_visitors") == jint(after, "total_visitors"), "paused: no new visitors");
        json_object_put(after);
        expect_status_change(14, "{\"status\": 1}", 200);   /* 13 and 14 live: cap reached */
        expect_status_change(11, "{\"status\": 1}", 403);
        expect_status_change(13, "{\"status\": 0}", 200);
        expect_status_change(11, "{\"status\": 1}", 200);
        json_object_put(http_json(&sim, "POST", "/__clock", NULL, "{\"advance\": 7200}", NULL));
        after = result(11, NULL, &status);
        CHECK(jint(after, "total_visitors") > jint(before, "total_visitors") + 300,
              "resumed: traffic again (%lld -> %lld)", (long long)jint(before, "total_visitors"),
              (long long)jint(after, "total_visitors"));
        json_object_put(before);
        json_object_put(after);
}

static void expect_serve(long id, const char *body, long want)
{
        long status;
        struct json_object *o = change("POST", id, "serve-winner", body, &status);
        CHECK(status == want, "serve-winner %ld %s -> %ld, want %ld", id, body, status, want);
        CHECK(want == 200 ? json_object_get_boolean(jget(o, "success")) : jis(o, "error", json_type_string),
              "serve-winner body");
        json_object_put(o);
}

static void test_serve_winner(void)
{
        long status;
        expect_serve(11, "{}", 400);
        expect_serve(11, "{\"traffic_allocation\": 25}", 400);
        expect_serve(11, "{\"variant_id\": \"7\"}", 400);
        expect_serve(11, "{\"variant_id\": \"1\", \"traffic_allocation\": 101}", 400);
        expect_serve(12, "{\"variant_id\": \"1\"}", 409);     /* a draft now */
        struct json_object *o = change("POST", 11, "serve-winner", "{\"variant_id\": \"1\", \"traffic_allocation\": 25}", &status);
        CHECK(status == 200, "serve 200");
        CHECK(jint(o, "test_id") == 11 && !strcmp(jstr(o, "serving_variant_id"), "1"), "serving_variant_id");
        CHECK(jint(o, "traffic_allocation") == 25 && json_object_get_boolean(jget(o, "is_serving")), "allocation");
        CHECK(jis(o, "message", json_type_string), "message");
        json_object_put(o);
        expect_serve(11, "{\"variant_id\": \"1\"}", 409);     /* already serving */
        expect_serve(14, "{\"serving_variant_id\": \"0\"}", 200);   /* the alias */
        o = http_json(&sim, "GET", "/__state", NULL, NULL, &status);
        struct json_object *list = jget(o, "experiments");
        bool seen = false;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                struct json_object *e = json_object_array_get_idx(list, i);
                if (jint(e, "test_id") != 11)
                        continue;
                seen = json_object_get_boolean(jget(e, "is_serving")) &&
                       !strcmp(jstr(e, "serving_variant_id"), "1") &&
                       json_object_get_double(jget(e, "traffic_allocation")) == 25.0;
        }
        CHECK(seen, "serve-winner recorded variant and allocation");
        json_object_put(o);
}

static void test_request_log(void)
{
        long status;
        json_object_put(http_json(&sim, "DELETE", "/__requests", NULL, NULL, NULL));
        const char *styles[] = { "Authorization: Bearer secret-key", "x-api-key: secret-key", "api-key: secret-key", NULL };
        const char *names[] = { "bearer", "x-api-key", "api-key", "none" };
        for (size_t i = 0; i < 4; i++)
                json_object_put(api_get(&sim, styles[i], BASE "/experiments?limit=3", &status));
        json_object_put(change("PATCH", 11, "status", "{\"status\": 0}", &status));
        struct json_object *o = http_json(&sim, "GET", "/__requests", NULL, NULL, &status);
        struct json_object *list = jget(o, "requests");
        CHECK(json_object_array_length(list) == 5, "5 requests logged, got %zu", json_object_array_length(list));
        for (size_t i = 0; i < 4 && i < json_object_array_length(list); i++) {
                struct json_object *e = json_object_array_get_idx(list, i);
                CHECK(!strcmp(jstr(e, "auth"), names[i]), "auth style %s, want %s", jstr(e, "auth"), names[i]);
                CHECK(!strcmp(jstr(e, "method"), "GET") && !strcmp(jstr(e, "path"), BASE "/experiments"), "method/path");
                CHECK(!strcmp(jstr(jget(e, "query"), "limit"), "3"), "query logged");
        }
        struct json_object *last = json_object_array_get_idx(list, 4);
        CHECK(!strcmp(jstr(last, "body"), "{\"status\": 0}") && jint(last, "status") == 200, "body and status logged");
        CHECK(!strstr(json_object_to_json_string(o), "secret-key"), "the key is never logged");
        json_object_put(o);
}

/* POST /__experiment: a change made in the Mida dashboard. */
static struct json_object *dashboard(const char *body, long *status)
{
        return http_json(&sim, "POST", "/__experiment", NULL, body, status);
}

static void expect_dashboard_error(const char *body, long want)
{
        long status;
        struct json_object *o = dashboard(body, &status);
        CHECK(status == want, "/__experiment %s -> %ld, want %ld", body, status, want);
        CHECK(jis(o, "error", json_type_string) && jget(o, "success") == NULL, "{\"error\": ...} for %s", body);
        json_object_put(o);
}

/* The List Experiments row of id (in the list reply `o`), or NULL. */
static struct json_object *list_row(struct json_object *o, long id)
{
        struct json_object *list = jget(o, "experiments");
        for (size_t i = 0; list && i < json_object_array_length(list); i++)
                if (jint(json_object_array_get_idx(list, i), "test_id") == id)
                        return json_object_array_get_idx(list, i);
        return NULL;
}

static struct json_object *listing(void)
{
        long status;
        struct json_object *o = api_get(&sim, AUTH, BASE "/experiments", &status);
        CHECK(status == 200, "list 200, got %ld", status);
        return o;
}

/* The simulated time now, as the sim writes times. */
static void sim_time_now(char *buf, size_t len)
{
        struct json_object *o = http_json(&sim, "GET", "/__clock", NULL, NULL, NULL);
        snprintf(buf, len, "%s", jstr(o, "now") ? jstr(o, "now") : "?");
        json_object_put(o);
}

static void test_dashboard_status(void)
{
        long status;
        struct json_object *o = dashboard("{\"test_id\": 11, \"status\": 0}", &status);
        CHECK(status == 200 && json_object_get_boolean(jget(o, "success")), "dashboard pause 200, got %ld", status);
        CHECK(jint(o, "test_id") == 11 && jint(o, "status") == 0 && jint(o, "is_completed") == 0 &&
              jis(o, "end_date", json_type_null) && !json_object_get_boolean(jget(o, "deleted")), "pause reply");
        json_object_put(o);
        o = listing();
        CHECK(jint(list_row(o, 11), "status") == 0 && jint(list_row(o, 11), "is_completed") == 0,
              "the list shows 11 inactive, not completed");
        json_object_put(o);
        struct json_object *before = result(11, NULL, &status);
        CHECK(!strcmp(jstr(before, "status"), "inactive") && jis(before, "end_date", json_type_null),
              "paused from the dashboard: inactive, end_date null");
        json_object_put(http_json(&sim, "POST", "/__clock", NULL, "{\"advance\": 36000}", NULL));
        struct json_object *after = result(11, NULL, &status);
        CHECK(jint(after, "total_visitors") == jint(before, "total_visitors"), "paused: no new visitors");
        json_object_put(after);
        o = dashboard("{\"test_id\": 11, \"status\": 1}", &status);
        CHECK(status == 200 && jint(o, "status") == 1, "dashboard resume 200, got %ld", status);
        json_object_put(o);
        json_object_put(http_json(&sim, "POST", "/__clock", NULL, "{\"advance\": 7200}", NULL));
        after = result(11, NULL, &status);
        CHECK(jint(after, "status_code") == 1 && jint(after, "total_visitors") > jint(before, "total_visitors") + 300,
              "resumed: traffic again (%lld -> %lld)", (long long)jint(before, "total_visitors"),
              (long long)jint(after, "total_visitors"));
        json_object_put(before);
        json_object_put(after);
        /* the PATCH rules: the plan cap (11 and 12 live) and draft only from inactive */
        expect_dashboard_error("{\"test_id\": 14, \"status\": 1}", 403);
        expect_dashboard_error("{\"test_id\": 11, \"status\": 9}", 400);
        o = dashboard("{\"test_id\": 14, \"status\": 9}", &status);
        CHECK(status == 200 && jint(o, "status") == 9, "inactive -> draft 200, got %ld", status);
        json_object_put(o);
}

static void test_dashboard_completed(void)
{
        long status;
        char now[64];
        sim_time_now(now, sizeof(now));
        struct json_object *o = dashboard("{\"test_id\": 12, \"is_completed\": 1}", &status);
        CHECK(status == 200 && jint(o, "is_completed") == 1 && jint(o, "status") == 1, "conclude 12: 200, got %ld", status);
        CHECK(jis(o, "end_date", json_type_string) && !strcmp(jstr(o, "end_date"), now),
              "end_date %s is now %s", jstr(o, "end_date"), now);
        json_object_put(o);
        o = listing();
        struct json_object *row = list_row(o, 12);
        CHECK(jis(row, "is_completed", json_type_int) && jint(row, "is_completed") == 1, "the list shows is_completed 1");
        CHECK(jint(row, "status") == 1, "concluding alone leaves the status");
        CHECK(!strcmp(jstr(row, "updated_at"), now), "updated_at %s", jstr(row, "updated_at"));
        json_object_put(o);
        o = result(12, NULL, &status);
        check_result_shape(o, 12, "live", 1);
        /* 2024-03-01T12:00 + 10 h + 2 h of the status test */
        CHECK(!strcmp(jstr(o, "end_date"), now) && !strncmp(jstr(o, "end_date"), "2024-03-02", 10),
              "result end_date %s: the simulated date", jstr(o, "end_date"));
        int64_t days = jint(o, "days_running");
        json_object_put(o);
        json_object_put(http_json(&sim, "POST", "/__clock", NULL, "{\"advance\": 259200}", NULL));
        o = result(12, NULL, &status);
        CHECK(jint(o, "days_running") == days && !strcmp(jstr(o, "end_date"), now),
              "days_running counts to end_date (%lld, was %lld)", (long long)jint(o, "days_running"), (long long)days);
        json_object_put(o);
        /* combined with a status change, in one request */
        o = dashboard("{\"test_id\": 11, \"status\": 0, \"is_completed\": true}", &status);
        CHECK(status == 200 && jint(o, "status") == 0 && jint(o, "is_completed") == 1, "pause + conclude 11");
        json_object_put(o);
        o = listing();
        CHECK(jint(list_row(o, 11), "status") == 0 && jint(list_row(o, 11), "is_completed") == 1, "the list shows both");
        json_object_put(o);
        /* un-concluding clears end_date, also a scenario's */
        o = dashboard("{\"test_id\": 15, \"is_completed\": 0}", &status);
        CHECK(status == 200 && jint(o, "is_completed") == 0 && jis(o, "end_date", json_type_null), "reopen 15");
        json_object_put(o);
        o = result(15, NULL, &status);
        CHECK(jis(o, "end_date", json_type_null), "15: end_date null again");
        json_object_put(o);
}

static void test_dashboard_deleted(void)
{
        long status;
        struct json_object *o = dashboard("{\"test_id\": 13, \"deleted\": true}", &status);
        CHECK(status == 200 && jint(o, "test_id") == 13 && json_object_get_boolean(jget(o, "deleted")),
              "delete 13: 200, got %ld", status);
        json_object_put(o);
        o = listing();
        CHECK(list_row(o, 13) == NULL && jint(o, "count") == 4, "13 gone from the list (count %lld)",
              (long long)jint(o, "count"));
        CHECK(list_row(o, 12) && list_row(o, 14), "its neighbours stay");
        json_object_put(o);
        expect_error(AUTH, "GET", BASE "/experiment/13/result", NULL, 404);
        expect_error(AUTH, "GET", BASE "/experiment/13", NULL, 404);
        expect_error(AUTH, "PATCH", BASE "/experiment/13/status", "{\"status\": 0}", 404);
        expect_error(AUTH, "POST", BASE "/experiment/13/serve-winner", "{\"variant_id\": \"1\"}", 404);
        expect_dashboard_error("{\"test_id\": 13, \"deleted\": true}", 400);
        o = http_json(&sim, "GET", "/__state", NULL, NULL, &status);
        CHECK(strstr(json_object_to_json_string(o), "\"test_id\":13") == NULL, "13 gone from /__state");
        json_object_put(o);
        o = result(14, NULL, &status);
        CHECK(status == 200 && jint(o, "test_id") == 14, "the others still answer");
        json_object_put(o);
}

static void test_dashboard_bad_requests(void)
{
        const char *bad[] = {
                "{}", "not json", "[11]", "{\"status\": 0}", "{\"test_id\": 999, \"status\": 0}",
                "{\"test_id\": \"11\", \"status\": 0}", "{\"test_id\": 11}", "{\"test_id\": 11, \"status\": 5}",
                "{\"test_id\": 11, \"status\": \"0\"}", "{\"test_id\": 11, \"status\": null}",
                "{\"test_id\": 11, \"is_completed\": 2}", "{\"test_id\": 11, \"is_completed\": \"yes\"}",
                "{\"test_id\": 11, \"deleted\": false}", "{\"test_id\": 11, \"deleted\": 0}",
                "{\"test_id\": 11, \"stauts\": 0}",
                "{\"test_id\": 12, \"is_completed\": 0, \"status\": 5}",   /* nothing applied */
                "{\"test_id\": 12, \"deleted\": true, \"is_completed\": 3}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
                expect_dashboard_error(bad[i], 400);
        expect_error(NULL, "GET", "/__experiment", NULL, 404);
        struct json_object *o = listing();
        CHECK(list_row(o, 12) && jint(list_row(o, 12), "is_completed") == 1, "a rejected request changes nothing");
        json_object_put(o);
}

static void test_dashboard_changes(void)
{
        long status;
        json_object_put(http_json(&sim, "POST", "/__reset", NULL, NULL, &status));
        CHECK(status == 200, "reset 200");
        test_dashboard_status();
        test_dashboard_completed();
        test_dashboard_deleted();
        test_dashboard_bad_requests();
        /* the daemon's requests only: no control request in the log */
        struct json_object *o = http_json(&sim, "GET", "/__requests", NULL, NULL, &status);
        struct json_object *list = jget(o, "requests");
        bool control = false;
        for (size_t i = 0; i < json_object_array_length(list); i++)
                control = control || !strncmp(jstr(json_object_array_get_idx(list, i), "path"), "/__", 3);
        CHECK(json_object_array_length(list) > 10 && !control, "no /__ request in /__requests (%zu logged)",
              json_object_array_length(list));
        json_object_put(o);
        json_object_put(http_json(&sim, "POST", "/__reset", NULL, NULL, &status));
        o = listing();
        CHECK(list_row(o, 13) && jint(list_row(o, 15), "is_completed") == 1, "reset brings 13 back, 15 concluded");
        json_object_put(o);
}

static void test_pagination(void)
{
        const char *args[] = { "--scenario", "many", "--experiments", "1234", "--speed", "0", NULL };
        struct simproc many;
        struct simproc saved = sim;
        sim_start(&many, args);
        sim = many;
        long status, seen = 0, last_id = 0;
        struct json_object *o = api_get(&sim, "x-api-key: many-key", "/v2/project/many/experiments", &status);
        CHECK(status == 200 && jint(o, "count") == 50 && json_object_array_length(jget(o, "experiments")) == 50,
              "default limit 50");
        json_object_put(o);
        o = api_get(&sim, "x-api-key: many-key", "/v2/project/many/experiments?limit=1000", &status);
        CHECK(jint(o, "count") == 500, "limit capped at 500, count %lld", (long long)jint(o, "count"));
        json_object_put(o);
        bool ordered = true;
        for (long offset = 0; offset < 1400; offset += 200) {
                char path[128];
                snprintf(path, sizeof(path), "/v2/project/many/experiments?limit=200&offset=%ld", offset);
                o = api_get(&sim, "api-key: many-key", path, &status);
                struct json_object *list = jget(o, "experiments");
                long want = offset >= 1234 ? 0 : 1234 - offset < 200 ? 1234 - offset : 200;
                CHECK(jint(o, "count") == want && (long)json_object_array_length(list) == want,
                      "offset %ld: count %lld want %ld", offset, (long long)jint(o, "count"), want);
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        long id = (long)jint(json_object_array_get_idx(list, i), "test_id");
                        ordered = ordered && id > last_id;
                        last_id = id;
                        seen++;
                }
                json_object_put(o);
        }
        CHECK(seen == 1234 && ordered, "all 1234 experiments once, in order (%ld)", seen);
        const char *bad[] = { "?limit=abc", "?limit=-1", "?offset=-5", "?limit=0" };
        for (size_t i = 0; i < 4; i++) {
                char path[128];
                snprintf(path, sizeof(path), "/v2/project/many/experiments%s", bad[i]);
                json_object_put(api_get(&sim, "api-key: many-key", path, &status));
                CHECK(status == 400, "%s -> 400, got %ld", bad[i], status);
        }
        sim_stop(&many);
        sim = saved;
}

int main(void)
{
        const char *args[] = { "--scenario", src_path("tests/data/sim/api.conf"), "--speed", "0", NULL };
        sim_start(&sim, args);
        test_result_shapes();
        test_date_filters();
        test_auth_and_errors();
        test_details();
        test_status_changes();
        test_pause_freezes_counts();
        test_serve_winner();
        test_request_log();
        test_dashboard_changes();
        test_pagination();
        sim_stop(&sim);
        return check_done();
}
