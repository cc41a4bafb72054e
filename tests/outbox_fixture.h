/* Fixture for the outbox tests: a real mida-sim (its webhook receiver), a
 * real sd-event loop with the real HTTP client, a temporary state
 * directory whose state.db holds the outbox table, and a config with three
 * notifiers pointing at the simulator. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "config/config.h"
#include "notify/outbox.h"
#include "store_fixture.h"

/* The signing secret of notifier "ops" (raw bytes are in the config). */
#define FIXTURE_WHSEC "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

enum { NOTIFIER_OPS, NOTIFIER_PLAIN, NOTIFIER_GROWTH, N_FIXTURE_NOTIFIERS };

struct fixture {
        sd_event *loop;
        struct http_client *http;
        char dir[256];                    /* the state directory */
        struct config config;             /* notifiers: ops (signed webhook), plain, growth (slack) */
        struct config_notifier notifiers[N_FIXTURE_NOTIFIERS];
        char urls[N_FIXTURE_NOTIFIERS][256];
        /* Between fixture_open and fixture_close: */
        struct store *store;              /* state.db, read-write */
        struct store *reader;             /* a second connection: sees only what is committed */
        struct store_group *group;
        struct outbox *outbox;
};

extern struct fixture fx;

/* criterion .init / .fini (the fini closes what a failed test left open) */
void fixture_setup(void);
void fixture_teardown(void);

/* Opens state.db in fx.dir, a group whose window ends on fx.loop (100 ms)
 * and the outbox on it with fx.config and retry delays of initial_ms
 * doubling up to max_ms. */
struct outbox *fixture_open(unsigned initial_ms, unsigned max_ms);
/* The same with a group that commits only at store_group_flush(fx.group). */
struct outbox *fixture_open_unwindowed(unsigned initial_ms, unsigned max_ms);
/* A stop: the group commits what is open, then the outbox and state.db
 * close (a restart is fixture_close then fixture_open). */
void fixture_close(void);

/* Runs the loop until nothing is pending (criterion's timeout catches a
 * hang), or for about `ms` milliseconds, or until the open group (if
 * any) has committed. */
void run_until_empty(struct outbox *o);
void run_for_ms(unsigned ms);
void run_until_committed(void);

/* Rows of the outbox table for notifier (NULL: all): as the daemon's own
 * connection sees them (its open group included), and as committed. */
size_t rows_queued(const char *notifier);
size_t rows_committed(const char *notifier);
/* The committed row of notifier and id, copied into *rows (clear it with
 * deliveries_read_clear); NULL when there is none. */
const struct store_delivery *committed_row(struct deliveries_read *rows, const char *notifier, const char *id);
/* Adds a row behind the outbox's back (a row it did not load). */
void add_row(const struct store_delivery *d);

/* The simulator's receiver: the next `count` deliveries to hook `name`
 * fail with status (retry_after < 0: none). */
void hook_fail(const char *name, int count, int status, int retry_after);
/* The deliveries hook `name` received, in order (put the result), and
 * how many. */
json_object *hook_deliveries(const char *name);
size_t hook_count(const char *name);
const char *delivery_header(json_object *delivery, const char *name);
/* received_at in seconds since the epoch (millisecond precision). */
double delivery_time(json_object *delivery);
int delivery_status(json_object *delivery);

/* The log, at debug level, goes to a file from log_capture_start() until
 * log_capture_end(), which returns its text (free it). */
void log_capture_start(void);
char *log_capture_end(void);
