/* Everything `status` shows (and the web page), read from state.db in one
 * snapshot: the watch list with each analysis recomputed, the daemon
 * summary, and the status report (health, alerts, silences, deliveries,
 * actions). */
#pragma once
#include "config/statistics_settings.h"
#include "status_report.h"
#include "store/experiments.h"
#include "store/watchlist.h"

struct store;

/* Fills w, s and report (empty on entry; the caller frees them, also on
 * failure). Returns 0, or -errno with *what naming the part that could
 * not be read ("the watch list"). */
int status_read(struct store *store, const struct statistics_settings *settings, struct watchlist *w,
                struct daemon_summary *s, struct status_report *report, const char **what);
