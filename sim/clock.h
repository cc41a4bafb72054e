/* The simulated clock: now = base + (real elapsed since base) x speed. */
#pragma once

struct sim_clock {
        double base_sim;      /* simulated epoch seconds at base_real */
        double base_real;     /* CLOCK_MONOTONIC seconds */
        double speed;
};

double clock_real_seconds(void);
/* Wall-clock epoch seconds, for the default simulated start. */
double clock_wall_seconds(void);
void clock_init(struct sim_clock *c, double start, double speed);
double clock_now(const struct sim_clock *c);
void clock_set(struct sim_clock *c, double now);
void clock_advance(struct sim_clock *c, double seconds);
void clock_set_speed(struct sim_clock *c, double speed);
