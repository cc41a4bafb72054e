#include "block_pool.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

enum {
        STEP = 64,
        CLASSES = 32,                /* up to 2 KiB */
        SLAB_SIZE = 64 * 1024,
        LARGE = CLASSES,             /* the class of a block from malloc */
};

/* Before each block: its class and usable size. */
struct header {
        alignas(max_align_t) size_t class_index;
        size_t size;
};

struct slab {
        struct slab *next;
        alignas(max_align_t) unsigned char space[];
};

struct free_block {
        struct free_block *next;
};

static struct {
        struct free_block *free[CLASSES];
        struct slab *slabs;
        unsigned char *top;          /* the unused end of the newest slab */
        size_t top_left;
        size_t live;                 /* blocks handed out and not freed */
} pool;

static void release_slabs(void)
{
        while (pool.slabs) {
                struct slab *next = pool.slabs->next;
                free(pool.slabs);
                pool.slabs = next;
        }
        for (size_t i = 0; i < CLASSES; i++)
                pool.free[i] = NULL;
        pool.top = NULL;
        pool.top_left = 0;
}

static struct header *carve(size_t bytes)
{
        struct header *h;

        if (pool.top_left < bytes) {
                struct slab *s = malloc(sizeof(*s) + SLAB_SIZE);
                if (!s)
                        return NULL;
                s->next = pool.slabs;
                pool.slabs = s;
                pool.top = s->space;
                pool.top_left = SLAB_SIZE;
        }
        h = (struct header *) pool.top;
        pool.top += bytes;
        pool.top_left -= bytes;
        return h;
}

static struct header *take(size_t class_index)
{
        size_t size = (class_index + 1) * STEP;
        struct header *h;

        if (pool.free[class_index]) {
                struct free_block *b = pool.free[class_index];
                pool.free[class_index] = b->next;
                return (struct header *) b - 1;
        }
        if ((h = carve(sizeof(*h) + size)))
                *h = (struct header) { .class_index = class_index, .size = size };
        return h;
}

void *block_alloc(size_t size)
{
        size_t class_index = size == 0 ? 0 : (size - 1) / STEP;
        struct header *h;

        if (class_index >= CLASSES) {
                if (size > SIZE_MAX - sizeof(*h) || !(h = malloc(sizeof(*h) + size)))
                        return NULL;
                *h = (struct header) { .class_index = LARGE, .size = size };
        } else if (!(h = take(class_index))) {
                return NULL;
        }
        pool.live++;
        return h + 1;
}

void block_free(void *block)
{
        struct header *h;
        struct free_block *b = block;

        if (!block)
                return;
        h = (struct header *) block - 1;
        if (h->class_index == LARGE) {
                free(h);
        } else {
                b->next = pool.free[h->class_index];
                pool.free[h->class_index] = b;
        }
        if (--pool.live == 0)
                release_slabs();
}

size_t block_size(const void *block)
{
        return ((const struct header *) block - 1)->size;
}
