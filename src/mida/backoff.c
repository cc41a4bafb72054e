#include "backoff.h"

#define USEC_PER_SEC 1000000ULL

uint64_t backoff_delay(const struct backoff_policy *p, unsigned attempt,
                       uint64_t random, long retry_after_seconds)
{
        uint64_t step = p->initial_usec;
        uint64_t half, delay;

        /* Doubling stops at the cap so that large attempt numbers cannot overflow. */
        for (unsigned i = 0; i < attempt && step < p->max_usec; i++)
                step *= 2;
        if (step > p->max_usec)
                step = p->max_usec;
        /* Jitter in [step/2, step]: spreads retries of many clients without
         * ever retrying much sooner than the schedule says. */
        half = step / 2;
        delay = half + (half ? random % (half + 1) : 0);
        if (retry_after_seconds >= 0 && (uint64_t) retry_after_seconds * USEC_PER_SEC > delay)
                delay = (uint64_t) retry_after_seconds * USEC_PER_SEC;
        return delay;
}

uint64_t backoff_random(uint64_t *state)
{
        uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}
