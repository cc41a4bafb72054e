/* The scheduled digests: a CLOCK_REALTIME timer at the next slot of any
 * `digests` entry; at a slot, the digest is built from state.db, and its
 * digests row (store/digest_rows.h) and the outbox rows that deliver it
 * join one group commit, so it is sent exactly once per slot across
 * crashes and restarts.
 *
 * A digest missed while the daemon was down: at start the latest missed
 * slot is sent (it is less than one period late: the next slot has not
 * come), older ones are skipped with a journal line. A digest added to the
 * config is due from its first slot after the daemon first ran it (its
 * "armed" time in the store), never at once for a slot already past. */
#pragma once
#include <stdint.h>
#include <systemd/sd-event.h>

#include "util/weekly_schedule.h"

struct config;
struct outbox;
struct store_group;

struct digests {
        sd_event *event;
        sd_event_source *timer;
        struct store_group *group;
        struct outbox *outbox;
        const struct config *config;
};

/* What is due for one digest at now: the slot to send (0: none), and the
 * older slots missed since the later of armed_at and last_sent (skipped;
 * the count, and the oldest of them). Pure but for the time zone. */
struct digest_due {
        int64_t slot;
        unsigned skipped;
        int64_t oldest_skipped;
};
struct digest_due digest_due(const struct weekly_schedule *s, const char *tz, int64_t armed_at, int64_t last_sent,
                             int64_t now);

/* Starts the schedule of c's digests (g, o, e must outlive d): sends what
 * is due now, then arms the timer. Nothing happens without digests. */
void digests_open(struct digests *d, sd_event *e, struct store_group *g, struct outbox *o, const struct config *c);
/* After a reload: the new config's digests (a new one is armed now). */
void digests_set_config(struct digests *d, const struct config *c);
void digests_close(struct digests *d);
