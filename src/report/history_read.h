/* One experiment's recorded polls from state.db as a history series
 * (history_series.h), its variants declared as the daemon's last analysis
 * listed them: `history` and the web page's charts. */
#pragma once
#include "config/statistics_settings.h"
#include "history_series.h"

struct store;

/* Reads experiment id's series into *s (initialised here; free it with
 * history_series_free also on failure). Returns the number of polls rows,
 * or -errno. */
int history_read(struct store *store, const struct statistics_settings *settings, long long id,
                 struct history_series *s);
/* The same, and *analysis (when not NULL) set to the daemon's last
 * analysis of the experiment as `status` shows it (analyze --json text,
 * malloc'd), or NULL when it has none: the web page's current figures. */
int history_read_analysis(struct store *store, const struct statistics_settings *settings, long long id,
                          struct history_series *s, char **analysis);
