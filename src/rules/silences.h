/* Silences as the rules see them: which silence, if any, holds an alert
 * back now. The matching is pure (time is passed in); silences_load()
 * reads the ones not yet ended from state.db, where `mida-monitor silence`
 * writes them while the daemon runs. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

struct silence {
        long long id;
        long long experiment_id;   /* 0: any */
        char *rule;                /* NULL: any */
        char *variant_id;          /* NULL: any */
        int64_t starts_at, ends_at;   /* ends_at: the earlier of its end and its expiry */
        bool actions;              /* withholds actions too */
};

struct silences {
        struct silence *items;
        size_t n, cap;
};

void silences_clear(struct silences *s);

/* The first silence in force at now that matches the alert of rule on
 * experiment_id and variant_id ("" or NULL: experiment-level); with
 * for_actions, only one that withholds actions. NULL when none. */
const struct silence *silences_match(const struct silences *s, const char *rule, long long experiment_id,
                                     const char *variant_id, int64_t now, bool for_actions);

/* Replaces s by the silences of store not yet ended at now. 0 or -errno
 * (s is then left as it was). */
int silences_load(struct store *store, int64_t now, struct silences *s);
