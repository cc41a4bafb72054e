/* An analysis as a table for people (analyze, once). */
#pragma once
#include <stdio.h>

struct experiment_analysis;

/* One line per variant, "—" for null figures, then the reasons. Writes
 * only to out. */
void analysis_print_table(FILE *out, const struct experiment_analysis *a);
