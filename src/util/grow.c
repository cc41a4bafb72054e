#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

void *grow_array(void *items, size_t *cap, size_t n, size_t item_size)
{
        size_t new_cap;
        void *grown;

        if (n < *cap)
                return items;
        new_cap = *cap ? 2 * *cap : 8;
        if (new_cap > SIZE_MAX / item_size)
                return NULL;
        grown = realloc(items, new_cap * item_size);
        if (grown)
                *cap = new_cap;
        return grown;
}

int grow_bytes(char **data, size_t *cap, size_t need, size_t initial)
{
        size_t new_cap = *cap ? *cap : initial;
        char *grown;

        if (need <= *cap)
                return 0;
        while (new_cap < need)
                new_cap *= 2;
        grown = realloc(*data, new_cap);
        if (!grown)
                return -ENOMEM;
        *data = grown;
        *cap = new_cap;
        return 0;
}
