/* The upgrade from 0.1.0 (daemon/upgrade.h) on tests/data/state-0.1.0, a
 * state directory 0.1.0 wrote: everything it held read back from state.db
 * through the typed rows; a second import and a second move harmless; a
 * corrupt file, a read-only store and a failing write. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <json-c/json.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/upgrade.h"
#include "daemon/upgrade_read.h"
#include "stats/analysis.h"
#include "store/action_rows.h"
#include "store/alert_rows.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/health_rows.h"
#include "store/meta.h"
#include "store/outbox_rows.h"
#include "util/atomic_file.h"
#include "util/log.h"

#include "store_fixture.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURE TEST_DATA_DIR "/state-0.1.0"
#define EVENT_ID "evt_dce71889fd0ab137db744d62cbd3a1e6"
#define OUTBOX_FILE "outbox/pager." EVENT_ID ".json"

static void copy_fixture(void)
{
        char cmd[512];

        store_fixture_make_dir();
        snprintf(cmd, sizeof(cmd), "cp -a '%s/.' '%s/'", FIXTURE, store_dir);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        log_setup(LOG_TARGET_STDERR, LOG_INFO);
}

TestSuite(upgrade, .init = copy_fixture, .fini = store_fixture_remove_dir);

static struct store *open_store(unsigned flags)
{
        struct store *s = NULL;

        cr_assert_eq(store_open(store_dir, flags, &s), 0);
        return s;
}

static bool exists(const char *name)
{
        char path[1024];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", store_dir, name);
        return lstat(path, &st) == 0;
}

static void make_dir(const char *name)
{
        char path[1024];

        snprintf(path, sizeof(path), "%s/%s", store_dir, name);
        cr_assert_eq(mkdir(path, 0700), 0, "%s", path);
}

/* name may be in a folder of store_dir ("outbox/x.json"). */
static void write_file(const char *name, const char *text)
{
        const char *slash = strrchr(name, '/');
        char dir[1024];

        if (slash)
                snprintf(dir, sizeof(dir), "%s/%.*s", store_dir, (int) (slash - name), name);
        else
                snprintf(dir, sizeof(dir), "%s", store_dir);
        cr_assert_eq(atomic_write_file(dir, slash ? slash + 1 : name, text, strlen(text), 0600), 0, "%s", name);
}

static char *read_text(const char *path)
{
        char *text = NULL;
        size_t len = 0;

        cr_assert_eq(read_file_limited(path, 1 << 20, &text, &len), 0, "%s", path);
        return text;
}

/* The number of files in store_dir matching pattern (a glob). */
static size_t count_matching(const char *pattern)
{
        char full[512];
        glob_t g;
        size_t n;

        snprintf(full, sizeof(full), "%s/%s", store_dir, pattern);
        if (glob(full, 0, NULL, &g) != 0)
                return 0;
        n = g.gl_pathc;
        globfree(&g);
        return n;
}

/* The import with stderr (the log) captured into *log (free it), or not. */
static int import_logged(struct store *s, char **log)
{
        char path[128];
        int saved, r;
        FILE *f;

        snprintf(path, sizeof(path), "%s.log", store_dir);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
        r = upgrade_import_0_1_0(store_dir, s);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        fclose(f);
        *log = read_text(path);
        unlink(path);
        return r;
}

static long long count_rows(struct store *s, const char *table)
{
        char sql[128];

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
        return store_query_int(s, sql);
}

static const char *const tables[] = { "experiments", "sequential", "polls", "alerts", "actions", "outbox", "health",
                                      "meta" };

static void expect_empty_store(struct store *s)
{
        for (size_t i = 0; i < N_ELEMENTS(tables); i++)
                cr_expect_eq(count_rows(s, tables[i]), 0, "%s", tables[i]);
}

