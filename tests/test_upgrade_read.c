/* The readers of 0.1.0's files (daemon/upgrade_read.h) other than
 * state.json's walk (test_state.c): alerts.json, actions.json, health.json,
 * an experiment's sequential state, the delivery files and outbox/ as a
 * whole; a missing file is empty, a corrupt one is moved aside. What the
 * upgrade makes of them is test_upgrade.c's. */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actions/actions.h"
#include "daemon/health.h"
#include "daemon/upgrade_read.h"
#include "rules/rules.h"
#include "stats/analysis.h"
#include "util/log.h"

#include "store_fixture.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static void setup(void)
{
        store_fixture_make_dir();
        log_setup(LOG_TARGET_STDERR, LOG_CRIT);   /* the corrupt files' warnings are expected */
}

TestSuite(upgrade_read, .init = setup, .fini = store_fixture_remove_dir);

/* name may be in a folder of store_dir ("outbox/x.json"), made first. */
static void write_file(const char *name, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", store_dir, name);
        if (strchr(name, '/')) {
                char folder[512];

                snprintf(folder, sizeof(folder), "%s", path);
                *strrchr(folder, '/') = '\0';
                mkdir(folder, 0700);
        }
        cr_assert_not_null(f = fopen(path, "w"), "%s", path);
        fputs(text, f);
        cr_assert_eq(fclose(f), 0);
}

static bool exists(const char *name)
{
        char path[512];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", store_dir, name);
        return lstat(path, &st) == 0;
}

static size_t count_corrupt(const char *name)
{
        char pattern[512];
        glob_t g;
        size_t n = 0;

        snprintf(pattern, sizeof(pattern), "%s/%s.corrupt-*", store_dir, name);
        if (glob(pattern, 0, NULL, &g) == 0)
                n = g.gl_pathc;
        globfree(&g);
        return n;
}

static json_object *parse(const char *text)
{
        json_object *o = json_tokener_parse(text);

        cr_assert_not_null(o, "%s", text);
        return o;
}

/* ---- alerts.json ---- */

Test(upgrade_read, alerts_every_field_with_the_salt_and_generation)
{
        json_object *root = parse(
                "{\"version\":1,\"alerts\":[{\"rule\":\"w\",\"experiment_id\":7,\"variant_id\":\"1\","
                "\"state\":\"firing\",\"active_since\":10,\"fired_at\":20,\"last_notified\":30},"
                "{\"rule\":\"p\",\"experiment_id\":8,\"variant_id\":\"\",\"state\":\"pending\","
                "\"active_since\":11,\"fired_at\":0,\"last_notified\":0}],"
                "\"generation\":4,\"salt\":\"41dbfbad6084337d64e0ae25ca2e4b93\"}");
        struct rules_state s;
        char *error = NULL;

        cr_assert_eq(upgrade_read_alerts(root, &s, &error), 0, "%s", error);
        cr_assert_eq(s.n, 2);
        cr_expect_str_eq(s.records[0].rule, "w");
        cr_expect_eq(s.records[0].experiment_id, 7);
        cr_expect_str_eq(s.records[0].variant_id, "1");
        cr_expect_eq(s.records[0].state, ALERT_FIRING);
        cr_expect_eq(s.records[0].active_since, 10);
        cr_expect_eq(s.records[0].fired_at, 20);
        cr_expect_eq(s.records[0].last_notified, 30);
        cr_expect_str_eq(s.records[1].variant_id, "");
        cr_expect_eq(s.records[1].state, ALERT_PENDING);
        cr_expect_eq(s.generation, 4);
        cr_expect_str_eq(s.salt, "41dbfbad6084337d64e0ae25ca2e4b93");
        rules_state_clear(&s);
        json_object_put(root);

        root = parse("{\"version\":1,\"alerts\":[]}");
        cr_assert_eq(upgrade_read_alerts(root, &s, &error), 0, "written before ids were derived");
        cr_expect_eq(s.generation, 0);
        cr_expect_str_eq(s.salt, "");
        rules_state_clear(&s);
        json_object_put(root);
}

