/* Simulated clock. Every change rebases it at the current instant so the
 * simulated time is continuous across speed changes and advances. */
#include <time.h>

#include "clock.h"

static double timespec_seconds(clockid_t id)
{
        struct timespec ts;
        clock_gettime(id, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double clock_real_seconds(void)
{
        return timespec_seconds(CLOCK_MONOTONIC);
}

double clock_wall_seconds(void)
{
        return timespec_seconds(CLOCK_REALTIME);
}

void clock_init(struct sim_clock *c, double start, double speed)
{
        c->base_sim = start;
        c->base_real = clock_real_seconds();
        c->speed = speed;
}

double clock_now(const struct sim_clock *c)
{
        return c->base_sim + (clock_real_seconds() - c->base_real) * c->speed;
}

void clock_set(struct sim_clock *c, double now)
{
        clock_init(c, now, c->speed);
}

void clock_advance(struct sim_clock *c, double seconds)
{
        clock_set(c, clock_now(c) + seconds);
}

void clock_set_speed(struct sim_clock *c, double speed)
{
        clock_init(c, clock_now(c), speed);
}
