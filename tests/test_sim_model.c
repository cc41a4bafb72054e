/* Unit tests of mida-sim's pure parts: the counter-based draws, the traffic
 * model (monotonic, pause, cache = from-scratch) and the Slack checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "sim_harness.h"
#include "slack_limits.h"
#include "traffic.h"

static void test_binomial_moments(uint64_t n, double p)
{
        double sum = 0, sum2 = 0;
        const int draws = 20000;
        bool in_range = true;
        for (int i = 0; i < draws; i++) {
                struct rng r = rng_keyed(9, n, (uint64_t)i, 1);
                double x = (double)rng_binomial(&r, n, p);
                in_range = in_range && x >= 0 && x <= (double)n;
                sum += x;
                sum2 += x * x;
        }
        CHECK(in_range, "binomial(%llu, %g) draws within [0, n]", (unsigned long long)n, p);
        double mean = sum / draws, var = sum2 / draws - mean * mean;
        double want_mean = (double)n * p, want_var = want_mean * (1 - p);
        CHECK(fabs(mean - want_mean) < 5 * sqrt(want_var / draws) + 1e-9, "binomial(%llu, %g) mean %.4f want %.4f",
              (unsigned long long)n, p, mean, want_mean);
        CHECK(fabs(var - want_var) < 0.1 * want_var + 0.05, "binomial(%llu, %g) var %.4f want %.4f",
              (unsigned long long)n, p, var, want_var);
}

static void test_draws(void)
{
        test_binomial_moments(20, 0.1);
        test_binomial_moments(100, 0.3);
        test_binomial_moments(100000, 0.02);
        test_binomial_moments(50, 0.9);
        struct rng a = rng_keyed(1, 2, 3, 4), b = rng_keyed(1, 2, 3, 4), c = rng_keyed(1, 2, 3, 5);
        CHECK(rng_uniform(&a) == rng_uniform(&b), "same key, same draw");
        CHECK(rng_uniform(&a) != rng_uniform(&c), "other key, other draw");
        double sum = 0;
        for (int i = 0; i < 20000; i++) {
                struct rng r = rng_keyed(3, (uint64_t)i, 0, 0);
                sum += (double)rng_poisson(&r, 7.5);
        }
        CHECK(fabs(sum / 20000 - 7.5) < 0.1, "poisson mean %.3f", sum / 20000);
}

static struct experiment make_experiment(void)
{
        struct experiment e = { .id = 5, .visitors_per_hour = 500, .n_variants = 2 };
        e.variants[0] = (struct variant){ .weight = 1, .rate = 0.1 };
        e.variants[1] = (struct variant){ .weight = 1, .rate = 0.2 };
        experiment_start_running(&e, 1000000.0);
        return e;
}

static void test_traffic(void)
{
        struct experiment e = make_experiment();
        struct traffic_counts prev, now, scratch;
        traffic_counts_now(&e, 7, 1000000.0, &prev);
        CHECK(prev.visitors[0] == 0 && prev.visitors[1] == 0, "nothing at the start");
        bool monotonic = true, same = true;
        for (double t = 1000000.0; t < 1000000.0 + 48 * 3600; t += 611.0) {
                traffic_counts_now(&e, 7, t, &now);
                traffic_counts_at(&e, 7, t, &scratch);
                same = same && !memcmp(&now, &scratch, sizeof(now));
                for (int v = 0; v < 2; v++)
                        monotonic = monotonic && now.visitors[v] >= prev.visitors[v] &&
                                    now.conversions[v] >= prev.conversions[v];
                prev = now;
        }
        CHECK(monotonic, "monotonic over 48 hours");
        CHECK(same, "cached counts equal counts computed from scratch");
        double total = (double)(now.visitors[0] + now.visitors[1]);
        CHECK(fabs(total - 48 * 500) < 48 * 500 * 0.05, "about 500 visitors per hour: %.0f", total);
        double r1 = (double)now.conversions[1] / (double)now.visitors[1];
        CHECK(fabs(r1 - 0.2) < 0.02, "conversion rate near the true rate: %.4f", r1);

        double stop = 1000000.0 + 50 * 3600 + 1234;
        experiment_stop_running(&e, stop);
        struct traffic_counts at_stop, later;
        traffic_counts_now(&e, 7, stop, &at_stop);
        traffic_counts_now(&e, 7, stop + 10 * 3600, &later);
        CHECK(!memcmp(&at_stop, &later, sizeof(later)), "a stopped experiment keeps its counts");
        free(e.running);
}

static void test_slack(void)
{
        CHECK(slack_check_payload("{\"text\":\"hi\"}") == NULL, "text only");
        CHECK(!strcmp(slack_check_payload("{}"), "no_text"), "empty");
        CHECK(!strcmp(slack_check_payload("[]"), "invalid_payload"), "array");
        CHECK(!strcmp(slack_check_payload("{\"blocks\": {}}"), "invalid_blocks"), "blocks not an array");
        CHECK(!strcmp(slack_check_payload("{\"blocks\": [{\"type\":\"section\",\"fields\":[]}]}"), "invalid_blocks"),
              "empty fields");
        CHECK(slack_check_payload("{\"blocks\": [{\"type\":\"divider\"}]}") == NULL, "a divider");
}

int main(void)
{
        test_draws();
        test_traffic();
        test_slack();
        return check_done();
}