Test(upgrade_read, alerts_name_the_bad_field)
{
        json_object *root = parse(
                "{\"version\":1,\"alerts\":[{\"rule\":\"w\",\"experiment_id\":\"x\",\"variant_id\":\"\","
                "\"state\":\"firing\",\"active_since\":1,\"fired_at\":1,\"last_notified\":1}]}");
        struct rules_state s = {};
        char *error = NULL;

        cr_expect_eq(upgrade_read_alerts(root, &s, &error), -EINVAL);
        cr_assert_not_null(error);
        cr_expect(strstr(error, "alerts[0]") && strstr(error, "experiment_id"), "%s", error);
        cr_expect_eq(s.n, 0);
        free(error);
        json_object_put(root);
}

Test(upgrade_read, a_missing_file_is_empty_and_a_corrupt_one_moved_aside)
{
        struct rules_state s = {};

        cr_expect_eq(upgrade_load_alerts(store_dir, &s), 0);
        cr_expect_eq(s.n, 0);
        write_file(UPGRADE_ALERTS_FILE,
                   "{\"version\":1,\"alerts\":[{\"rule\":\"w\",\"experiment_id\":1,\"variant_id\":\"1\","
                   "\"state\":\"burning\",\"active_since\":1,\"fired_at\":1,\"last_notified\":1}]}");
        cr_expect_eq(upgrade_load_alerts(store_dir, &s), 0);
        cr_expect_eq(s.n, 0);
        cr_expect_not(exists(UPGRADE_ALERTS_FILE), "the corrupt file is moved aside");
        cr_expect_eq(count_corrupt(UPGRADE_ALERTS_FILE), 1, "as alerts.json.corrupt-<time>");
        rules_state_clear(&s);
}

/* ---- actions.json ---- */

Test(upgrade_read, actions_every_field_and_the_circuit_flag)
{
        json_object *root = parse(
                "{\"version\":1,\"entries\":[{\"rule\":\"harm\",\"experiment_id\":1002,\"action\":\"pause\","
                "\"traffic_allocation\":100,\"state\":\"done\",\"attempts\":1,\"intended_at\":5,"
                "\"finished_at\":6,\"http_status\":200},{\"rule\":\"ship\",\"experiment_id\":1001,"
                "\"action\":\"serve-winner\",\"variant_id\":\"1\",\"traffic_allocation\":50,\"state\":\"failed\","
                "\"attempts\":2,\"intended_at\":7,\"finished_at\":8,\"http_status\":403,"
                "\"error\":\"HTTP 403 plan limit\"}],\"circuit_open\":true}");
        struct action_ledger l;
        char *error = NULL;

        cr_assert_eq(upgrade_read_actions(root, &l, &error), 0, "%s", error);
        cr_assert_eq(l.n, 2);
        cr_expect(l.circuit_open);
        cr_expect_str_eq(l.entries[0].rule, "harm");
        cr_expect_eq(l.entries[0].experiment_id, 1002);
        cr_expect_eq(l.entries[0].action, RULE_ACTION_PAUSE);
        cr_expect_null(l.entries[0].variant_id);
        cr_expect_eq(l.entries[0].state, ACTION_STATE_DONE);
        cr_expect_eq(l.entries[0].http_status, 200);
        cr_expect_str_eq(l.entries[0].error, "");
        cr_expect_eq(l.entries[1].action, RULE_ACTION_SERVE_WINNER);
        cr_expect_str_eq(l.entries[1].variant_id, "1");
        cr_expect_eq(l.entries[1].traffic_allocation, 50);
        cr_expect_eq(l.entries[1].state, ACTION_STATE_FAILED);
        cr_expect_eq(l.entries[1].attempts, 2);
        cr_expect_eq(l.entries[1].intended_at, 7);
        cr_expect_eq(l.entries[1].finished_at, 8);
        cr_expect_str_eq(l.entries[1].error, "HTTP 403 plan limit");
        actions_ledger_clear(&l);
        json_object_put(root);
}

