#include "outbox_fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mida/http.h"
#include "config/secret.h"
#include "sim_harness.h"

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
        strcat(fx.dir, "/outbox");   /* outbox_open creates it */
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

        secret_free(fx.notifiers[NOTIFIER_OPS].secret, fx.notifiers[NOTIFIER_OPS].secret_size);
        http_client_free(fx.http);
        sd_event_unref(fx.loop);
        sim_stop(&sim);
        cr_expect_eq(check_failures, 0, "mida-sim did not exit cleanly");
        *strrchr(fx.dir, '/') = '\0';
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
        cr_expect_eq(system(cmd), 0);
}

struct outbox *fixture_open(unsigned initial_ms, unsigned max_ms)
{
        struct outbox *o = NULL;

        cr_assert_eq(outbox_open(fx.dir, fx.loop, fx.http, &o), 0);
        outbox_set_backoff(o, &(struct backoff_policy) { .initial_usec = initial_ms * 1000ULL,
                                                         .max_usec = max_ms * 1000ULL });
        outbox_set_config(o, &fx.config);
        return o;
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

bool file_exists(const char *dir, const char *name)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return access(path, F_OK) == 0;
}

json_object *read_json_file(const char *dir, const char *name)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return json_object_from_file(path);
}

size_t count_files(const char *dir, const char *part)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t n = 0;

        while (d && (e = readdir(d)))
                if (strstr(e->d_name, part))
                        n++;
        if (d)
                closedir(d);
        return n;
}
