/* mida-sim fault injection: every fault kind, its targeting (endpoint,
 * experiment, count, fraction) and faults declared in a scenario file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_harness.h"

#define AUTH "x-api-key: demo-key"
#define RESULT "/v2/project/demo/experiment/1001/result"

static struct simproc sim;
static const char *const auth[] = { AUTH, NULL };

static void inject(const char *spec)
{
        long status;
        struct json_object *o = http_json(&sim, "POST", "/__faults", NULL, spec, &status);
        CHECK(status == 200 && jint(o, "id") > 0, "fault accepted: %s", spec);
        json_object_put(o);
}

static void clear_faults(void)
{
        json_object_put(http_json(&sim, "DELETE", "/__faults", NULL, NULL, NULL));
}

static void get_result(const char *path, long max_bytes, struct http_result *r)
{
        http(&sim, "GET", path, auth, NULL, max_bytes, r);
}

static bool is_json(const struct http_result *r)
{
        struct json_object *o = r->body ? json_tokener_parse(r->body) : NULL;
        json_object_put(o);
        return o != NULL;
}

static void test_statuses(void)
{
        const unsigned codes[] = { 500, 502, 503, 429, 401 };
        for (size_t i = 0; i < 5; i++) {
                char spec[128];
                snprintf(spec, sizeof(spec), "{\"kind\": \"status\", \"status\": %u, \"count\": 2}", codes[i]);
                inject(spec);
                for (int k = 0; k < 2; k++) {
                        struct http_result r;
                        get_result(RESULT, 0, &r);
                        struct json_object *o = json_tokener_parse(r.body ? r.body : "");
                        CHECK(r.status == codes[i] && jis(o, "error", json_type_string),
                              "fault %u: got %ld", codes[i], r.status);
                        bool wants_retry = codes[i] == 429 || codes[i] == 503;
                        CHECK(wants_retry == (r.retry_after[0] != '\0'), "Retry-After on %u: '%s'", codes[i], r.retry_after);
                        json_object_put(o);
                        http_free(&r);
                }
                struct http_result r;
                get_result(RESULT, 0, &r);
                CHECK(r.status == 200, "after count 2 the endpoint recovers (%ld)", r.status);
                http_free(&r);
        }
        inject("{\"kind\": \"status\", \"status\": 429, \"retry_after\": 17, \"count\": 1}");
        struct http_result r;
        get_result(RESULT, 0, &r);
        CHECK(r.status == 429 && !strcmp(r.retry_after, "17"), "Retry-After 17, got '%s'", r.retry_after);
        http_free(&r);
}

static void test_targeting(void)
{
        inject("{\"kind\": \"status\", \"status\": 500, \"endpoint\": \"result\", \"test_id\": 1002}");
        struct http_result r;
        get_result(RESULT, 0, &r);
        CHECK(r.status == 200, "other experiment unaffected (%ld)", r.status);
        http_free(&r);
        get_result("/v2/project/demo/experiments", 0, &r);
        CHECK(r.status == 200, "other endpoint unaffected (%ld)", r.status);
        http_free(&r);
        for (int i = 0; i < 3; i++) {
                get_result("/v2/project/demo/experiment/1002/result", 0, &r);
                CHECK(r.status == 500, "targeted experiment keeps failing without a count (%ld)", r.status);
                http_free(&r);
        }
        clear_faults();
        get_result("/v2/project/demo/experiment/1002/result", 0, &r);
        CHECK(r.status == 200, "DELETE /__faults clears (%ld)", r.status);
        http_free(&r);

        inject("{\"kind\": \"status\", \"status\": 503, \"endpoint\": \"experiments\", \"fraction\": 0.5}");
        int failed = 0;
        for (int i = 0; i < 100; i++) {
                get_result("/v2/project/demo/experiments", 0, &r);
                failed += r.status == 503;
                http_free(&r);
        }
        CHECK(failed > 25 && failed < 75, "fraction 0.5 hit %d of 100", failed);
        clear_faults();
}

static void test_delay(void)
{
        inject("{\"kind\": \"delay\", \"delay_ms\": 400, \"count\": 1}");
        struct http_result r;
        get_result(RESULT, 0, &r);
        CHECK(r.status == 200 && is_json(&r) && r.seconds >= 0.39, "delayed %.3fs, status %ld", r.seconds, r.status);
        http_free(&r);
}

/* A delayed answer must not hold up other connections: while a child waits
 * out a long delay, requests from here are answered first. */
