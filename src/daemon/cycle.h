/* One poll cycle: discover the experiments to watch, fetch each result
 * (spread over part of the interval, with per-experiment retries), hand
 * each to the analysis, and call back when everything has settled. */
#pragma once
#include <stdbool.h>

struct manager;
struct cycle;

typedef void (*cycle_done_fn)(struct manager *m);

/* Starts a cycle; NULL when nothing could be started (then the caller
 * treats the cycle as already done). `spread`: spread requests over
 * monitor.spread of the interval instead of sending them at once. */
struct cycle *cycle_start(struct manager *m, bool spread, cycle_done_fn done);
/* SIGTERM: start nothing new; the cycle ends when in-flight requests do. */
void cycle_stop_starting(struct cycle *c);
/* Abandons in-flight requests; the done callback is not called. */
void cycle_abort(struct cycle *c);
void cycle_free(struct cycle *c);
