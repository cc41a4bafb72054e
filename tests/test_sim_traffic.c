/* mida-sim traffic over simulated time: determinism by seed, monotonic
 * evolution, --speed, rate changes, weights (SRM) and weight changes, the
 * demo's situations and /__reset. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim_harness.h"

#define AUTH "x-api-key: demo-key"
#define NOW "2024-05-01T00:00:00Z"

struct counts {
        int64_t visitors[4];
        int64_t conversions[4];
        int64_t total;
        double improvement;
};

static struct counts get_counts(const struct simproc *s, long id)
{
        char path[128];
        long status;
        struct counts c = { 0 };
        snprintf(path, sizeof(path), "/v2/project/demo/experiment/%ld/result", id);
        struct json_object *o = api_get(s, AUTH, path, &status);
        struct json_object *vs = jget(o, "variants");
        for (size_t i = 0; i < 4 && vs && i < json_object_array_length(vs); i++) {
                c.visitors[i] = jint(json_object_array_get_idx(vs, i), "visitors");
                c.conversions[i] = jint(json_object_array_get_idx(vs, i), "conversions");
        }
        c.total = jint(o, "total_visitors");
        c.improvement = json_object_get_double(jget(json_object_array_get_idx(vs, 1), "improvement"));
        json_object_put(o);
        return c;
}

static void advance(const struct simproc *s, double seconds)
{
        char body[64];
        snprintf(body, sizeof(body), "{\"advance\": %.3f}", seconds);
        json_object_put(http_json(s, "POST", "/__clock", NULL, body, NULL));
}

static void start(struct simproc *s, const char *seed, const char *speed)
{
        const char *args[] = { "--scenario", src_path("sim/scenarios/demo.conf"), "--seed", seed,
                               "--speed", speed, "--now", NOW, NULL };
        sim_start(s, args);
}

static void test_determinism(void)
{
        struct simproc a, b, c;
        start(&a, "42", "0");
        start(&b, "42", "0");
        start(&c, "43", "0");
        for (long id = 1001; id <= 1006; id++) {
                struct counts x = get_counts(&a, id), y = get_counts(&b, id), z = get_counts(&c, id);
                CHECK(!memcmp(&x, &y, sizeof(x)), "same seed, same counts for %ld", id);
                CHECK(id == 1005 || memcmp(&x, &z, sizeof(x)) != 0, "another seed, other counts for %ld", id);
        }
        /* the same simulated time reached by different paths gives the same counts */
        advance(&a, 5400);
        advance(&b, 1800);
        get_counts(&b, 1001);
        advance(&b, 3600);
        struct counts x = get_counts(&a, 1001), y = get_counts(&b, 1001);
        CHECK(!memcmp(&x, &y, sizeof(x)), "counts depend on the time, not the request history");
        sim_stop(&a);
        sim_stop(&b);
        sim_stop(&c);
}

static void test_monotonic_evolution(void)
{
        struct simproc s;
        start(&s, "1", "0");
        struct counts prev = get_counts(&s, 1001), first = prev;
        bool monotonic = true;
        for (int step = 0; step < 40; step++) {
                advance(&s, 97.0 + step * 13);
                struct counts c = get_counts(&s, 1001);
                for (int v = 0; v < 2; v++)
                        monotonic = monotonic && c.visitors[v] >= prev.visitors[v] &&
                                    c.conversions[v] >= prev.conversions[v];
                prev = c;
        }
        CHECK(monotonic, "counts never decrease while running");
        CHECK(prev.total > first.total + 2000, "about 5h at 600/h added %lld", (long long)(prev.total - first.total));
        struct counts paused = get_counts(&s, 1006);
        advance(&s, 86400);
        struct counts later = get_counts(&s, 1006);
        CHECK(!memcmp(&paused, &later, sizeof(paused)), "an inactive experiment gets no traffic");
        struct counts draft = get_counts(&s, 1005);
        CHECK(draft.total == 0, "a draft gets no traffic");
        sim_stop(&s);
}

static void test_speed(void)
{
        struct simproc s;
        start(&s, "1", "3600");
        struct counts a = get_counts(&s, 1001);
        struct timespec ts = { 1, 200000000 };
        nanosleep(&ts, NULL);
        struct counts b = get_counts(&s, 1001);
        CHECK(b.total > a.total + 300, "--speed 3600: over an hour of traffic in 1.2 s (%lld -> %lld)",
              (long long)a.total, (long long)b.total);
        long status;
        struct json_object *o = http_json(&s, "GET", "/__clock", NULL, NULL, &status);
        CHECK(json_object_get_double(jget(o, "speed")) == 3600.0, "clock reports its speed");
        json_object_put(o);
        sim_stop(&s);
}

