#include "outbox_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config/secret.h"
#include "mida/http.h"
#include "sim_harness.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "util/atomic_file.h"
#include "util/log.h"

struct fixture fx;
static struct simproc sim;

static void set_notifier(size_t i, const char *name, enum notifier_type type, const char *path)
{
        struct config_notifier *n = &fx.notifiers[i];

        snprintf(fx.urls[i], sizeof(fx.urls[i]), "http://127.0.0.1:%u%s", sim.port, path);
        *n = (struct config_notifier) { .name = (char *) name, .type = type, .url = fx.urls[i],
                                        .max_age_usec = 24ULL * 3600 * 1000000 };
}

void fixture_setup(void)
{
        const char *args[] = { "--scenario", src_path("sim/scenarios/demo"), "--speed", "0", NULL };

        sim_start(&sim, args);
        snprintf(fx.dir, sizeof(fx.dir), "/tmp/mida-outbox-test.XXXXXX");
        cr_assert_not_null(mkdtemp(fx.dir));
        cr_assert_geq(sd_event_new(&fx.loop), 0);
        fx.http = http_client_new(fx.loop, &(struct http_client_options) { .timeout_ms = 10000 });
        cr_assert_not_null(fx.http);
        set_notifier(NOTIFIER_OPS, "ops", NOTIFIER_WEBHOOK, "/hooks/ops");
        set_notifier(NOTIFIER_PLAIN, "plain", NOTIFIER_WEBHOOK, "/hooks/plain");
        set_notifier(NOTIFIER_GROWTH, "growth", NOTIFIER_SLACK, "/hooks/slack/growth");
        cr_assert_eq(secret_decode_whsec(FIXTURE_WHSEC, &fx.notifiers[NOTIFIER_OPS].secret,
                                         &fx.notifiers[NOTIFIER_OPS].secret_size), 0);
        fx.config = (struct config) { .notifiers = fx.notifiers, .n_notifiers = N_FIXTURE_NOTIFIERS };
}

void fixture_teardown(void)
{
        char cmd[512];

        if (fx.store)
                fixture_close();
        secret_free(fx.notifiers[NOTIFIER_OPS].secret, fx.notifiers[NOTIFIER_OPS].secret_size);
        http_client_free(fx.http);
        sd_event_unref(fx.loop);
        sim_stop(&sim);
        cr_expect_eq(check_failures, 0, "mida-sim did not exit cleanly");
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
        cr_expect_eq(system(cmd), 0);
}

static struct outbox *open_with(sd_event *group_event, unsigned initial_ms, unsigned max_ms)
{
        cr_assert_null(fx.store, "the fixture's outbox is open already");
        cr_assert_eq(store_open(fx.dir, 0, &fx.store), 0);
        cr_assert_eq(store_open(fx.dir, STORE_READ_ONLY, &fx.reader), 0);
        cr_assert_eq(store_group_new(fx.store, group_event, &fx.group), 0);
        cr_assert_eq(outbox_open(fx.group, fx.loop, fx.http, &fx.outbox), 0);
        outbox_set_backoff(fx.outbox, &(struct backoff_policy) { .initial_usec = initial_ms * 1000ULL,
                                                                 .max_usec = max_ms * 1000ULL });
        outbox_set_config(fx.outbox, &fx.config);
        return fx.outbox;
}

struct outbox *fixture_open(unsigned initial_ms, unsigned max_ms)
{
        return open_with(fx.loop, initial_ms, max_ms);
}

struct outbox *fixture_open_unwindowed(unsigned initial_ms, unsigned max_ms)
{
        return open_with(NULL, initial_ms, max_ms);
}

void fixture_close(void)
{
        /* The group first: its last commit still tells the outbox. */
        store_group_free(fx.group);
        outbox_free(fx.outbox);
        store_close(fx.reader);
        store_close(fx.store);
        fx.group = NULL;
        fx.outbox = NULL;
        fx.reader = fx.store = NULL;
}

void run_until_empty(struct outbox *o)
{
        while (outbox_pending(o) > 0)
                cr_assert_geq(sd_event_run(fx.loop, UINT64_MAX), 0);
}

