/* What `once` prints after its cycle: every watched experiment's analysis
 * as a table followed by the rules that hold, or as a JSON array of
 * `analyze --json` objects, each with a "rules_holding" array. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "store/watchlist.h"

struct config;

void once_output_print(FILE *out, const struct watchlist *w, const struct config *c, bool json);
