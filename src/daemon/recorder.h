/* The poll recorder: each analysed experiment's row and its history of raw
 * counts go to state.db in the open group commit (store/group_commit.h),
 * so a cycle over 10,000 experiments costs a few fsyncs, not 10,000. A
 * group that fails loses only its history rows (the next poll writes its
 * counts again: a row is written whenever the counts differ from the
 * latest stored one); the group's listeners hear of it. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct recorder;
struct store_group;
struct watched_experiment;

/* Experiments per group at most: a long cycle commits at least this often. */
#define RECORDER_MAX_PENDING 500

int recorder_new(struct store_group *g, struct recorder **ret);
/* Frees r (what is pending is committed by the group's owner). */
void recorder_free(struct recorder *r);
/* e was just polled, failed, or left the watch set: record it. */
void recorder_add(struct recorder *r, const struct watched_experiment *e);

/* Retention: at most every RECORDER_PRUNE_EVERY_SEC (and at the first
 * call), deletes history rows older than retention_usec (0: keeps all), at
 * most RECORDER_PRUNE_BATCH per call; after a full batch the next call goes
 * on, so a backlog is pruned over a few cycles, never in one long
 * transaction. It commits the open group first. */
#define RECORDER_PRUNE_EVERY_SEC 3600
#define RECORDER_PRUNE_BATCH 5000
void recorder_prune(struct recorder *r, uint64_t retention_usec, int64_t now);