/* The "body" member of the fixture's outbox file: the bytes to be POSTed. */
static char *fixture_body(void)
{
        char *text = read_text(FIXTURE "/" OUTBOX_FILE), *body;
        json_object *o = json_tokener_parse(text), *b = NULL;

        cr_assert_not_null(o);
        cr_assert(json_object_object_get_ex(o, "body", &b) && json_object_is_type(b, json_type_string));
        body = strdup(json_object_get_string(b));
        cr_assert_not_null(body);
        json_object_put(o);
        free(text);
        return body;
}

/* ---- what the fixture holds, checked in the store ---- */

static void expect_variant(const struct sequential_variant_state *v, const char *id, long long visitors,
                           long long conversions, bool has_bound, double min_p, double low, double high)
{
        cr_expect_str_eq(v->variant_id, id);
        cr_expect_eq(v->visitors, visitors, "variant %s", id);
        cr_expect_eq(v->conversions, conversions, "variant %s", id);
        cr_expect_eq(v->has_bound, has_bound, "variant %s", id);
        if (has_bound) {   /* exact: the doubles are stored as REAL, not as text */
                cr_expect_eq(v->min_p, min_p, "variant %s", id);
                cr_expect_eq(v->low, low, "variant %s", id);
                cr_expect_eq(v->high, high, "variant %s", id);
        }
}

static void expect_sequential_equal(const struct sequential_state *a, const struct sequential_state *b, long long id)
{
        cr_assert_not_null(a, "%lld", id);
        cr_assert_not_null(b, "%lld", id);
        expect_str_or_null(b->start_date, a->start_date, "start_date");
        cr_expect_eq(b->alpha, a->alpha, "%lld", id);
        cr_expect_eq(b->tuning, a->tuning, "%lld", id);
        cr_assert_eq(b->n_variants, a->n_variants, "%lld", id);
        for (size_t i = 0; i < a->n_variants; i++)
                expect_variant(&b->variants[i], a->variants[i].variant_id, a->variants[i].visitors,
                               a->variants[i].conversions, a->variants[i].has_bound, a->variants[i].min_p,
                               a->variants[i].low, a->variants[i].high);
}

