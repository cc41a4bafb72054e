/* The page at /experiment/ID: the experiment's name and current figures, a
 * chart per non-control variant of its lift over time with the
 * always-valid interval (drawn by /static/app.js from the tables below,
 * with Chart.js), the events (alerts fired and resolved, actions), and the
 * table of its recorded polls, which works with JavaScript off. Pure.
 *
 * What app.js and a browser test rely on:
 *   h1#experiment[data-experiment="ID"]
 *   table#current-figures: tr.variant[data-variant="V"]
 *   figure.chart > canvas.lift-chart[data-variant="V"], one per non-control
 *     variant; app.js sets data-points (points drawn) on each and
 *     body[data-charts="ready"] when all are drawn ("unavailable" without
 *     Chart.js)
 *   ul#events > li.event[data-kind="fired"|"resolved"|"action"][data-at=
 *     UNIX][data-rule] (data-variant when the alert is a variant's)
 *   table#polls > tbody > tr.poll[data-t=UNIX][data-visitors]
 *     [data-conversions], one per recorded poll, oldest first, each with
 *     td.lift[data-variant="V"][data-lift][data-low][data-high] per
 *     non-control variant (fractions; "" where undefined), and the same
 *     figures as text */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/history_series.h"

enum page_event_kind { PAGE_EVENT_FIRED, PAGE_EVENT_RESOLVED, PAGE_EVENT_ACTION };

struct page_event {
        int64_t at;                   /* wall-clock seconds */
        enum page_event_kind kind;
        const char *rule;
        const char *variant_id;       /* NULL: the experiment as a whole */
        const char *outcome;          /* an action's ("paused"); NULL for an alert */
        bool held;                    /* an alert's message held back */
};

struct page_experiment_input {
        const struct history_series *series;          /* at least one poll */
        /* The daemon's last analysis as `status` shows it (analyze --json
         * text), for the current figures; NULL: the last poll's. */
        const char *analysis;
        const struct experiment_analysis *analyses;   /* one per poll */
        const struct page_event *events;              /* in time order */
        size_t n_events;
};

/* The page (malloc'd, *len set), or NULL when out of memory. */
char *page_experiment(const struct page_experiment_input *in, size_t *len);
