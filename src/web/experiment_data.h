/* What /experiment/ID and /api/v1/experiment/ID show, read from state.db
 * in one read transaction: the recorded polls as a history series with
 * their analyses (report/history_read.h, exactly as `history` reads them)
 * and the daemon's last analysis (as `status` shows it),
 * and the experiment's events — alerts fired and resolved (the alert log)
 * and actions (the ledger) — in time order. */
#pragma once
#include <stddef.h>

#include "config/statistics_settings.h"
#include "page_experiment.h"
#include "report/history_series.h"

struct store;

struct experiment_data {
        struct history_series series;
        struct experiment_analysis *analyses;   /* one per poll */
        char *analysis;                         /* the daemon's last (analyze --json text), or NULL */
        struct page_event *events;              /* strings owned */
        size_t n_events, cap_events;
};

/* Fills *d (empty on entry; clear it also on failure). Returns 1, 0 when
 * the experiment has no recorded poll (unknown), or -errno. */
int experiment_data_read(struct store *store, const struct statistics_settings *settings, long long id,
                         struct experiment_data *d);
void experiment_data_clear(struct experiment_data *d);
