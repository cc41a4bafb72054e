/* What `once` prints after its cycle: every watched experiment's analysis
 * as a table, or as a JSON array of `analyze --json` objects. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "watchlist.h"

void once_output_print(FILE *out, const struct watchlist *w, bool json);
