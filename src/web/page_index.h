/* The page at /: the monitor's health line and last cycle, one row per
 * watched experiment with its variants' figures and alert states, then the
 * firing alerts, the silences, the last actions and the pending
 * deliveries — what `status` prints, from the same status read. Pure.
 *
 * What a browser test can rely on:
 *   #health[data-health="ok"|"degraded"|"unknown"], its conditions as
 *     li[data-condition]
 *   #last-cycle
 *   table#experiments: tbody > tr[data-experiment="ID"], one per watched
 *     experiment, with a.experiment-link to /experiment/ID, td.visitors,
 *     li.variant[data-variant="V"] per variant, and span.alert[data-state=
 *     "firing"|"pending"][data-rule] (.held when its message is held back),
 *     span.silenced per silence in force on it
 *   #dropped (experiments no longer watched), #alerts (tr.alert per firing
 *   alert), #silences (tr.silence), #actions (tr.action), #deliveries */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "report/status_report.h"
#include "store/experiments.h"
#include "store/watchlist.h"

struct page_index_input {
        const struct watchlist *watchlist;    /* each analysis as restored_analysis text */
        const struct daemon_summary *summary;
        const struct status_report *report;
        int64_t now;                          /* wall clock: which silences are in force */
};

/* The page (malloc'd, *len set), or NULL when out of memory. */
char *page_index(const struct page_index_input *in, size_t *len);
