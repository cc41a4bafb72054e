/* Health and metrics inside the daemon: what each cycle saw of the Mida
 * API, the state directory and the notifiers becomes observations for
 * health.c, whose transitions are journalled and queued in the outbox
 * like rule alerts; and after each cycle the metrics file is written.
 *
 * The health table of state.db keeps the conditions across restarts,
 * written in the store's group commit together with the outbox rows of
 * the notifications they cause. Only the daemon (MANAGER_DAEMON) does any
 * of this. */
#pragma once
#include <stdint.h>

#include "health.h"
#include "metrics.h"

struct alerting;
struct config;
struct daemon_summary;
struct health_daemon;
struct store_group;
struct watchlist;

/* What health reads of the daemon after a cycle, lent for one call. */
struct health_sources {
        const struct config *config;
        const struct watchlist *watch;
        const struct alerting *alerting;   /* the outbox, alert states, action ledger */
        const struct daemon_summary *summary;
};

/* Daemon start: loads the conditions from g's store (a row it cannot
 * read is logged and skipped; a store it cannot read, logged: it starts
 * without them), and writes them through g from then on. g must outlive
 * the health daemon. Returns 0, -EINVAL (no g) or -ENOMEM. */
int health_daemon_open(struct store_group *g, struct health_daemon **ret);
void health_daemon_close(struct health_daemon *h);

/* One request to the Mida API settled (after its retries): ok, or failed
 * with http_status (0: transport) and a message without secrets. h may be
 * NULL (`once`). */
void health_daemon_request(struct health_daemon *h, bool ok, int http_status, const char *error);
/* The state directory was written (r = 0) or not (-errno): the manager
 * reports its group commits here. A failure holds until the end of the
 * cycle: a later success in the same cycle does not undo it. */
void health_daemon_state_written(struct health_daemon *h, int r);
/* The cycle settled and state was saved: evaluate, journal, notify, write
 * the conditions into the open group (with the outbox rows of their
 * notifications: they commit together), write the metrics file. */
void health_daemon_cycle_finished(struct health_daemon *h, const struct health_sources *s);

/* The metrics of the daemon as it is now (pure but for reading s): fills
 * *in with arrays the caller frees with health_daemon_metrics_free. */
int health_daemon_metrics(const struct health_daemon *h, const struct health_sources *s,
                          struct metrics_input *in);
void health_daemon_metrics_free(struct metrics_input *in);
/* The same, formatted (metrics_format): what the metrics file gets, and
 * what the status page's /metrics serves. h may be NULL. Returns 0 with
 * *ret (malloc'd) and *ret_len, or -ENOMEM. */
int health_daemon_metrics_text(const struct health_daemon *h, const struct health_sources *s, char **ret,
                               size_t *ret_len);
