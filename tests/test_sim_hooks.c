/* mida-sim webhook receiver: storage, planned failures, Slack limits and the
 * Alertmanager, PagerDuty and Teams payload shapes. */
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
        CHECK(r.status == want && (!want_body || !strcmp(r.body ? r.body : "", want_body)),
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

/* A rejection whose body mentions `why`. */
static void expect_reject(const char *path, const char *body, const char *why)
{
        struct http_result r;
        post(path, body, &r);
        CHECK(r.status == 400 && r.body && strstr(r.body, why), "POST %s %s -> %ld '%s', want 400 '...%s...'",
              path, body, r.status, r.body ? r.body : "", why);
        http_free(&r);
}

/* The kind /__hooks lists for the last delivery to `name`. */
static const char *last_kind(const char *name, char *buf, size_t size)
{
        char path[128];
        snprintf(path, sizeof(path), "/__hooks?name=%s", name);
        struct json_object *o = http_json(&sim, "GET", path, NULL, NULL, NULL);
        struct json_object *list = jget(o, "deliveries");
        size_t n = list ? json_object_array_length(list) : 0;
        const char *kind = n ? jstr(json_object_array_get_idx(list, n - 1), "kind") : NULL;
        snprintf(buf, size, "%s", kind ? kind : "");
        json_object_put(o);
        return buf;
}

#define AM "/hooks/alertmanager/am/api/v2/alerts"
#define AM_ALERT(extra) "[{\"labels\": {\"alertname\": \"MidaWinner\", \"test_id\": \"7\"}" extra "}]"

static void test_alertmanager(void)
{
        char kind[32];
        expect_post(AM, AM_ALERT(", \"annotations\": {\"summary\": \"B wins\"}, "
                                 "\"startsAt\": \"2026-12-07T20:01:02Z\", "
                                 "\"endsAt\": \"2026-12-07T21:01:02.5+01:00\", "
                                 "\"generatorURL\": \"http://mida.local/t/7\""), 200, "");
        expect_post(AM, "[]", 200, "");
        CHECK(!strcmp(last_kind("am", kind, sizeof(kind)), "alertmanager"), "kind alertmanager ('%s')", kind);
        expect_reject(AM, "[{\"labels\": {\"severity\": \"page\"}}]", "alertname");
        expect_reject(AM, "[{\"labels\": {\"alertname\": \"\"}}]", "alertname");
        expect_reject(AM, AM_ALERT(", \"generatorURL\": null"), "generatorURL");
        expect_reject(AM, AM_ALERT(", \"generatorURL\": \"ftp://x\""), "generatorURL");
        expect_reject(AM, AM_ALERT(", \"startsAt\": \"2026-12-07T20:00:00Z\", \"endsAt\": \"2026-12-07T19:59:59Z\""),
                      "endsAt is before startsAt");
        expect_reject(AM, AM_ALERT(", \"startsAt\": \"2026-12-07 20:00\""), "startsAt");
        expect_reject(AM, AM_ALERT(", \"endsAt\": \"2026-02-30T20:00:00Z\""), "endsAt");
        expect_reject(AM, AM_ALERT(", \"status\": \"firing\""), "unknown field");
        expect_reject(AM, "[{\"labels\": {\"alertname\": \"x\", \"1st\": \"y\"}}]", "label name");
        expect_reject(AM, "[{\"labels\": {\"alertname\": \"x\", \"n\": 1}}]", "not a string");
        expect_reject(AM, "{\"labels\": {\"alertname\": \"x\"}}", "array");
        expect_reject(AM, "[] trailing", "not JSON");
        /* a planned failure on the name applies before the check */
        json_object_put(http_json(&sim, "POST", "/__hooks/fail", NULL,
                                  "{\"name\": \"am\", \"count\": 1, \"status\": 503}", NULL));
        expect_post(AM, "[]", 503, "failure");
        expect_post(AM, "[]", 200, "");
        expect_post("/hooks/alertmanager/am", "[]", 404, NULL);
        expect_post("/hooks/alertmanager/am/api/v2/alerts/x", "[]", 404, NULL);
        expect_post("/hooks/alertmanager//api/v2/alerts", "[]", 404, NULL);
        expect_post("/hooks/alertmanager/am/api/v1/alerts", "[]", 404, NULL);
}

#define PD "/hooks/pagerduty/pd"
#define PD_TRIGGER(summary, severity) "{\"routing_key\": \"R0123\", \"event_action\": \"trigger\", " \
        "\"payload\": {\"summary\": \"" summary "\", \"source\": \"mida\", \"severity\": \"" severity "\"}}"

static char *pd_summary(size_t len)
{
        char *summary = malloc(len + 1), *body = malloc(len + 256);
        memset(summary, 's', len);
        summary[len] = '\0';
        snprintf(body, len + 256, PD_TRIGGER("%s", "info"), summary);
        free(summary);
        return body;
}

static void test_pagerduty(void)
{
        char kind[32];
        long status;
        struct json_object *o = http_json(&sim, "POST", PD, NULL, PD_TRIGGER("B wins", "warning"), &status);
        CHECK(status == 202 && !strcmp(jstr(o, "status"), "success") && !strcmp(jstr(o, "message"), "Event processed") &&
              strlen(jstr(o, "dedup_key")) == 32, "trigger accepted, dedup_key made up");
        json_object_put(o);
        expect_post(PD, "{\"routing_key\": \"R\", \"event_action\": \"resolve\", \"dedup_key\": \"k1\"}", 202,
                    "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"k1\"}");
        CHECK(!strcmp(last_kind("pd", kind, sizeof(kind)), "pagerduty"), "kind pagerduty ('%s')", kind);
        expect_slack(PD, pd_summary(1024), 202, NULL);
        struct http_result r;
        char *body = pd_summary(1025);
        post(PD, body, &r);
        free(body);
        o = r.body ? json_tokener_parse(r.body) : NULL;
        CHECK(r.status == 400 && !strcmp(r.content_type, "application/json") &&
              !strcmp(jstr(o, "status"), "invalid event") && !strcmp(jstr(o, "message"), "Event object is invalid") &&
              strstr(json_object_get_string(json_object_array_get_idx(jget(o, "errors"), 0)), "summary"),
              "summary of 1025 characters -> %ld %s", r.status, r.body ? r.body : "");
        json_object_put(o);
        http_free(&r);
        expect_reject(PD, PD_TRIGGER("x", "high"), "severity");
        expect_reject(PD, "{\"routing_key\": \"R\", \"event_action\": \"resolve\"}", "dedup_key");
        expect_reject(PD, "{\"routing_key\": \"R\", \"event_action\": \"acknowledge\", \"dedup_key\": \"\"}",
                      "dedup_key");
        expect_reject(PD, "{\"routing_key\": \"\", \"event_action\": \"trigger\"}", "routing_key");
        expect_reject(PD, "{\"routing_key\": \"R\", \"event_action\": \"fire\"}", "event_action");
        expect_reject(PD, "{\"routing_key\": \"R\", \"event_action\": \"trigger\"}", "payload");
        expect_post("/hooks/pagerduty/pd/x", "{}", 404, NULL);
        expect_post("/hooks/pagerduty/", "{}", 404, NULL);
}

#define TEAMS "/hooks/teams/tm"
#define TEAMS_MSG(content_type, version, body) "{\"type\": \"message\", \"attachments\": [{\"contentType\": \"" \
        content_type "\", \"content\": {\"type\": \"AdaptiveCard\", \"version\": \"" version "\", " \
        "\"body\": " body "}}]}"
#define CARD "application/vnd.microsoft.card.adaptive"

static void test_teams(void)
{
        char kind[32];
        expect_post(TEAMS, TEAMS_MSG(CARD, "1.4", "[{\"type\": \"TextBlock\", \"text\": \"B wins\"}]"), 202, "");
        CHECK(!strcmp(last_kind("tm", kind, sizeof(kind)), "teams"), "kind teams ('%s')", kind);
        expect_reject(TEAMS, TEAMS_MSG(CARD, "2.0", "[{\"type\": \"TextBlock\"}]"), "version");
        expect_reject(TEAMS, TEAMS_MSG("application/json", "1.4", "[{\"type\": \"TextBlock\"}]"), "contentType");
        expect_reject(TEAMS, TEAMS_MSG(CARD, "1.4", "[]"), "body");
        expect_reject(TEAMS, TEAMS_MSG(CARD, "1.4", "[{\"text\": \"no type\"}]"), "body[0]");
        expect_reject(TEAMS, "{\"type\": \"message\", \"attachments\": []}", "attachments");
        expect_reject(TEAMS, "{\"text\": \"legacy connector card\"}", "message");
        expect_post("/hooks/teams/tm/x", "{}", 404, NULL);
        /* the plain prefixes without a trailing slash stay generic hooks */
        expect_post("/hooks/teams", "{}", 200, "ok");
        CHECK(!strcmp(last_kind("teams", kind, sizeof(kind)), "generic"), "kind generic ('%s')", kind);
}

int main(void)
{
        const char *args[] = { "--scenario", src_path("sim/scenarios/demo"), "--speed", "0", NULL };
        sim_start(&sim, args);
        test_storage();
        test_failures();
        test_slack_limits();
        test_alertmanager();
        test_pagerduty();
        test_teams();
        sim_stop(&sim);
        return check_done();
}
