/* Scenario files (libconfig): the project, its experiments and their traffic
 * parameters; or a generated project of N experiments. */
#pragma once
#include <libconfig.h>
#include <stddef.h>

#include "model.h"

#define SCENARIO_ERR_MAX 512

/* Reads the project part of a parsed scenario. Relative times
 * (started_hours_ago, after_hours...) are taken from clock_start. A
 * `generate = { experiments = N; }` section builds N experiments instead of
 * reading `experiments` (n_override >= 0 replaces N).
 * On error returns -EINVAL with "FILE:LINE: message" in err. */
int scenario_load_project(const config_t *cfg, double clock_start, long n_override,
                          struct project *p, char *err, size_t errlen);
/* Builds a project of n varied experiments (ids 1..n), the same for every run. */
int scenario_generate(size_t n, double clock_start, struct project *p);
/* The simulated start time a scenario asks for, or NAN. */
double scenario_clock_start(const config_t *cfg);
/* "FILE:LINE: " prefix for a setting, for error messages. */
void scenario_where(const config_setting_t *s, char *buf, size_t len);
