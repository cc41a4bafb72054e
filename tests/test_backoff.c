#include <criterion/criterion.h>
#include <stdint.h>

#include "mida/backoff.h"

static const struct backoff_policy policy = { .initial_usec = 1000000, .max_usec = 600000000 };

Test(backoff, doubles_each_attempt_within_jitter)
{
        for (unsigned attempt = 0; attempt < 8; attempt++) {
                uint64_t step = 1000000ULL << attempt;
                uint64_t lo = backoff_delay(&policy, attempt, 0, -1);
                uint64_t hi = backoff_delay(&policy, attempt, UINT64_MAX - 1, -1);
                cr_expect_eq(lo, step / 2, "attempt %u: lowest delay", attempt);
                cr_expect_leq(hi, step, "attempt %u: highest delay", attempt);
                cr_expect_geq(hi, step / 2);
        }
}

Test(backoff, capped_and_no_overflow)
{
        uint64_t d = backoff_delay(&policy, 200, 12345, -1);
        cr_expect_leq(d, policy.max_usec);
        cr_expect_geq(d, policy.max_usec / 2);
}

Test(backoff, retry_after_is_a_floor)
{
        cr_expect_eq(backoff_delay(&policy, 0, 0, 30), 30000000ULL);
        /* A Retry-After shorter than the schedule does not shorten it. */
        cr_expect_eq(backoff_delay(&policy, 6, 0, 1), 32000000ULL);
}
