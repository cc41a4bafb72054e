/* The experiments the daemon watches, each with what it remembers about it
 * between cycles (and across restarts, through state.db: experiments.h). */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct analysis_summary;
struct experiment_analysis;
struct sequential_state;

struct watched_experiment {
        long long id;
        char *name;
        bool active;                 /* in the watch set of the latest discovery */
        /* analysis.c's running min p / interval state; NULL when none. Kept
         * as a struct (rows of its own in state.db): a json-c tree per experiment
         * cost ~20 KiB each and most of a poll's CPU. */
        struct sequential_state *sequential;
        char *sequential_error;      /* why the stored state did not load; logged
                                      * (then cleared) by the next poll */
        /* The analysis of the poll being handled. `run` frees it once the
         * poll's hooks are done (watchlist_drop_current); `once` keeps it
         * for its output. */
        struct experiment_analysis *current;
        /* The figures of the last analysis, kept between polls; NULL until
         * polled since start. */
        struct analysis_summary *last;
        /* The last analysis as the store held it (`analyze --json` schema,
         * its JSON text), until the first poll since start replaces it with
         * current: what `status` and the metrics show for an experiment not
         * yet polled. Text, not a json-c tree: a tree per experiment held
         * ~15 KiB each for 10,000 experiments after every restart. */
        char *restored_analysis;
        int64_t polled_at;           /* wall clock (s) of the last successful poll */
        long long visitors;          /* at the last successful poll; -1 unknown */
        int64_t visitors_grew_at;    /* wall clock (s) visitors last went up (or were
                                      * first seen); 0 unknown: hours_since_new_visitor */
        /* Visitors a week before this poll, from the history, set before
         * the poll is analysed (-1: the history is younger than a week):
         * the recent traffic time to decision counts days with. */
        long long visitors_week_ago;
        unsigned failures;           /* consecutive failed polls */
        int last_http_status;        /* of the last failure; 0: transport error */
        char *last_error;            /* NULL while polls succeed */
        uint64_t retry_at_usec;      /* CLOCK_MONOTONIC: not polled before this */
        bool failure_logged;         /* one journal record per failing spell */
        bool seen;                   /* scratch: found by this cycle's discovery */
};

/* Kept sorted by id so that discovery over thousands of experiments stays
 * O(n log n); entries are separately allocated so pointers held by
 * in-flight requests stay valid while the array grows. */
struct watchlist {
        struct watched_experiment **items;
        size_t n, cap;
};

struct watched_experiment *watchlist_find(const struct watchlist *w, long long id);
/* Finds or adds; NULL only when out of memory. */
struct watched_experiment *watchlist_get(struct watchlist *w, long long id);
size_t watchlist_count_active(const struct watchlist *w);
void watchlist_set_name(struct watched_experiment *e, const char *name);
void watchlist_set_error(struct watched_experiment *e, const char *error);
/* Takes a (malloc'd, may be NULL) as the current analysis, freeing the one
 * it replaces and the analysis restored from the store, now stale (e->last
 * is the caller's: analysis_summary_update). */
void watchlist_set_current(struct watched_experiment *e, struct experiment_analysis *a);
/* Frees the current analysis; its summary stays. */
void watchlist_drop_current(struct watched_experiment *e);
/* Frees the sequential state and its load error. */
void watchlist_drop_sequential(struct watched_experiment *e);
void watchlist_clear(struct watchlist *w);
