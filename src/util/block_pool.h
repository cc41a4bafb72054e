/* Long-lived blocks, by size class (64-byte steps up to 2 KiB) carved from
 * 64 KiB slabs; larger ones come from malloc.
 *
 * The daemon keeps one block per watched experiment for its whole life (the
 * last analysis's figures). From malloc they scattered over the pages each
 * cycle's transient memory (responses, JSON trees, analyses) had used, and
 * those pages stayed resident after the cycle: 1.4 MiB of 9.5 at 10,000
 * experiments. Here they sit side by side. Freed blocks are reused by their
 * class; the slabs are released when the last block is freed.
 * Not thread-safe: the daemon is one thread. */
#pragma once
#include <stddef.h>

/* At least size bytes, aligned for any type; NULL when out of memory. */
void *block_alloc(size_t size);
/* NULL is a no-op. */
void block_free(void *block);
/* How many bytes the block can hold (at least what was asked). */
size_t block_size(const void *block);
