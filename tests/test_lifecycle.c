/* Lifecycle changes between two experiment lists (pure): started,
 * stopped, concluded, disappeared; nothing for what did not change. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "daemon/lifecycle_changes.h"

#define S(id, status, completed) { (id), "x", (status), (completed) }

static long changes(const struct listed_state *before, size_t nb, const struct listed_state *now, size_t nn,
                    struct lifecycle_change **out)
{
        long n = lifecycle_changes(before, nb, now, nn, out);

        cr_assert_geq(n, 0);
        return n;
}

Test(lifecycle, each_kind_of_change_once)
{
        const struct listed_state before[] = {
                S(1, 1, false),   /* stays live */
                S(2, 1, false),   /* paused */
                S(3, 0, false),   /* resumed */
                S(4, 0, false),   /* concluded */
                S(5, 1, false),   /* deleted */
                S(6, 9, false),   /* draft, still draft */
                S(7, 1, false),   /* paused and concluded at once */
        };
        const struct listed_state now[] = {
                S(8, 1, false),   /* new and live */
                S(9, 9, false),   /* new draft: nothing */
                S(1, 1, false), S(2, 0, false), S(3, 1, false), S(4, 0, true), S(6, 9, false), S(7, 0, true),
        };
        struct lifecycle_change *c = NULL;
        long n = changes(before, 7, now, 8, &c);

        cr_assert_eq(n, 7);
        cr_expect_eq(c[0].event, LIFECYCLE_STARTED);
        cr_expect_eq(c[0].now->id, 8);
        cr_expect_null(c[0].before);
        cr_expect_eq(c[1].event, LIFECYCLE_STOPPED);
        cr_expect_eq(c[1].now->id, 2);
        cr_expect_eq(c[2].event, LIFECYCLE_STARTED);
        cr_expect_eq(c[2].now->id, 3);
        cr_expect_eq(c[2].before->status, 0, "resumed");
        cr_expect_eq(c[3].event, LIFECYCLE_CONCLUDED);
        cr_expect_eq(c[3].now->id, 4);
        cr_expect_eq(c[4].event, LIFECYCLE_STOPPED);
        cr_expect_eq(c[4].now->id, 7);
        cr_expect_eq(c[5].event, LIFECYCLE_CONCLUDED);
        cr_expect_eq(c[5].now->id, 7);
        cr_expect_eq(c[6].event, LIFECYCLE_DISAPPEARED);
        cr_expect_eq(c[6].before->id, 5);
        free(c);
}

Test(lifecycle, disappeared_last_and_nothing_for_the_same_list)
{
        const struct listed_state before[] = { S(1, 1, false), S(5, 1, false), S(9, 0, true) };
        const struct listed_state now[] = { S(1, 1, false) };
        struct lifecycle_change *c = NULL;
        long n = changes(before, 3, now, 1, &c);

        cr_assert_eq(n, 2);
        cr_expect_eq(c[0].event, LIFECYCLE_DISAPPEARED);
        cr_expect_eq(c[0].before->id, 5);
        cr_expect_null(c[0].now);
        cr_expect_eq(c[1].before->id, 9);
        free(c);
        n = changes(before, 3, before, 3, &c);
        cr_expect_eq(n, 0, "the same list twice: no change");
        free(c);
        n = changes(NULL, 0, NULL, 0, &c);
        cr_expect_eq(n, 0);
        free(c);
}