static void expect_watchlist(struct store *s, int64_t t0, int64_t t1)
{
        static const struct {
                long long id;
                const char *name;
                bool active;
                long long visitors;
                int64_t polled_at;
        } want[] = {
                { 1001, "Checkout CTA copy", true, 30229, 1796645274 },
                { 1002, "Pricing page hero", false, 18237, 1796645267 },
                { 1003, "Header navigation", true, 50438, 1796645274 },
                { 1004, "Footer newsletter box", true, 29658, 1796645274 },
        };
        struct watchlist got = { 0 }, file = { 0 };
        struct daemon_summary sum = { 0 }, file_sum = { 0 };
        const struct sequential_state *seq;
        char sql[256];

        /* The 0.1.0 reader on the untouched fixture: what should be there. */
        cr_assert_eq(upgrade_read_state(FIXTURE, &file, &file_sum), 0);
        /* With settings: 0.1.0's analyses are text, nothing to recompute. */
        const struct statistics_settings settings = statistics_settings_default();
        cr_assert_eq(store_watchlist_load(s, &got, &settings), 0);
        cr_assert_eq(got.n, N_ELEMENTS(want));
        cr_assert_eq(file.n, N_ELEMENTS(want));
        for (size_t i = 0; i < N_ELEMENTS(want); i++) {
                const struct watched_experiment *e = got.items[i], *f = file.items[i];

                cr_assert_eq(e->id, want[i].id);
                cr_expect_str_eq(e->name, want[i].name);
                cr_expect_eq(e->active, want[i].active, "%lld", e->id);
                cr_expect_eq(e->visitors, want[i].visitors, "%lld", e->id);
                cr_expect_eq(e->polled_at, want[i].polled_at, "%lld", e->id);
                cr_expect_eq(e->visitors_grew_at, f->visitors_grew_at, "%lld", e->id);
                cr_expect_eq(e->failures, 0);
                cr_expect_eq(e->last_http_status, 0);
                cr_expect_null(e->last_error);
                cr_expect_null(e->sequential_error);
                cr_assert_not_null(e->restored_analysis, "%lld", e->id);
                expect_str_or_null(e->restored_analysis, f->restored_analysis, "analysis");
                expect_sequential_equal(f->sequential, e->sequential, e->id);
        }
        /* The 3-variant sequential state of 1004, value by value. */
        seq = got.items[3]->sequential;
        cr_assert_not_null(seq);
        cr_expect_str_eq(seq->start_date, "2026-12-03T12:07:47.000Z");
        cr_expect_eq(seq->alpha, 0.05);
        cr_expect_eq(seq->tuning, 5000);
        cr_assert_eq(seq->n_variants, 3);
        expect_variant(&seq->variants[0], "0", 9935, 503, false, NAN, NAN, NAN);
        expect_variant(&seq->variants[1], "1", 9829, 509, true, 1, -0.1687627239563899, 0.21863637828596638);
        expect_variant(&seq->variants[2], "2", 9894, 486, true, 1, -0.21102118825436114, 0.15825253051928342);

        /* first_seen = last_seen = the import time; no history yet. */
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM experiments WHERE first_seen BETWEEN %lld AND %lld AND last_seen = first_seen",
                 (long long) t0, (long long) t1);
        cr_expect_eq(store_query_int(s, sql), 4);
        cr_expect_eq(count_rows(s, "polls"), 0);
        cr_expect_eq(count_rows(s, "sequential"), 2 + 2 + 2 + 3);

        cr_assert_eq(store_summary_load(s, &sum), 0);
        cr_expect_eq(sum.started_at, 1796645267);
        cr_expect_eq(sum.last_cycle_at, 1796645274);
        cr_expect_eq(sum.last_cycle_seconds, 0.004602);
        cr_expect_eq(sum.last_cycle_polled, 3);
        cr_expect_eq(sum.last_cycle_failed, 0);
        cr_expect_str_eq(sum.api_error, "");
        cr_expect_eq(sum.started_at, file_sum.started_at);
        cr_expect_eq(sum.last_cycle_seconds, file_sum.last_cycle_seconds);

        watchlist_clear(&got);
        watchlist_clear(&file);
}

static void expect_alerts(struct store *s)
{
        /* In key order: rule, experiment, variant. */
        static const struct store_alert_row want[] = {
                { "ship", 1001, "1", STORE_ALERT_FIRING, 1796645267, 1796645274, 1796645274, false },
                { "slow", 1004, "", STORE_ALERT_PENDING, 1796645267, 0, 0, false },
                { "srm", 1003, "", STORE_ALERT_FIRING, 1796645267, 1796645267, 1796645267, false },
                { "winner", 1001, "1", STORE_ALERT_FIRING, 1796645267, 1796645267, 1796645267, false },
        };
        struct alerts_read got = { 0 };
        char salt[STORE_SALT_SIZE];
        uint64_t generation = 0;

        cr_assert_eq(store_alerts_each(s, collect_alert, &got), 0);
        cr_assert_eq(got.n, N_ELEMENTS(want));
        for (size_t i = 0; i < got.n; i++)
                expect_alert(&got.rows[i], &want[i]);
        alerts_read_clear(&got);

        /* The event ids go on where 0.1.0 left them: nothing sent is sent
         * again under another id. */
        cr_assert_eq(store_salt_get(s, salt), 0);
        cr_expect_str_eq(salt, "41dbfbad6084337d64e0ae25ca2e4b93");
        cr_assert_eq(store_generation_get(s, &generation), 0);
        cr_expect_eq(generation, 4);
}

