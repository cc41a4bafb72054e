/* mida-sim webhook receiver: storage, planned failures and Slack limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_harness.h"

static struct simproc sim;

static long post(const char *path, const char *body, struct http_result *r)
{
        const char *headers[] = { "webhook-id: msg_1", "X-Custom: yes", NULL };
        http(&sim, "POST", path, headers, body, 0, r);
        return r->status;
}

static void expect_post(const char *path, const char *body, long want, const char *want_body)
{
        struct http_result r;
        post(path, body, &r);
        CHECK(r.status == want && (!want_body || (r.body && !strcmp(r.body, want_body))),
              "POST %s -> %ld '%s', want %ld '%s'", path, r.status, r.body ? r.body : "", want,
              want_body ? want_body : "");
        http_free(&r);
}

static void test_storage(void)
{
        expect_post("/hooks/ops", "{\"event\": \"alert\"}", 200, "ok");
        expect_post("/hooks/other", "{\"n\": 2}", 200, "ok");
        long status;
        struct json_object *o = http_json(&sim, "GET", "/__hooks?name=ops", NULL, NULL, &status);
        struct json_object *list = jget(o, "deliveries");
        CHECK(status == 200 && json_object_array_length(list) == 1, "one delivery to ops");
        struct json_object *d = json_object_array_get_idx(list, 0);
        CHECK(!strcmp(jstr(d, "body"), "{\"event\": \"alert\"}"), "body stored");
        CHECK(!strcmp(jstr(jget(d, "headers"), "webhook-id"), "msg_1") &&
              !strcmp(jstr(jget(d, "headers"), "x-custom"), "yes"), "headers stored (lower-case names)");
        CHECK(jint(d, "status") == 200 && strlen(jstr(d, "received_at")) == 24, "status and time stored");
        json_object_put(o);
        o = http_json(&sim, "GET", "/__hooks", NULL, NULL, &status);
        CHECK(json_object_array_length(jget(o, "deliveries")) == 2, "all deliveries without ?name");
        json_object_put(o);
}

static void test_failures(void)
{
        long status;
        json_object_put(http_json(&sim, "POST", "/__hooks/fail", NULL,
                                  "{\"name\": \"ops\", \"count\": 2, \"status\": 429, \"retry_after\": 9}", &status));
        CHECK(status == 200, "failure planned");
        for (int i = 0; i < 3; i++) {
                struct http_result r;
                post("/hooks/ops", "{}", &r);
                CHECK(r.status == (i < 2 ? 429 : 200), "delivery %d -> %ld", i, r.status);
                CHECK(i == 2 || !strcmp(r.retry_after, "9"), "Retry-After 9 ('%s')", r.retry_after);
                http_free(&r);
        }
        json_object_put(http_json(&sim, "POST", "/__hooks/fail", NULL, "{\"name\": \"gone\", \"status\": 410}", NULL));
        expect_post("/hooks/gone", "{}", 410, NULL);
        expect_post("/hooks/gone", "{}", 200, NULL);
        expect_post("/hooks/ops", "{}", 200, NULL);
        json_object_put(http_json(&sim, "DELETE", "/__hooks", NULL, NULL, NULL));
        struct json_object *o = http_json(&sim, "GET", "/__hooks", NULL, NULL, &status);
        CHECK(json_object_array_length(jget(o, "deliveries")) == 0, "DELETE /__hooks forgets deliveries");
        json_object_put(o);
}

/* {"blocks": [n blocks of `type` whose text has `len` characters]} */
static char *blocks(int n, const char *type, size_t len)
{
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        char *text = malloc(len + 1);
        memset(text, 'a', len);
        text[len] = '\0';
        for (int i = 0; i < n; i++) {
                struct json_object *b = json_object_new_object(), *t = json_object_new_object();
                json_object_object_add(t, "type", json_object_new_string(!strcmp(type, "header") ? "plain_text" : "mrkdwn"));
                json_object_object_add(t, "text", json_object_new_string(text));
                json_object_object_add(b, "type", json_object_new_string(type));
                json_object_object_add(b, "text", t);
                json_object_array_add(list, b);
        }
        json_object_object_add(o, "blocks", list);
        char *s = strdup(json_object_to_json_string(o));
        json_object_put(o);
        free(text);
        return s;
}

static void expect_slack(const char *path, char *body, long want, const char *want_body)
{
        expect_post(path, body, want, want_body);
        free(body);
}

static void test_slack_limits(void)
{
        const char *p = "/hooks/slack/growth";
        expect_post(p, "{\"text\": \"hello\"}", 200, "ok");
        expect_post(p, "{\"username\": \"x\"}", 400, "no_text");
        expect_post(p, "not json", 400, "invalid_payload");
        expect_slack(p, blocks(1, "header", 150), 200, "ok");
        expect_slack(p, blocks(1, "header", 151), 400, "invalid_blocks");
        expect_slack(p, blocks(1, "section", 3000), 200, "ok");
        expect_slack(p, blocks(1, "section", 3001), 400, "invalid_blocks");
        expect_slack(p, blocks(50, "section", 10), 200, "ok");
        expect_slack(p, blocks(51, "section", 10), 400, "invalid_blocks");
        expect_post(p, "{\"text\": \"x\", \"blocks\": [{\"type\": \"section\"}]}", 400, "invalid_blocks");
        /* multi-byte characters count once */
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        struct json_object *b = json_object_new_object(), *t = json_object_new_object();
        char text[150 * 3 + 1] = "";
        for (int i = 0; i < 150; i++)
                strcat(text, "\xc3\xa9");
        json_object_object_add(t, "type", json_object_new_string("plain_text"));
        json_object_object_add(t, "text", json_object_new_string(text));
        json_object_object_add(b, "type", json_object_new_string("header"));
        json_object_object_add(b, "text", t);
        json_object_array_add(list, b);
        json_object_object_add(o, "blocks", list);
        expect_post(p, json_object_to_json_string(o), 200, "ok");
        json_object_put(o);
        /* the demo scenario declares the hook "slack" as a Slack hook */
        expect_slack("/hooks/slack", blocks(1, "header", 151), 400, "invalid_blocks");
        expect_slack("/hooks/generic", blocks(1, "header", 151), 200, "ok");
        long status;
        o = http_json(&sim, "GET", "/__hooks?name=growth", NULL, NULL, &status);
        struct json_object *d = json_object_array_get_idx(jget(o, "deliveries"), 1);
        CHECK(json_object_get_boolean(jget(d, "slack")) && jint(d, "status") == 400, "rejected deliveries are stored too");
        json_object_put(o);
}

int main(void)
{
        const char *args[] = { "--scenario", src_path("sim/scenarios/demo"), "--speed", "0", NULL };
        sim_start(&sim, args);
        test_storage();
        test_failures();
        test_slack_limits();
        sim_stop(&sim);
        return check_done();
}