Test(upgrade_read, actions_bad_entries_are_rejected)
{
#define ENTRY(fields) "{\"version\":1,\"circuit_open\":false,\"entries\":[{\"rule\":\"r\",\"experiment_id\":1," \
        fields "}]}"
        static const char *const bad[] = {
                ENTRY("\"action\":\"resume\",\"traffic_allocation\":0,\"state\":\"done\",\"attempts\":1,"
                      "\"intended_at\":1,\"finished_at\":1,\"http_status\":200"),
                ENTRY("\"action\":\"serve-winner\",\"traffic_allocation\":50,\"state\":\"done\",\"attempts\":1,"
                      "\"intended_at\":1,\"finished_at\":1,\"http_status\":200"),
                ENTRY("\"action\":\"pause\",\"traffic_allocation\":0,\"state\":\"sleeping\",\"attempts\":1,"
                      "\"intended_at\":1,\"finished_at\":1,\"http_status\":200"),
                ENTRY("\"action\":\"pause\",\"traffic_allocation\":101,\"state\":\"done\",\"attempts\":1,"
                      "\"intended_at\":1,\"finished_at\":1,\"http_status\":200"),
                ENTRY("\"action\":\"pause\",\"traffic_allocation\":0,\"state\":\"done\",\"attempts\":-1,"
                      "\"intended_at\":1,\"finished_at\":1,\"http_status\":200"),
                ENTRY("\"action\":\"pause\",\"traffic_allocation\":0,\"state\":\"done\",\"attempts\":1,"
                      "\"intended_at\":1,\"finished_at\":1,\"http_status\":1000"),
                "{\"version\":1,\"entries\":[]}",
                "{\"version\":2,\"circuit_open\":false,\"entries\":[]}",
        };
#undef ENTRY

        for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
                json_object *root = parse(bad[i]);
                struct action_ledger l;
                char *error = NULL;

                cr_expect_eq(upgrade_read_actions(root, &l, &error), -EINVAL, "accepted %s", bad[i]);
                cr_expect_not_null(error, "no message for %s", bad[i]);
                cr_expect_eq(l.n, 0);
                cr_expect_null(l.entries);
                free(error);
                json_object_put(root);
        }
}

/* ---- health.json ---- */

Test(upgrade_read, health_conditions)
{
        json_object *root = parse(
                "{\"version\":1,\"conditions\":[{\"condition\":\"delivery_failing\",\"subject\":\"pager\","
                "\"detail\":\"HTTP 503\",\"since\":10,\"alerted_at\":12,\"last_notified\":12},"
                "{\"condition\":\"experiment_stalled\",\"subject\":1004,\"name\":\"Footer\",\"since\":3,"
                "\"alerted_at\":0,\"last_notified\":0}]}");
        struct health_state s;
        char *error = NULL;

        cr_assert_eq(upgrade_read_health(root, &s, &error), 0, "%s", error);
        cr_assert_eq(s.n, 2);
        cr_expect_eq(s.records[0].condition, HEALTH_DELIVERY_FAILING);
        cr_expect_str_eq(s.records[0].subject, "pager");
        cr_expect_null(s.records[0].name);
        cr_expect_str_eq(s.records[0].detail, "HTTP 503");
        cr_expect_eq(s.records[0].since, 10);
        cr_expect_eq(s.records[0].alerted_at, 12);
        cr_expect_eq(s.records[0].last_notified, 12);
        cr_expect_eq(s.records[1].condition, HEALTH_EXPERIMENT_STALLED);
        cr_expect_str_eq(s.records[1].subject, "1004", "an id may be a number");
        cr_expect_str_eq(s.records[1].name, "Footer");
        health_state_clear(&s);
        json_object_put(root);
}

Test(upgrade_read, health_bad_conditions_are_rejected)
{
        static const char *const bad[] = {
                "{\"version\":1,\"conditions\":[{\"condition\":\"on_fire\",\"subject\":\"\",\"since\":1,"
                "\"alerted_at\":0,\"last_notified\":0}]}",
                "{\"version\":1,\"conditions\":[{\"condition\":\"api_failing\",\"subject\":\"\",\"since\":-1,"
                "\"alerted_at\":0,\"last_notified\":0}]}",
                "{\"version\":1,\"conditions\":[{\"condition\":\"api_failing\",\"since\":1,"
                "\"alerted_at\":0,\"last_notified\":0}]}",
                "{\"version\":1,\"conditions\":{}}",
        };

        for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
                json_object *root = parse(bad[i]);
                struct health_state s;
                char *error = NULL;

                cr_expect_eq(upgrade_read_health(root, &s, &error), -EINVAL, "accepted %s", bad[i]);
                cr_expect_not_null(error);
                cr_expect_eq(s.n, 0);
                free(error);
                json_object_put(root);
        }
        write_file(UPGRADE_HEALTH_FILE, bad[0]);
        struct health_state s = { 0 };
        cr_expect_eq(upgrade_load_health(store_dir, &s), 0);
        cr_expect_eq(s.n, 0);
        cr_expect_eq(count_corrupt(UPGRADE_HEALTH_FILE), 1);
}

