/* Unicode block sparklines. */
#include "sparkline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* U+2581 … U+2588, three bytes each in UTF-8. */
static const char *const blocks[] = {
        "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
        "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
#define N_BLOCKS (sizeof(blocks) / sizeof(blocks[0]))
#define CELL_BYTES 3   /* the widest cell, a block */

/* The last finite value of values[from..to), or NaN. */
static double last_finite(const double *values, size_t from, size_t to)
{
        for (size_t i = to; i > from; i--)
                if (isfinite(values[i - 1]))
                        return values[i - 1];
        return NAN;
}

static const char *cell(double v, double lo, double hi)
{
        if (!isfinite(v))
                return SPARKLINE_MISSING;
        if (!(hi > lo))
                return blocks[N_BLOCKS / 2 - 1];
        double level = (v - lo) / (hi - lo) * (double) (N_BLOCKS - 1);
        long k = lround(level);
        return blocks[k < 0 ? 0 : k >= (long) N_BLOCKS ? N_BLOCKS - 1 : (size_t) k];
}

char *sparkline_render(const double *values, size_t n, size_t width, double *min, double *max)
{
        size_t cells = width == 0 || n < width ? n : width;
        double lo = NAN, hi = NAN;
        char *out, *p;

        for (size_t i = 0; i < n; i++)
                if (isfinite(values[i])) {
                        lo = isnan(lo) || values[i] < lo ? values[i] : lo;
                        hi = isnan(hi) || values[i] > hi ? values[i] : hi;
                }
        if (min)
                *min = lo;
        if (max)
                *max = hi;
        if (!(out = malloc(cells * CELL_BYTES + 1)))
                return NULL;
        p = out;
        for (size_t c = 0; c < cells; c++) {
                /* Cell c stands for values[from..to): the stretches differ
                 * by at most one value and cover the series exactly. */
                size_t from = c * n / cells, to = (c + 1) * n / cells;
                const char *s = cell(last_finite(values, from, to), lo, hi);
                size_t len = strlen(s);
                memcpy(p, s, len);
                p += len;
        }
        *p = '\0';
        return out;
}
