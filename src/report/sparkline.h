/* A series of numbers as one line of Unicode blocks (▁▂▃▄▅▆▇█), for the
 * lift of a variant over its recorded polls (`history`). Pure. */
#pragma once
#include <stddef.h>

/* Shown for a missing value (NaN or infinite): "·". */
#define SPARKLINE_MISSING "\xc2\xb7"

/* values[0..n) as at most width cells (width 0: one cell per value), each
 * cell a block scaled between the minimum and the maximum of the finite
 * values; a series whose finite values are all equal is drawn at mid
 * height (▄). When n > width, a cell stands for a stretch of consecutive
 * values and shows the last finite one of them (the figure at the end of
 * that stretch), or SPARKLINE_MISSING when it has none.
 * Returns a malloc'd UTF-8 string ("" for n == 0), or NULL when out of
 * memory. *min and *max, when not NULL, are set to the range drawn (NaN
 * when no value is finite). */
char *sparkline_render(const double *values, size_t n, size_t width, double *min, double *max);