static void expect_actions(struct store *s)
{
        struct actions_read got = { 0 };
        bool circuit_open = true;

        cr_assert_eq(store_actions_each(s, collect_action, &got), 0);
        cr_assert_eq(got.n, 2, "the two entries and no new one");
        /* intended_at order */
        cr_expect_str_eq(got.rows[0].rule, "harm");
        cr_expect_eq(got.rows[0].experiment_id, 1002);
        cr_expect_eq(got.rows[0].action, RULE_ACTION_PAUSE);
        cr_expect_null(got.rows[0].variant_id);
        cr_expect_eq(got.rows[0].traffic_allocation, 100);
        cr_expect_eq(got.rows[0].state, STORE_ACTION_DONE);
        cr_expect_eq(got.rows[0].attempts, 1);
        cr_expect_eq(got.rows[0].intended_at, 1796645267);
        cr_expect_eq(got.rows[0].finished_at, 1796645267);
        cr_expect_eq(got.rows[0].http_status, 200);
        cr_expect_null(got.rows[0].error);

        cr_expect_str_eq(got.rows[1].rule, "ship");
        cr_expect_eq(got.rows[1].experiment_id, 1001);
        cr_expect_eq(got.rows[1].action, RULE_ACTION_SERVE_WINNER);
        expect_str_or_null(got.rows[1].variant_id, "1", "serve-winner's variant");
        cr_expect_eq(got.rows[1].traffic_allocation, 50);
        cr_expect_eq(got.rows[1].state, STORE_ACTION_INTENDED);
        cr_expect_eq(got.rows[1].attempts, 1);
        cr_expect_eq(got.rows[1].intended_at, 1796645274);
        cr_expect_eq(got.rows[1].finished_at, 0);
        cr_expect_eq(got.rows[1].http_status, 0);
        cr_expect_null(got.rows[1].error);
        actions_read_clear(&got);

        cr_assert_eq(store_actions_circuit_open_get(s, &circuit_open), 0);
        cr_expect_not(circuit_open);
        cr_expect_eq(store_query_int(s, "SELECT count(*) FROM meta WHERE key = '" STORE_META_CIRCUIT_OPEN "'"), 1,
                     "the flag is written, not just absent");
}

static void expect_health(struct store *s)
{
        struct health_read got = { 0 };

        cr_assert_eq(store_health_each(s, collect_health, &got), 0);
        cr_assert_eq(got.n, 1);
        cr_expect_eq(got.rows[0].condition, STORE_HEALTH_DELIVERY_FAILING);
        cr_expect_str_eq(got.rows[0].subject, "pager");
        cr_expect_null(got.rows[0].name);
        expect_str_or_null(got.rows[0].detail, "HTTP 503", "detail");
        cr_expect_eq(got.rows[0].since, 1796645267);
        cr_expect_eq(got.rows[0].alerted_at, 1796645269);
        cr_expect_eq(got.rows[0].last_notified, 1796645269);
        health_read_clear(&got);
}

static void expect_outbox(struct store *s)
{
        struct deliveries_read got = { 0 };
        char *body = fixture_body();

        cr_assert_eq(store_deliveries_each(s, collect_delivery, &got), 0);
        cr_assert_eq(got.n, 1);
        cr_expect_str_eq(got.rows[0].id, EVENT_ID, "its original id");
        cr_expect_str_eq(got.rows[0].notifier, "pager");
        cr_expect_eq(got.rows[0].attempts, 4);
        expect_str_or_null(got.rows[0].last_error, "HTTP 503", "last_error");
        cr_expect_eq(got.rows[0].created_at_usec, 1796645267307917ULL);
        cr_expect_eq(got.rows[0].next_attempt_at_usec, 1796645280009210ULL);
        cr_assert_eq(strlen(got.rows[0].body), strlen(body));
        cr_expect_eq(memcmp(got.rows[0].body, body, strlen(body)), 0, "the body, byte for byte");
        free(body);
        deliveries_read_clear(&got);
}

static void expect_marker(struct store *s, const char *want)
{
        char *value = NULL;

        cr_assert_eq(store_meta_get(s, STORE_META_IMPORTED, &value), 0);
        expect_str_or_null(value, want, "the import marker");
        free(value);
}

static const char *const old_files[] = { "state.json", "alerts.json", "health.json", "actions.json", "outbox" };

/* ---- the tests ---- */

