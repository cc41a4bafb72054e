/* A digest's content from state.db: the model of notify/digest.h for one
 * `digests` entry of the config, now. Used by the daemon at a scheduled
 * time and by `mida-monitor digest NAME --print/--send`, so that a preview
 * shows exactly what is sent.
 *
 * What it reads: the experiments (watched now, then those that stopped
 * polling since the previous digest), each one's analysis recomputed from
 * its polls (store_experiment_restore), its counts at the previous digest
 * (the change since), the alert log and the action ledger since then, and
 * the health conditions. */
#pragma once
#include <stdint.h>

#include "config/config.h"
#include "notify/digest.h"

struct store;
struct digest_data;

struct digest_request {
        const struct config_digest *digest;
        const char *id;              /* the event id it is sent under */
        int64_t now;
        int64_t scheduled_for;       /* the slot; 0 for one sent by hand */
        int64_t since;               /* the previous digest: digest_since() */
        const char *instance;        /* this host's name */
};

/* The time "since the previous digest" means for a digest of d at time at
 * (its slot, or now for one built by hand): the latest scheduled digest
 * sent before at, else the schedule's slot before at (a first digest
 * covers one period). */
int64_t digest_since(struct store *s, const struct config_digest *d, int64_t at);
/* The same from last, the slot of the latest scheduled digest sent (0:
 * none), as the daemon has it already. */
int64_t digest_since_last(const struct config_digest *d, int64_t last, int64_t at);

/* Builds the digest of req from s (read-write or read-only; it changes
 * nothing). Returns 0 with *ret (free with digest_data_free), or -errno. */
int digest_build(struct store *s, const struct config *c, const struct digest_request *req, struct digest_data **ret);
const struct digest *digest_data_view(const struct digest_data *d);
void digest_data_free(struct digest_data *d);
