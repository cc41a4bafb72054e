/* Experiment lifecycle notices: a complete discovery's list against the
 * previous one (lifecycle_changes.h), the changes journalled and queued
 * to the `lifecycle` notifiers in the open group commit of g. */
#pragma once
#include <stddef.h>

struct config;
struct mida_experiment;
struct outbox;
struct store_group;

/* items: every experiment of the list, as discovery read it. Errors are
 * logged; the next discovery compares again from the stored list. */
void lifecycle_listed(struct store_group *g, struct outbox *o, const struct config *c,
                      const struct mida_experiment *items, size_t n);
