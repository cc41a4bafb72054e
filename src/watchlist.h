/* The experiments the daemon watches, each with what it remembers about it
 * between cycles (and across restarts, through state.c). */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct experiment_analysis;

struct watched_experiment {
        long long id;
        char *name;
        bool active;                 /* in the watch set of the latest discovery */
        json_object *sequential;     /* analysis.c's running min p / interval state */
        json_object *analysis;       /* the last analysis, `analyze --json` schema */
        struct experiment_analysis *current;   /* the same, as a struct; NULL until polled
                                                * since start (not persisted) */
        int64_t polled_at;           /* wall clock (s) of the last successful poll */
        long long visitors;          /* at the last successful poll; -1 unknown */
        int64_t visitors_grew_at;    /* wall clock (s) visitors last went up (or were
                                      * first seen); 0 unknown: hours_since_new_visitor */
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
void watchlist_clear(struct watchlist *w);
