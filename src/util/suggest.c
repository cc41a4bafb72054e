#include <stdlib.h>
#include <string.h>

#include "suggest.h"

static size_t min3(size_t a, size_t b, size_t c)
{
        size_t m = a < b ? a : b;
        return m < c ? m : c;
}

size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), result;
        /* One row of the dynamic-programming table is enough. */
        size_t *row = malloc((lb + 1) * sizeof(*row));

        if (!row)
                return (size_t) -1;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diagonal = row[0];

                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t above = row[j];

                        row[j] = min3(row[j] + 1, row[j - 1] + 1,
                                      diagonal + (a[i - 1] != b[j - 1]));
                        diagonal = above;
                }
        }
        result = row[lb];
        free(row);
        return result;
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
        size_t limit = (strlen(word) + 2) / 3, best_distance = (size_t) -1;
        const char *best = NULL;

        if (limit < 1)
                limit = 1;
        for (size_t i = 0; i < n; i++) {
                size_t d = edit_distance(word, candidates[i]);

                if (d < best_distance) {
                        best_distance = d;
                        best = candidates[i];
                }
        }
        return best_distance <= limit ? best : NULL;
}
