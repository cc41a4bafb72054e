/* One successful result response applied to a watched experiment: parse,
 * analyse with its sequential state, remember the analysis, and log what
 * changed. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "config/statistics_settings.h"
#include "store/watchlist.h"

/* Hours since the experiment's visitor count last changed, as the rules'
 * hours_since_new_visitor; NaN when never polled. */
double experiment_hours_since_new_visitor(const struct watched_experiment *e, int64_t now);

/* Returns 0, or -EINVAL with a one-line reason in err (malformed body),
 * or -ENOMEM. On a malformed body e is unchanged; after -ENOMEM its
 * sequential state may be partly brought to this result (as analysis_run
 * leaves it). */
int experiment_update(struct watched_experiment *e, const char *body, size_t len,
                      const struct statistics_settings *settings, int64_t now,
                      char *err, size_t err_size);
