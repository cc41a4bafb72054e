/* Retry timing shared by API polling and notification delivery:
 * exponential backoff with "full jitter" between half and the whole step,
 * never shorter than a server's Retry-After. */
#pragma once
#include <stdint.h>

struct backoff_policy {
        uint64_t initial_usec;   /* first retry delay */
        uint64_t max_usec;       /* cap on the delay */
};

/* Delay before retry number `attempt` (0 = first retry). `random` is any
 * uniformly distributed 64-bit value (the caller owns the randomness so that
 * tests are deterministic). retry_after_seconds < 0 means "not given". */
uint64_t backoff_delay(const struct backoff_policy *p, unsigned attempt,
                       uint64_t random, long retry_after_seconds);

/* The next value of a splitmix64 sequence kept in *state (seed it once,
 * e.g. from getrandom): jitter only needs to be spread out, not secret. */
uint64_t backoff_random(uint64_t *state);
