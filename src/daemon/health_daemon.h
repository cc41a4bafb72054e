/* Health and metrics inside the daemon: what each cycle saw of the Mida
 * API, the state directory and the notifiers becomes observations for
 * health.c, whose transitions are journalled and queued in the outbox
 * like rule alerts; and after each cycle the metrics file is written.
 *
 * health.json in the state directory keeps the conditions across
 * restarts. Only the daemon (MANAGER_DAEMON) does any of this. */
#pragma once
#include <stdint.h>

#include "health.h"
#include "metrics.h"

struct manager;

/* Daemon start: loads health.json. Returns 0 or -ENOMEM. */
int health_daemon_open(struct manager *m);
void health_daemon_close(struct manager *m);

/* One request to the Mida API settled (after its retries): ok, or failed
 * with http_status (0: transport) and a message without secrets. */
void health_daemon_request(struct manager *m, bool ok, int http_status, const char *error);
/* The state directory was written (r = 0) or not (-errno). */
void health_daemon_state_written(struct manager *m, int r);
/* The cycle settled and state was saved: evaluate, journal, notify, save
 * health.json, write the metrics file. */
void health_daemon_cycle_finished(struct manager *m);

/* The metrics of the daemon as it is now (pure but for reading m): fills
 * *in with arrays the caller frees with health_daemon_metrics_free. */
int health_daemon_metrics(const struct manager *m, struct metrics_input *in);
void health_daemon_metrics_free(struct metrics_input *in);