Test(upgrade, imports_every_file_of_0_1_0)
{
        struct store *s = open_store(0);
        int64_t t0 = time(NULL), t1;

        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        t1 = time(NULL);
        store_close(s);

        s = open_store(STORE_READ_ONLY);   /* what was committed */
        expect_watchlist(s, t0, t1);
        expect_alerts(s);
        expect_actions(s);
        expect_health(s);
        expect_outbox(s);
        expect_marker(s, "0.1.0");
        store_close(s);

        /* The import reads; only upgrade_move_imported moves. */
        for (size_t i = 0; i < N_ELEMENTS(old_files); i++)
                cr_expect(exists(old_files[i]), "%s", old_files[i]);
        cr_expect(exists(OUTBOX_FILE));
        cr_expect_not(exists(UPGRADE_IMPORTED_DIR));
        cr_expect_eq(count_matching("*.corrupt-*"), 0);
}

Test(upgrade, a_second_import_changes_nothing)
{
        struct store *s = open_store(0);
        long long counts[N_ELEMENTS(tables)];
        int changes;

        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        for (size_t i = 0; i < N_ELEMENTS(tables); i++)
                counts[i] = count_rows(s, tables[i]);
        cr_expect_eq(counts[0], 4);
        cr_expect_eq(counts[5], 1);

        /* Even with the files changed since: they are not read again. */
        write_file("alerts.json", "{\"version\":1,\"alerts\":[],\"generation\":99,\"salt\":\"00\"}");
        changes = sqlite3_total_changes(store_db(s));
        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        cr_expect_eq(sqlite3_total_changes(store_db(s)), changes, "not a row written");
        store_close(s);

        s = open_store(0);
        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1, "also on a new connection");
        for (size_t i = 0; i < N_ELEMENTS(tables); i++)
                cr_expect_eq(count_rows(s, tables[i]), counts[i], "%s", tables[i]);
        expect_alerts(s);
        expect_outbox(s);
        store_close(s);
}

Test(upgrade, move_keeps_the_files_in_imported)
{
        struct store *s = open_store(0);
        char path[512];
        struct stat st;

        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        cr_assert_eq(upgrade_move_imported(store_dir), 5);
        for (size_t i = 0; i < N_ELEMENTS(old_files); i++) {
                snprintf(path, sizeof(path), "%s/%s", UPGRADE_IMPORTED_DIR, old_files[i]);
                cr_expect_not(exists(old_files[i]), "%s", old_files[i]);
                cr_expect(exists(path), "%s", path);
        }
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/" OUTBOX_FILE));
        snprintf(path, sizeof(path), "%s/%s", store_dir, UPGRADE_IMPORTED_DIR);
        cr_assert_eq(stat(path, &st), 0);
        cr_expect(S_ISDIR(st.st_mode));
        cr_expect_eq(st.st_mode & 07777, 0700);
        /* What is not 0.1.0's state stays. */
        cr_expect(exists(".lock"));
        cr_expect(exists("mida-monitor.conf"));
        cr_expect(exists(STORE_FILE));

        /* Again: nothing left to move, nothing to import. */
        cr_expect_eq(upgrade_move_imported(store_dir), 0);
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/state.json"));
        cr_expect_not(exists(UPGRADE_IMPORTED_DIR "/state.json.1"));
        cr_expect_eq(upgrade_import_0_1_0(store_dir, s), 0);
        expect_outbox(s);
        store_close(s);
}

Test(upgrade, move_never_replaces_what_is_in_imported)
{
        char path[512], *text;

        make_dir(UPGRADE_IMPORTED_DIR);
        write_file(UPGRADE_IMPORTED_DIR "/state.json", "earlier");
        make_dir(UPGRADE_IMPORTED_DIR "/outbox");   /* empty: rename(2) would replace it */

        cr_assert_eq(upgrade_move_imported(store_dir), 5);
        snprintf(path, sizeof(path), "%s/%s/state.json", store_dir, UPGRADE_IMPORTED_DIR);
        text = read_text(path);
        cr_expect_str_eq(text, "earlier");
        free(text);
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/state.json.1"));
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/outbox.1/pager." EVENT_ID ".json"));
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/alerts.json"));
        cr_expect_not(exists("state.json"));
        cr_expect_not(exists("outbox"));
}

