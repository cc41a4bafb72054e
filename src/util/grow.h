/* Growing by doubling: the record arrays of the rules engine, and byte
 * buffers (HTTP bodies, the metrics text). */
#pragma once
#include <stddef.h>

/* Makes room for one more item in items (n used of *cap): returns the
 * array, moved or not (*cap updated), or NULL on ENOMEM with items and *cap
 * unchanged. */
void *grow_array(void *items, size_t *cap, size_t n, size_t item_size);

/* Makes *data (*cap bytes) hold at least need bytes, doubling from
 * initial (> 0) so that appending stays linear. Returns 0, or -ENOMEM with
 * *data and *cap unchanged. */
int grow_bytes(char **data, size_t *cap, size_t need, size_t initial);
