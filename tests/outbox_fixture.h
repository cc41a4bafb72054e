/* Fixture for the outbox tests: a real mida-sim (its webhook receiver), a
 * real sd-event loop with the real HTTP client, a temporary outbox
 * directory and a config with three notifiers pointing at the simulator. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "config/config.h"
#include "notify/outbox.h"

/* The signing secret of notifier "ops" (raw bytes are in the config). */
#define FIXTURE_WHSEC "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

enum { NOTIFIER_OPS, NOTIFIER_PLAIN, NOTIFIER_GROWTH, N_FIXTURE_NOTIFIERS };

struct fixture {
        sd_event *loop;
        struct http_client *http;
        char dir[256];                    /* the outbox directory */
        struct config config;             /* notifiers: ops (signed webhook), plain, growth (slack) */
        struct config_notifier notifiers[N_FIXTURE_NOTIFIERS];
        char urls[N_FIXTURE_NOTIFIERS][256];
};

extern struct fixture fx;

/* criterion .init / .fini */
void fixture_setup(void);
void fixture_teardown(void);

/* Opens the outbox on fx.dir with fx.config and retry delays of initial_ms
 * doubling up to max_ms. */
struct outbox *fixture_open(unsigned initial_ms, unsigned max_ms);
/* Runs the loop until nothing is pending (criterion's timeout catches a
 * hang), or for about `ms` milliseconds. */
void run_until_empty(struct outbox *o);
void run_for_ms(unsigned ms);

/* The simulator's receiver: the next `count` deliveries to hook `name`
 * fail with status (retry_after < 0: none). */
void hook_fail(const char *name, int count, int status, int retry_after);
/* The deliveries hook `name` received, in order (put the result). */
json_object *hook_deliveries(const char *name);
const char *delivery_header(json_object *delivery, const char *name);
/* received_at in seconds since the epoch (millisecond precision). */
double delivery_time(json_object *delivery);
int delivery_status(json_object *delivery);

/* dir/name exists; its text parsed (put it), NULL when missing. */
bool file_exists(const char *dir, const char *name);
json_object *read_json_file(const char *dir, const char *name);
/* Names in dir containing `part`. */
size_t count_files(const char *dir, const char *part);
