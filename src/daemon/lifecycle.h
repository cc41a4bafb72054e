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

/* A polled result has an end_date: the experiment was concluded from the
 * dashboard, told now if the list has not told it yet (its row then says
 * completed, so the list's is_completed does not tell it again). */
void lifecycle_concluded(struct store_group *g, struct outbox *o, const struct config *c, long long id,
                         const char *name);

/* An experiment's status as the API numbers it (1 live, 0 inactive, 9
 * draft), as notices and digests name it: "live", "inactive", "draft",
 * "unknown". */
const char *lifecycle_status_name(int status);
