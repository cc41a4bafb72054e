/* "Did you mean …?": the known name closest to a misspelt one. Used for
 * config keys and, later, for rule-expression variables. */
#pragma once
#include <stddef.h>

/* Levenshtein distance between a and b (insert, delete, substitute; each 1). */
size_t edit_distance(const char *a, const char *b);

/* Returns the candidate nearest to word by edit distance, or NULL when even
 * the nearest is too far to be a plausible typo (more than a third of the
 * word's length, and at least 1, rounded up). Ties go to the earlier
 * candidate. An exact match is returned as itself. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);