/* ---- an experiment's sequential state ---- */

Test(upgrade_read, a_sequential_state_reads_back_exact)
{
        json_object *o = parse(
                "{\"start_date\":\"2026-12-05T12:07:47.000Z\",\"alpha\":0.05,\"tuning\":5000,\"variants\":["
                "{\"variant_id\":\"0\",\"visitors\":15180,\"conversions\":1495},"
                "{\"variant_id\":\"1\",\"visitors\":15049,\"conversions\":1981,\"min_p\":7.754313408359573e-13,"
                "\"low\":0.19961527917046967,\"high\":0.4736213785169821}]}");
        struct sequential_state q;
        char *error = NULL;

        cr_assert_eq(upgrade_read_sequential(o, &q, &error), 0, "%s", error);
        cr_expect_str_eq(q.start_date, "2026-12-05T12:07:47.000Z");
        cr_expect_eq(q.alpha, 0.05);
        cr_expect_eq(q.tuning, 5000);
        cr_assert_eq(q.n_variants, 2);
        cr_expect_str_eq(q.variants[0].variant_id, "0");
        cr_expect_not(q.variants[0].has_bound, "the control has no running values");
        cr_expect_eq(q.variants[1].visitors, 15049);
        cr_expect_eq(q.variants[1].conversions, 1981);
        cr_expect(q.variants[1].has_bound);
        cr_expect_eq(q.variants[1].min_p, 7.754313408359573e-13, "exact");
        cr_expect_eq(q.variants[1].low, 0.19961527917046967);
        cr_expect_eq(q.variants[1].high, 0.4736213785169821);
        sequential_state_free(&q);
        json_object_put(o);
}

Test(upgrade_read, a_bad_sequential_state_names_the_field)
{
        static const struct { const char *text, *error; } bad[] = {
                { "{\"alpha\":0.05,\"tuning\":5000,\"variants\":[{\"variant_id\":\"1\",\"visitors\":1,"
                  "\"conversions\":\"x\"}]}", "variants[0].conversions: expected an integer" },
                { "{\"alpha\":0.05,\"tuning\":5000,\"variants\":[{\"variant_id\":\"1\",\"visitors\":1,"
                  "\"conversions\":1,\"min_p\":0.5}]}", "variants[0]: min_p, low and high go together" },
                { "{\"alpha\":0.05,\"tuning\":5000}", "variants: expected an array" },
        };

        for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
                json_object *o = parse(bad[i].text);
                struct sequential_state q;
                char *error = NULL;

                cr_expect_eq(upgrade_read_sequential(o, &q, &error), -EINVAL, "%s", bad[i].text);
                cr_expect_str_eq(error, bad[i].error);
                cr_expect_eq(q.n_variants, 0);
                cr_expect_null(q.variants);
                free(error);
                json_object_put(o);
        }
}

/* ---- outbox/ ---- */

Test(upgrade_read, a_delivery_every_field)
{
        static const char text[] = "{\"version\":1,\"id\":\"evt_0123\",\"notifier\":\"ops\","
                                   "\"created_at\":1700000000123456,\"attempts\":7,"
                                   "\"next_attempt_at\":1700000060000000,\"last_error\":\"HTTP 503\","
                                   "\"body\":\"{\\\"a\\\":\\\"x/y\\\",\\\"t\\\":\\\"\\\\u00e9\\\\n\\\"}\"}";
        static const char no_error[] = "{\"version\":1,\"id\":\"e\",\"notifier\":\"n\",\"created_at\":1,"
                                       "\"attempts\":0,\"next_attempt_at\":1,\"last_error\":null,\"body\":\"{}\"}";
        struct upgrade_delivery out = { 0 };
        char *error = NULL;

        cr_assert_eq(upgrade_read_delivery(text, strlen(text), &out, &error), 0, "%s", error ? error : "");
        cr_expect_str_eq(out.id, "evt_0123");
        cr_expect_str_eq(out.notifier, "ops");
        cr_expect_str_eq(out.body, "{\"a\":\"x/y\",\"t\":\"\\u00e9\\n\"}");
        cr_expect_str_eq(out.last_error, "HTTP 503");
        cr_expect_eq(out.created_at, 1700000000123456ULL);
        cr_expect_eq(out.next_attempt_at, 1700000060000000ULL);
        cr_expect_eq(out.attempts, 7);
        upgrade_delivery_clear(&out);

        cr_assert_eq(upgrade_read_delivery(no_error, strlen(no_error), &out, &error), 0);
        cr_expect_null(out.last_error);
        upgrade_delivery_clear(&out);
}

