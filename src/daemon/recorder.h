/* The poll recorder: each analysed experiment's row and its history of raw
 * counts go to state.db, group-committed — the experiments analysed within
 * RECORDER_WINDOW_MSEC (or RECORDER_MAX_PENDING of them) share one
 * transaction, so a cycle over 10,000 experiments costs a few fsyncs, not
 * 10,000. A failed commit loses only that window's history rows (the next
 * poll writes its counts again: a row is written whenever the counts differ
 * from the latest stored one) and is reported to the caller's hook. */
#pragma once
#include <systemd/sd-event.h>

struct recorder;
struct store;
struct watched_experiment;

#define RECORDER_WINDOW_MSEC 100
#define RECORDER_MAX_PENDING 500

/* written(userdata, r): a window was committed (r = 0) or failed (-errno). */
int recorder_new(sd_event *event, struct store *s, void (*written)(void *userdata, int r), void *userdata,
                 struct recorder **ret);
/* Frees r after committing what is pending. */
void recorder_free(struct recorder *r);

/* e was just polled (or dropped from the watch set): record it. */
void recorder_add(struct recorder *r, const struct watched_experiment *e);
/* Commits what is pending now (the cycle ended, or the daemon stops). */
void recorder_flush(struct recorder *r);

/* Retention: at most every RECORDER_PRUNE_EVERY_SEC (and at the first
 * call), deletes history rows older than retention_usec (0: keeps all), at
 * most RECORDER_PRUNE_BATCH per call; after a full batch the next call goes
 * on, so a backlog is pruned over a few cycles, never in one long
 * transaction. Call it between windows (after recorder_flush). */
#define RECORDER_PRUNE_EVERY_SEC 3600
#define RECORDER_PRUNE_BATCH 5000
void recorder_prune(struct recorder *r, uint64_t retention_usec, int64_t now);
