/* Growing an array by doubling, for the small record arrays of the rules
 * engine. */
#pragma once
#include <stddef.h>

/* Makes room for one more item in items (n used of *cap): returns the
 * array, moved or not (*cap updated), or NULL on ENOMEM with items and *cap
 * unchanged. */
void *grow_array(void *items, size_t *cap, size_t n, size_t item_size);