Test(upgrade_read, bad_deliveries_are_rejected)
{
#define DELIVERY(fields) "{\"version\":1," fields "}"
#define TIMES "\"created_at\":1,\"attempts\":0,\"next_attempt_at\":1"
        static const char *const bad[] = {
                "",
                "[]",
                "{\"version\":1,",
                "{\"version\":2,\"id\":\"e\",\"notifier\":\"n\"," TIMES ",\"body\":\"{}\"}",
                DELIVERY("\"notifier\":\"n\"," TIMES ",\"body\":\"{}\""),
                DELIVERY("\"id\":\"e\",\"notifier\":\"n\"," TIMES),
                DELIVERY("\"id\":\"e.x\",\"notifier\":\"n\"," TIMES ",\"body\":\"{}\""),
                DELIVERY("\"id\":\"e\",\"notifier\":\"../n\"," TIMES ",\"body\":\"{}\""),
                DELIVERY("\"id\":\"e\",\"notifier\":\"n\",\"created_at\":-1,\"attempts\":0,\"next_attempt_at\":1,"
                         "\"body\":\"{}\""),
                DELIVERY("\"id\":\"e\",\"notifier\":\"n\",\"created_at\":1,\"attempts\":-2,\"next_attempt_at\":1,"
                         "\"body\":\"{}\""),
                DELIVERY("\"id\":\"e\",\"notifier\":\"n\"," TIMES ",\"body\":7"),
        };
#undef TIMES
#undef DELIVERY

        for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
                struct upgrade_delivery r = { 0 };
                char *error = NULL;

                cr_expect_eq(upgrade_read_delivery(bad[i], strlen(bad[i]), &r, &error), -EBADMSG, "accepted %s",
                             bad[i]);
                cr_expect_not_null(error, "no message for %s", bad[i]);
                cr_expect_null(r.id);
                free(error);
        }
}

static const char *delivery(char *buf, size_t size, const char *notifier, const char *id, long long created_at)
{
        snprintf(buf, size, "{\"version\":1,\"id\":\"%s\",\"notifier\":\"%s\",\"created_at\":%lld,\"attempts\":0,"
                 "\"next_attempt_at\":%lld,\"last_error\":null,\"body\":\"{}\"}", id, notifier, created_at, created_at);
        return buf;
}

Test(upgrade_read, the_outbox_oldest_first_without_what_is_not_a_delivery)
{
        struct upgrade_delivery *all = NULL;
        size_t n = 99;
        char buf[512];

        cr_expect_eq(upgrade_load_outbox(store_dir, &all, &n), 0, "no outbox/: no delivery");
        cr_expect_eq(n, 0);
        write_file("outbox/ops.c.json", delivery(buf, sizeof(buf), "ops", "c", 30));
        write_file("outbox/pager.b.json", delivery(buf, sizeof(buf), "pager", "b", 20));
        write_file("outbox/ops.a.json", delivery(buf, sizeof(buf), "ops", "a", 20));
        write_file("outbox/ops.bad.json", "{\"version\":1,");
        write_file("outbox/.ops.d.json", delivery(buf, sizeof(buf), "ops", "d", 1));
        write_file("outbox/ops.e.txt", delivery(buf, sizeof(buf), "ops", "e", 1));
        write_file("outbox/failed/ops.f.json", delivery(buf, sizeof(buf), "ops", "f", 1));
        cr_assert_eq(upgrade_load_outbox(store_dir, &all, &n), 0);
        cr_assert_eq(n, 3);
        cr_expect_str_eq(all[0].id, "a", "created_at, then notifier and id");
        cr_expect_str_eq(all[1].id, "b");
        cr_expect_str_eq(all[2].id, "c");
        cr_expect(exists("outbox/ops.bad.json"), "an invalid file is left where it is");
        for (size_t i = 0; i < n; i++)
                upgrade_delivery_clear(&all[i]);
        free(all);
}