static void test_rate_change(void)
{
        struct simproc s;
        start(&s, "1", "0");
        long status;
        json_object_put(http_json(&s, "POST", "/__rate", NULL,
                                  "{\"test_id\": 1001, \"variant_id\": \"1\", \"rate\": 0}", &status));
        CHECK(status == 200, "rate change accepted");
        json_object_put(http_json(&s, "POST", "/__rate", NULL, "{\"test_id\": 1001, \"variant_id\": \"9\", \"rate\": 0}", &status));
        CHECK(status == 400, "unknown variant refused");
        advance(&s, 3600);  /* finish the current hour at the old rate */
        struct counts a = get_counts(&s, 1001);
        advance(&s, 5 * 3600);
        struct counts b = get_counts(&s, 1001);
        CHECK(b.visitors[1] > a.visitors[1] + 1000 && b.conversions[1] == a.conversions[1],
              "rate 0: visitors grow (%lld -> %lld), conversions stay (%lld -> %lld)",
              (long long)a.visitors[1], (long long)b.visitors[1], (long long)a.conversions[1], (long long)b.conversions[1]);
        CHECK(b.conversions[0] > a.conversions[0], "the control keeps converting");
        sim_stop(&s);
}

static void test_weight_change(void)
{
        struct simproc s, same;
        start(&s, "1", "0");
        start(&same, "1", "0");
        advance(&s, 1800);  /* mid-hour: the change waits for the next hour */
        advance(&same, 1800);
        struct counts before = get_counts(&s, 1003);
        long status;
        json_object_put(http_json(&s, "POST", "/__weight", NULL,
                                  "{\"test_id\": 1003, \"variant_id\": \"0\", \"weight\": 45}", &status));
        CHECK(status == 200, "weight change accepted");
        const char *bad[] = {
                "{\"test_id\": 1003, \"variant_id\": \"9\", \"weight\": 45}",
                "{\"test_id\": 9999, \"variant_id\": \"0\", \"weight\": 45}",
                "{\"test_id\": 1003, \"variant_id\": 0, \"weight\": 45}",
                "{\"test_id\": 1003, \"variant_id\": \"0\", \"weight\": 0}",
                "{\"test_id\": 1003, \"variant_id\": \"0\", \"weight\": -5}",
                "{\"test_id\": 1003, \"variant_id\": \"0\"}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct json_object *o = http_json(&s, "POST", "/__weight", NULL, bad[i], &status);
                const char *err = json_object_get_string(jget(o, "error"));
                CHECK(status == 400 && err && *err, "refused with a message: %s (%ld %s)", bad[i], status,
                      err ? err : "-");
                json_object_put(o);
        }
        struct counts now = get_counts(&s, 1003);
        CHECK(!memcmp(&before, &now, sizeof(before)), "the counts so far stay as they were");
        advance(&s, 1800);
        advance(&same, 1800);
        struct counts a = get_counts(&s, 1003), unchanged = get_counts(&same, 1003);
        CHECK(!memcmp(&a, &unchanged, sizeof(a)), "the hour in progress finishes at the old weights");
        advance(&s, 48 * 3600);
        struct counts b = get_counts(&s, 1003);
        int64_t v0 = b.visitors[0] - a.visitors[0], v1 = b.visitors[1] - a.visitors[1];
        double share = (double)v0 / (double)(v0 + v1);
        CHECK(share > 0.48 && share < 0.52, "new visitors split 45/45 = evenly (%.4f)", share);
        CHECK(b.visitors[0] >= a.visitors[0] && b.conversions[0] >= a.conversions[0],
              "counts keep growing");
        sim_stop(&same);
        sim_stop(&s);
}

static void test_demo_situations(void)
{
        struct simproc s;
        start(&s, "1", "0");
        struct counts winner = get_counts(&s, 1001), loser = get_counts(&s, 1002), srm = get_counts(&s, 1003);
        CHECK(winner.improvement > 15, "1001 is a clear winner (%.2f%%)", winner.improvement);
        CHECK(loser.improvement < -25, "1002 is a clear loser (%.2f%%)", loser.improvement);
        double share = (double)srm.visitors[0] / (double)srm.total;
        CHECK(share > 0.54 && share < 0.56, "1003 splits 55/45 (%.4f)", share);
        double even = (double)winner.visitors[0] / (double)winner.total;
        CHECK(even > 0.48 && even < 0.52, "equal weights split evenly (%.4f)", even);
        sim_stop(&s);
}

static void test_reset(void)
{
        struct simproc s;
        start(&s, "1", "0");
        struct counts before = get_counts(&s, 1001);
        const char *h[] = { AUTH, NULL };
        json_object_put(http_json(&s, "PATCH", "/v2/project/demo/experiment/1001/status", h, "{\"status\": 0}", NULL));
        advance(&s, 7200);
        json_object_put(http_json(&s, "POST", "/__faults", NULL, "{\"kind\": \"status\"}", NULL));
        long status;
        json_object_put(http_json(&s, "POST", "/__reset", NULL, NULL, &status));
        CHECK(status == 200, "reset");
        struct counts after = get_counts(&s, 1001);
        CHECK(!memcmp(&before, &after, sizeof(before)), "reset restores status, clock and faults");
        struct json_object *o = http_json(&s, "GET", "/__requests", NULL, NULL, &status);
        CHECK(json_object_array_length(jget(o, "requests")) == 1, "reset clears the request log");
        json_object_put(o);
        sim_stop(&s);
}

int main(void)
{
        test_determinism();
        test_monotonic_evolution();
        test_speed();
        test_rate_change();
        test_weight_change();
        test_demo_situations();
        test_reset();
        return check_done();
}