/* A crash between the commit and the move, or halfway through the move:
 * the next start imports nothing and finishes the move. */
Test(upgrade, a_crash_before_the_move_is_finished_next_time)
{
        struct store *s = open_store(0);
        char from[512], to[512];
        int changes;

        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        store_close(s);
        make_dir(UPGRADE_IMPORTED_DIR);
        snprintf(from, sizeof(from), "%s/state.json", store_dir);
        snprintf(to, sizeof(to), "%s/%s/state.json", store_dir, UPGRADE_IMPORTED_DIR);
        cr_assert_eq(rename(from, to), 0);

        s = open_store(0);
        changes = sqlite3_total_changes(store_db(s));
        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        cr_expect_eq(sqlite3_total_changes(store_db(s)), changes);
        cr_assert_eq(upgrade_move_imported(store_dir), 4);
        for (size_t i = 0; i < N_ELEMENTS(old_files); i++)
                cr_expect_not(exists(old_files[i]), "%s", old_files[i]);
        cr_expect_not(exists(UPGRADE_IMPORTED_DIR "/state.json.1"));
        expect_alerts(s);
        expect_outbox(s);
        store_close(s);
}

Test(upgrade, a_corrupt_file_does_not_stop_the_others)
{
        struct store *s = open_store(0);
        char salt[STORE_SALT_SIZE], *log = NULL;
        uint64_t generation = 99;

        write_file("alerts.json", "{\"version\":1,\"alerts\":[{\"rule\":");
        cr_assert_eq(import_logged(s, &log), 1);
        cr_expect_not_null(strstr(log, "alerts.json"), "log: %s", log);
        cr_expect_not_null(strstr(log, "corrupt"), "log: %s", log);
        cr_expect_not_null(strstr(log, "imported without it"), "log: %s", log);
        free(log);

        cr_expect_eq(count_rows(s, "alerts"), 0);
        cr_assert_eq(store_salt_get(s, salt), 0);
        cr_expect_str_eq(salt, "", "no salt: the daemon picks one");
        cr_assert_eq(store_generation_get(s, &generation), 0);
        cr_expect_eq(generation, 0);
        expect_watchlist(s, 0, INT64_MAX);
        expect_actions(s);
        expect_health(s);
        expect_outbox(s);
        expect_marker(s, "0.1.0");

        /* Set aside by 0.1.0's reader, and left there by the move. */
        cr_expect_not(exists("alerts.json"));
        cr_expect_eq(count_matching("alerts.json.corrupt-*"), 1);
        cr_expect_eq(upgrade_move_imported(store_dir), 4);
        cr_expect_eq(count_matching("alerts.json.corrupt-*"), 1);
        cr_expect_eq(count_matching(UPGRADE_IMPORTED_DIR "/*"), 4);
        store_close(s);
}