void run_for_ms(unsigned ms)
{
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
                cr_assert_geq(sd_event_run(fx.loop, 10000), 0);
                clock_gettime(CLOCK_MONOTONIC, &now);
        } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

void run_until_committed(void)
{
        while (store_group_is_open(fx.group))
                cr_assert_geq(sd_event_run(fx.loop, UINT64_MAX), 0);
}

static size_t count_rows(struct store *s, const char *notifier)
{
        size_t n = 0;

        cr_assert_eq(store_deliveries_count(s, notifier, &n), 0);
        return n;
}

size_t rows_queued(const char *notifier)
{
        return count_rows(fx.store, notifier);
}

size_t rows_committed(const char *notifier)
{
        return count_rows(fx.reader, notifier);
}

const struct store_delivery *committed_row(struct deliveries_read *rows, const char *notifier, const char *id)
{
        deliveries_read_clear(rows);
        cr_assert_eq(store_deliveries_each(fx.reader, collect_delivery, rows), 0);
        for (size_t i = 0; i < rows->n; i++)
                if (strcmp(rows->rows[i].notifier, notifier) == 0 && strcmp(rows->rows[i].id, id) == 0)
                        return &rows->rows[i];
        return NULL;
}

void add_row(const struct store_delivery *d)
{
        cr_assert_eq(store_delivery_add(fx.store, d), 0);
}

void hook_fail(const char *name, int count, int status, int retry_after)
{
        char body[256];
        long code = 0;
        json_object *o;

        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"count\":%d,\"status\":%d,\"retry_after\":%d}",
                 name, count, status, retry_after);
        o = http_json(&sim, "POST", "/__hooks/fail", NULL, body, &code);
        cr_assert(code >= 200 && code < 300, "POST /__hooks/fail answered %ld", code);
        json_object_put(o);
}

json_object *hook_deliveries(const char *name)
{
        char path[128];
        long code = 0;
        json_object *o, *list;

        snprintf(path, sizeof(path), "/__hooks?name=%s", name);
        o = http_json(&sim, "GET", path, NULL, NULL, &code);
        cr_assert_eq(code, 200);
        list = json_object_get(jget(o, "deliveries"));
        json_object_put(o);
        cr_assert(json_object_is_type(list, json_type_array));
        return list;
}

size_t hook_count(const char *name)
{
        json_object *list = hook_deliveries(name);
        size_t n = json_object_array_length(list);

        json_object_put(list);
        return n;
}

const char *delivery_header(json_object *delivery, const char *name)
{
        json_object_object_foreach(jget(delivery, "headers"), key, value)
                if (strcasecmp(key, name) == 0)
                        return json_object_get_string(value);
        return NULL;
}

double delivery_time(json_object *delivery)
{
        const char *s = jstr(delivery, "received_at");
        struct tm tm = { 0 };
        const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        int ms = 0;

        cr_assert(rest && sscanf(rest, ".%3dZ", &ms) == 1, "received_at %s", s ? s : "(none)");
        return (double) timegm(&tm) + ms / 1000.0;
}

int delivery_status(json_object *delivery)
{
        return (int) jint(delivery, "status");
}

static struct {
        int saved_stderr;
        FILE *file;
        char path[300];
} capture = { .saved_stderr = -1 };

void log_capture_start(void)
{
        snprintf(capture.path, sizeof(capture.path), "%s.log", fx.dir);
        capture.file = fopen(capture.path, "w");
        cr_assert_not_null(capture.file);
        fflush(stderr);
        capture.saved_stderr = dup(STDERR_FILENO);
        cr_assert_geq(capture.saved_stderr, 0);
        cr_assert_geq(dup2(fileno(capture.file), STDERR_FILENO), 0);
        log_setup(LOG_TARGET_STDERR, LOG_DEBUG);
}

char *log_capture_end(void)
{
        char *text = NULL;
        size_t len = 0;

        fflush(stderr);
        dup2(capture.saved_stderr, STDERR_FILENO);
        close(capture.saved_stderr);
        capture.saved_stderr = -1;
        fclose(capture.file);
        log_setup(LOG_TARGET_AUTO, LOG_INFO);
        cr_assert_eq(read_file_limited(capture.path, 1 << 20, &text, &len), 0);
        unlink(capture.path);
        return text;
}
