/* util/block_pool: blocks of any size, aligned, reusable, and independent
 * of each other. */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/block_pool.h"

Test(block_pool, blocks_are_aligned_sized_and_apart)
{
        enum { N = 3000 };
        static unsigned char *blocks[N];

        for (size_t i = 0; i < N; i++) {
                size_t size = i % 700;   /* 0 .. 699, and a few large below */
                cr_assert_not_null(blocks[i] = block_alloc(size));
                cr_expect_eq((uintptr_t) blocks[i] % alignof(max_align_t), 0);
                cr_expect_geq(block_size(blocks[i]), size);
                memset(blocks[i], (int) (i & 0xff), size);
        }
        for (size_t i = 0; i < N; i++)
                for (size_t k = 0; k < i % 700; k++)
                        if (blocks[i][k] != (unsigned char) (i & 0xff))
                                cr_assert_fail("block %zu overwritten at %zu", i, k);
        for (size_t i = 0; i < N; i++)
                block_free(blocks[i]);
}

Test(block_pool, a_freed_block_is_reused_by_its_class)
{
        void *keep = block_alloc(10), *a = block_alloc(300), *b;

        block_free(a);
        b = block_alloc(290);
        cr_expect_eq(b, a, "the same class: the freed block");
        block_free(b);
        block_free(keep);
        block_free(NULL);
}

Test(block_pool, large_blocks_come_from_malloc)
{
        unsigned char *big = block_alloc(100000);

        cr_assert_not_null(big);
        cr_expect_geq(block_size(big), 100000);
        memset(big, 7, 100000);
        block_free(big);
}