Test(upgrade, the_outbox_in_created_order_without_failed_or_bad_files)
{
        static const char earlier[] =
                "{\"version\":1,\"id\":\"evt_early\",\"notifier\":\"slack\",\"created_at\":1796645200000000,"
                "\"attempts\":0,\"next_attempt_at\":1796645200000000,\"last_error\":null,\"body\":\"{\\\"a\\\":1}\"}";
        static const char given_up[] =
                "{\"version\":1,\"id\":\"evt_gone\",\"notifier\":\"pager\",\"created_at\":1796645100000000,"
                "\"attempts\":9,\"next_attempt_at\":0,\"last_error\":\"HTTP 410\",\"body\":\"{}\"}";
        struct deliveries_read got = { 0 };
        struct store *s = open_store(0);
        char *log = NULL;

        write_file("outbox/slack.evt_early.json", earlier);
        write_file("outbox/pager.evt_bad.json", "not json");
        make_dir("outbox/failed");
        write_file("outbox/failed/pager.evt_gone.json", given_up);

        cr_assert_eq(import_logged(s, &log), 1);
        cr_expect_not_null(strstr(log, "pager.evt_bad.json"), "log: %s", log);
        free(log);
        cr_assert_eq(store_deliveries_each(s, collect_delivery, &got), 0);
        cr_assert_eq(got.n, 2, "given up (failed/) and invalid ones are not queued");
        cr_expect_str_eq(got.rows[0].id, "evt_early");
        cr_expect_str_eq(got.rows[0].notifier, "slack");
        cr_expect_str_eq(got.rows[0].body, "{\"a\":1}");
        cr_expect_null(got.rows[0].last_error);
        cr_expect_eq(got.rows[0].attempts, 0);
        cr_expect_str_eq(got.rows[1].id, EVENT_ID);
        deliveries_read_clear(&got);

        /* The bad file is left as it was, and moves with outbox/. */
        cr_expect(exists("outbox/pager.evt_bad.json"));
        cr_expect_eq(upgrade_move_imported(store_dir), 5);
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/outbox/pager.evt_bad.json"));
        cr_expect(exists(UPGRADE_IMPORTED_DIR "/outbox/failed/pager.evt_gone.json"));
        store_close(s);
}

Test(upgrade, a_read_only_store_writes_nothing)
{
        struct store *s = open_store(0);
        char *log = NULL;

        store_close(s);   /* created, empty */
        write_file("alerts.json", "garbage");
        s = open_store(STORE_READ_ONLY);
        cr_expect_eq(import_logged(s, &log), -EROFS);
        cr_expect_not_null(strstr(log, "nothing imported"), "log: %s", log);
        cr_expect_null(strstr(log, "not an error"), "SQLite's reason, not the ROLLBACK's: %s", log);
        free(log);
        store_close(s);

        s = open_store(0);
        expect_empty_store(s);
        store_close(s);
        /* Not even the corrupt file was set aside: nothing was read. */
        cr_expect(exists("alerts.json"));
        cr_expect_eq(count_matching("*.corrupt-*"), 0);
        for (size_t i = 0; i < N_ELEMENTS(old_files); i++)
                cr_expect(exists(old_files[i]), "%s", old_files[i]);
}

/* A write that fails halfway (here the health rows, after the watch list,
 * alerts and ledger): rolled back whole, and the next try imports all. */
Test(upgrade, a_failing_write_imports_nothing)
{
        struct store *s = open_store(0);
        char *log = NULL;

        store_exec_sql(s, "CREATE TRIGGER refuse BEFORE INSERT ON health BEGIN SELECT RAISE(ABORT, 'refused'); END");
        cr_expect_lt(import_logged(s, &log), 0);
        cr_expect_not_null(strstr(log, "nothing imported"), "log: %s", log);
        cr_expect_not_null(strstr(log, "refused"), "SQLite's reason: %s", log);
        free(log);
        expect_empty_store(s);
        cr_expect(sqlite3_get_autocommit(store_db(s)), "no transaction left open");
        for (size_t i = 0; i < N_ELEMENTS(old_files); i++)
                cr_expect(exists(old_files[i]), "%s", old_files[i]);

        store_exec_sql(s, "DROP TRIGGER refuse");
        cr_assert_eq(upgrade_import_0_1_0(store_dir, s), 1);
        expect_alerts(s);
        expect_health(s);
        expect_outbox(s);
        store_close(s);
}

Test(upgrade, nothing_to_import)
{
        struct store *s;

        for (size_t i = 0; i < N_ELEMENTS(old_files); i++) {
                char cmd[600];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", store_dir, old_files[i]);
                cr_assert_eq(system(cmd), 0);
        }
        s = open_store(0);
        cr_expect_eq(upgrade_import_0_1_0(store_dir, s), 0);
        expect_empty_store(s);
        cr_expect_eq(upgrade_move_imported(store_dir), 0);
        cr_expect_not(exists(UPGRADE_IMPORTED_DIR), "not made for nothing");
        store_close(s);
}