static void test_delay_does_not_block(void)
{
        inject("{\"kind\": \"delay\", \"delay_ms\": 6000, \"count\": 1, \"test_id\": 1002}");
        pid_t child = fork();
        if (child == 0) {
                struct http_result r;
                get_result("/v2/project/demo/experiment/1002/result", 0, &r);
                _exit(r.status == 200 ? 0 : 1);
        }
        usleep(300000);   /* let the child's request reach the server first */
        for (int i = 0; i < 10; i++) {
                struct http_result r;
                get_result(RESULT, 0, &r);
                CHECK(r.status == 200, "answered while another request is delayed (%ld)", r.status);
                http_free(&r);
        }
        int status;
        CHECK(waitpid(child, &status, WNOHANG) == 0, "the delayed request is still waiting");
        waitpid(child, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the delayed request completes with 200");
}

static void test_broken_bodies(void)
{
        struct http_result r;
        inject("{\"kind\": \"close\", \"count\": 1}");
        get_result(RESULT, 0, &r);
        CHECK(r.curl == CURLE_GOT_NOTHING, "close: curl %d", r.curl);
        http_free(&r);

        inject("{\"kind\": \"malformed\", \"count\": 1}");
        get_result(RESULT, 0, &r);
        CHECK(r.curl == CURLE_OK && r.status == 200 && !is_json(&r), "malformed: 200 and not JSON");
        http_free(&r);

        inject("{\"kind\": \"truncated\", \"count\": 1}");
        get_result(RESULT, 0, &r);
        CHECK(r.curl == CURLE_PARTIAL_FILE && r.len > 0 && !is_json(&r), "truncated: curl %d, %zu bytes", r.curl, r.len);
        http_free(&r);

        inject("{\"kind\": \"oversized\", \"count\": 1}");
        get_result(RESULT, 1 << 20, &r);
        CHECK(r.curl == CURLE_FILESIZE_EXCEEDED, "oversized 50 MiB refused by a 1 MiB cap: curl %d", r.curl);
        http_free(&r);

        inject("{\"kind\": \"oversized\", \"bytes\": 3000000, \"count\": 1}");
        get_result(RESULT, 0, &r);
        CHECK(r.curl == CURLE_OK && r.len == 3000000 && is_json(&r), "oversized body of exactly 3000000 bytes: %zu", r.len);
        http_free(&r);

        inject("{\"kind\": \"wrong-types\", \"count\": 1}");
        get_result(RESULT, 0, &r);
        struct json_object *o = json_tokener_parse(r.body ? r.body : "");
        struct json_object *v0 = json_object_array_get_idx(jget(o, "variants"), 0);
        CHECK(jis(o, "test_id", json_type_string) && jis(v0, "visitors", json_type_string) &&
              jis(o, "success", json_type_string), "wrong-types: numbers and booleans as strings");
        json_object_put(o);
        http_free(&r);

        inject("{\"kind\": \"html\", \"count\": 1}");
        get_result(RESULT, 0, &r);
        CHECK(r.status == 502 && !strncmp(r.content_type, "text/html", 9) && r.body && strstr(r.body, "<html>"),
              "html error page: %ld %s", r.status, r.content_type);
        http_free(&r);

        get_result(RESULT, 0, &r);
        CHECK(r.status == 200 && is_json(&r), "back to normal");
        http_free(&r);
}

static void test_bad_specs(void)
{
        const char *bad[] = { "{\"kind\": \"explode\"}", "{\"kind\": \"status\", \"endpoint\": \"nowhere\"}",
                              "{\"kind\": \"status\", \"fraction\": 2}", "{\"kind\": \"status\", \"status\": 42}", "[1]" };
        for (size_t i = 0; i < 5; i++) {
                long status;
                json_object_put(http_json(&sim, "POST", "/__faults", NULL, bad[i], &status));
                CHECK(status == 400, "bad fault spec %s -> %ld", bad[i], status);
        }
}

static void test_scenario_faults(void)
{
        struct simproc f;
        const char *args[] = { "--scenario", src_path("tests/data/sim/faults.conf"), "--speed", "0", NULL };
        sim_start(&f, args);
        long status;
        for (int i = 0; i < 3; i++) {
                struct http_result r;
                const char *h[] = { "api-key: secret-key", NULL };
                http(&f, "GET", "/v2/project/proj/experiment/2/result", h, NULL, 0, &r);
                CHECK(r.status == (i < 2 ? 503 : 200), "scenario fault, request %d: %ld", i, r.status);
                CHECK(i == 2 || !strcmp(r.retry_after, "7"), "scenario retry_after");
                http_free(&r);
        }
        json_object_put(api_get(&f, "api-key: secret-key", "/v2/project/proj/experiment/1/result", &status));
        CHECK(status == 200, "scenario fault targets experiment 2 only");
        /* hooks declared in the scenario: "team" is a Slack hook, "flaky" fails once with 410 */
        const char *posts[][3] = {
                { "/hooks/team", "{\"blocks\": []}", "400" }, { "/hooks/team", "{\"text\": \"hi\"}", "200" },
                { "/hooks/flaky", "{}", "410" }, { "/hooks/flaky", "{}", "200" },
        };
        for (size_t i = 0; i < 4; i++) {
                struct http_result r;
                http(&f, "POST", posts[i][0], NULL, posts[i][1], 0, &r);
                CHECK(r.status == atol(posts[i][2]), "scenario hook %s %s -> %ld", posts[i][0], posts[i][1], r.status);
                http_free(&r);
        }
        sim_stop(&f);
}

int main(void)
{
        const char *args[] = { "--scenario", src_path("sim/scenarios/demo.conf"), "--speed", "0", "--seed", "7", NULL };
        sim_start(&sim, args);
        test_statuses();
        test_targeting();
        test_delay();
        test_delay_does_not_block();
        test_broken_bodies();
        test_bad_specs();
        sim_stop(&sim);
        test_scenario_faults();
        return check_done();
}
