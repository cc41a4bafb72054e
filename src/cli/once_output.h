/* What `once` prints: every watched experiment's analysis as a table
 * followed by the rules that hold, after the cycle (in experiment id order,
 * with those whose poll failed); or, with --json, `analyze --json` objects
 * with a "rules_holding" array, printed as each result arrives (in that
 * order) and then dropped, so that memory does not grow with the number of
 * experiments: one JSON array, or one object per line (--json-lines). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "store/watchlist.h"

struct config;
struct silences;

/* silences: those the state directory holds (NULL: none), to say which
 * alert a silence would hold back. */
void once_output_print(FILE *out, const struct watchlist *w, const struct config *c, const struct silences *silences);

struct once_stream {
        FILE *out;
        bool lines;                  /* --json-lines */
        size_t printed;
        const struct silences *silences;   /* as for once_output_print */
};

/* Prints e's analysis (if it has one) and drops it and its sequential state. */
void once_stream_experiment(struct once_stream *s, struct watched_experiment *e, const struct config *c);
/* Ends the array ("[]" when nothing was printed); nothing for lines. */
void once_stream_finish(struct once_stream *s);
