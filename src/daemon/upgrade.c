/* The upgrade from 0.1.0: its JSON state files into state.db, then aside. */
#include "upgrade.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actions/actions.h"
#include "health.h"
#include "rules/rules.h"
#include "store/action_rows.h"
#include "store/alert_rows.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/meta.h"
#include "store/outbox_rows.h"
#include "upgrade_read.h"
#include "util/log.h"

#define IMPORTED_VERSION "0.1.0"

/* What 0.1.0 left in the state directory, in the order they are moved. */
static const char *const old_names[] = {
        UPGRADE_STATE_FILE, UPGRADE_ALERTS_FILE, UPGRADE_HEALTH_FILE, UPGRADE_ACTIONS_FILE, UPGRADE_OUTBOX_DIR,
};

#define N_OLD_NAMES (sizeof(old_names) / sizeof(old_names[0]))

static bool exists_at(int dfd, const char *name)
{
        struct stat st;

        return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool exists_in(const char *dir, const char *name)
{
        char path[4096];
        struct stat st;

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
                return false;
        return lstat(path, &st) == 0;
}

/* ---- reading: the 0.1.0 readers (upgrade_read.h), with a word on what they set aside ---- */

struct imported {
        struct watchlist watchlist;
        struct daemon_summary summary;
        struct rules_state alerts;
        struct action_ledger ledger;
        struct health_state health;
        struct upgrade_delivery *deliveries;
        size_t n_deliveries;
};

static void imported_clear(struct imported *m)
{
        watchlist_clear(&m->watchlist);
        rules_state_clear(&m->alerts);
        actions_ledger_clear(&m->ledger);
        health_state_clear(&m->health);
        for (size_t i = 0; i < m->n_deliveries; i++)
                upgrade_delivery_clear(&m->deliveries[i]);
        free(m->deliveries);
        *m = (struct imported) { 0 };
}

/* The 0.1.0 loaders read a missing file as empty and move a corrupt one
 * aside (with their own warning) as empty too: a file that was there
 * before and is gone after was set aside, and the import goes on without
 * it. Their other errors (cannot read) stop the import. */
static void note_set_aside(const char *dir, const char *name, bool was_there)
{
        if (was_there && !exists_in(dir, name))
                log_warning("upgrade: %s/%s is corrupt: imported without it (kept as %s.corrupt-*)", dir, name,
                            name);
}

static int read_all(const char *dir, struct imported *m)
{
        bool there[N_OLD_NAMES];
        int r;

        for (size_t i = 0; i < N_OLD_NAMES; i++)
                there[i] = exists_in(dir, old_names[i]);
        r = upgrade_load_state(dir, &m->watchlist, &m->summary);
        if (r < 0)
                return r;
        note_set_aside(dir, UPGRADE_STATE_FILE, there[0]);
        r = upgrade_load_alerts(dir, &m->alerts);
        if (r < 0)
                return r;
        note_set_aside(dir, UPGRADE_ALERTS_FILE, there[1]);
        r = upgrade_load_health(dir, &m->health);
        if (r < 0)
                return r;
        note_set_aside(dir, UPGRADE_HEALTH_FILE, there[2]);
        r = upgrade_load_actions(dir, &m->ledger);
        if (r < 0)
                return r;
        note_set_aside(dir, UPGRADE_ACTIONS_FILE, there[3]);
        return upgrade_load_outbox(dir, &m->deliveries, &m->n_deliveries);
}

/* ---- writing: the store's typed rows ---- */

static int action_state(enum action_entry_state state, enum store_action_state *ret)
{
        switch (state) {
        case ACTION_STATE_INTENDED: *ret = STORE_ACTION_INTENDED; return 0;
        case ACTION_STATE_DONE: *ret = STORE_ACTION_DONE; return 0;
        case ACTION_STATE_FAILED: *ret = STORE_ACTION_FAILED; return 0;
        case ACTION_STATE_DRY_RUN: *ret = STORE_ACTION_DRY_RUN; return 0;
        default: return -EINVAL;
        }
}

static int write_watchlist(struct store *s, const struct imported *m, int64_t now)
{
        int r;

        for (size_t i = 0; i < m->watchlist.n; i++) {
                const struct watched_experiment *e = m->watchlist.items[i];

                /* Logged by 0.1.0's next poll; the store has no place for it. */
                if (e->sequential_error)
                        log_warning("upgrade: experiment %lld: its sequential state in %s was not readable (%s): "
                                    "its history starts afresh", e->id, UPGRADE_STATE_FILE, e->sequential_error);
                r = store_experiment_save(s, e, now);
                if (r < 0)
                        return r;
        }
        return store_summary_save(s, &m->summary);
}

static int write_ledger(struct store *s, const struct action_ledger *l)
{
        int r;

        for (size_t i = 0; i < l->n; i++) {
                const struct action_entry *e = &l->entries[i];
                struct store_action_row row = {
                        .rule = e->rule,
                        .experiment_id = e->experiment_id,
                        .action = e->action,
                        .variant_id = e->variant_id,
                        .traffic_allocation = e->traffic_allocation,
                        .attempts = e->attempts,
                        .intended_at = e->intended_at,
                        .finished_at = e->finished_at,
                        .http_status = e->http_status,
                        .error = e->error[0] ? e->error : NULL,
                };

                r = action_state(e->state, &row.state);
                if (r >= 0)
                        r = store_action_upsert(s, &row);
                if (r < 0)
                        return r;
        }
        return store_actions_circuit_open_set(s, l->circuit_open);
}

/* In created_at order: each notifier's queue reads back as 0.1.0 sent it. */
static int write_outbox(struct store *s, const struct imported *m, size_t *ret_n)
{
        *ret_n = 0;
        for (size_t i = 0; i < m->n_deliveries; i++) {
                const struct upgrade_delivery *rec = &m->deliveries[i];
                struct store_delivery d = {
                        .id = rec->id,
                        .notifier = rec->notifier,
                        .body = rec->body,
                        .created_at_usec = rec->created_at,
                        .next_attempt_at_usec = rec->next_attempt_at,
                        .attempts = rec->attempts,
                        .last_error = rec->last_error,
                };
                int r = store_delivery_add(s, &d);

                if (r == -EEXIST) {   /* two files of one delivery: it is sent once */
                        log_warning("upgrade: delivery %s to notifier %s is queued twice in %s/: imported once",
                                    rec->id, rec->notifier, UPGRADE_OUTBOX_DIR);
                        continue;
                }
                if (r < 0)
                        return r;
                (*ret_n)++;
        }
        return 0;
}

static int write_all(struct store *s, const struct imported *m, int64_t now, size_t *ret_deliveries)
{
        int r = write_watchlist(s, m, now);

        if (r >= 0)
                r = rules_state_save(s, &m->alerts);
        if (r >= 0)
                r = write_ledger(s, &m->ledger);
        if (r >= 0)
                r = health_state_save(s, &m->health);
        if (r >= 0)
                r = write_outbox(s, m, ret_deliveries);
        return r;
}

static bool any_old_file(const char *dir)
{
        for (size_t i = 0; i < N_OLD_NAMES; i++)
                if (exists_in(dir, old_names[i]))
                        return true;
        return false;
}

/* A write failed: rolled back, so that nothing is half imported. The
 * SQLite text is copied first: the ROLLBACK replaces it. */
static int abandon(struct store *s, const char *dir, int r)
{
        char why[256];

        snprintf(why, sizeof(why), "%s", store_error(s));
        store_rollback(s);
        log_error("upgrade: cannot import the 0.1.0 state of %s into %s: %s (%s); nothing imported", dir, STORE_FILE,
                  strerror(-r), why);
        return r;
}

int upgrade_import_0_1_0(const char *dir, struct store *s)
{
        struct imported m = { 0 };
        char *marker = NULL;
        size_t n_deliveries = 0;
        int r;

        if (!dir || !s)
                return -EINVAL;
        if (!any_old_file(dir))
                return 0;
        r = store_meta_get(s, STORE_META_IMPORTED, &marker);
        if (r < 0) {
                log_error("upgrade: %s/%s: cannot read the import marker: %s", dir, STORE_FILE, store_error(s));
                return r;
        }
        if (marker) {
                log_info("upgrade: the 0.1.0 files of %s were imported already (from %s)", dir, marker);
                free(marker);
                return 1;
        }
        /* The marker first, in the transaction that imports: a store that
         * cannot be written fails here, before anything is read (and before
         * a loader sets a corrupt file aside). */
        r = store_begin(s);
        if (r < 0)
                return abandon(s, dir, r);
        r = store_meta_set(s, STORE_META_IMPORTED, IMPORTED_VERSION);
        if (r < 0)
                return abandon(s, dir, r);
        r = read_all(dir, &m);
        if (r < 0) {
                log_error("upgrade: cannot read the 0.1.0 state of %s: %s; nothing imported", dir, strerror(-r));
                store_rollback(s);
                imported_clear(&m);
                return r;
        }
        r = write_all(s, &m, (int64_t) time(NULL), &n_deliveries);
        if (r < 0) {
                imported_clear(&m);
                return abandon(s, dir, r);
        }
        r = store_commit(s);   /* rolled back when it fails */
        if (r < 0)
                log_error("upgrade: cannot commit the import of the 0.1.0 state of %s into %s: %s; nothing imported",
                          dir, STORE_FILE, strerror(-r));
        else
                log_notice("upgrade: imported the 0.1.0 state of %s into %s: %zu experiment%s, %zu alert%s, "
                           "%zu action%s, %zu health condition%s, %zu queued deliver%s",
                           dir, STORE_FILE, m.watchlist.n, m.watchlist.n == 1 ? "" : "s", m.alerts.n,
                           m.alerts.n == 1 ? "" : "s", m.ledger.n, m.ledger.n == 1 ? "" : "s", m.health.n,
                           m.health.n == 1 ? "" : "s", n_deliveries, n_deliveries == 1 ? "y" : "ies");
        imported_clear(&m);
        return r < 0 ? r : 1;
}

/* ---- moving the files aside ---- */

static int rename_noreplace(int from_dfd, const char *from, int to_dfd, const char *to)
{
        if (renameat2(from_dfd, from, to_dfd, to, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS)
                return -errno;
        /* File systems without RENAME_NOREPLACE: check, then rename (a
         * directory would otherwise replace an empty one). */
        if (exists_at(to_dfd, to))
                return -EEXIST;
        return renameat(from_dfd, from, to_dfd, to) < 0 ? -errno : 0;
}

static int move_one(int dfd, int idfd, const char *name)
{
        for (unsigned n = 0; n < 1000; n++) {
                char target[NAME_MAX + 1];
                int len = n == 0 ? snprintf(target, sizeof(target), "%s", name)
                                 : snprintf(target, sizeof(target), "%s.%u", name, n);
                int r;

                if ((size_t) len >= sizeof(target))
                        return -ENAMETOOLONG;
                r = rename_noreplace(dfd, name, idfd, target);
                if (r != -EEXIST)
                        return r;
        }
        return -EEXIST;
}

static int open_imported_dir(int dfd)
{
        int fd;

        if (mkdirat(dfd, UPGRADE_IMPORTED_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        /* Not followed: a symbolic link there is not our directory. */
        fd = openat(dfd, UPGRADE_IMPORTED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP ? -ENOTDIR : -errno;
        return fd;
}

int upgrade_move_imported(const char *dir)
{
        int dfd, idfd, first_error = 0, moved = 0;
        bool any = false;

        if (!dir)
                return -EINVAL;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        for (size_t i = 0; i < N_OLD_NAMES; i++)
                any = any || exists_at(dfd, old_names[i]);
        if (!any) {
                close(dfd);
                return 0;
        }
        idfd = open_imported_dir(dfd);
        if (idfd < 0) {
                log_error("upgrade: cannot create %s/%s: %s", dir, UPGRADE_IMPORTED_DIR, strerror(-idfd));
                close(dfd);
                return idfd;
        }
        for (size_t i = 0; i < N_OLD_NAMES; i++) {
                int r;

                if (!exists_at(dfd, old_names[i]))
                        continue;
                r = move_one(dfd, idfd, old_names[i]);
                if (r < 0) {
                        log_error("upgrade: cannot move %s/%s into %s/: %s", dir, old_names[i], UPGRADE_IMPORTED_DIR,
                                  strerror(-r));
                        if (first_error == 0)
                                first_error = r;
                } else
                        moved++;
        }
        /* The renames on disk before the daemon goes on without the files. */
        if (fsync(idfd) < 0 && first_error == 0)
                first_error = -errno;
        if (fsync(dfd) < 0 && first_error == 0)
                first_error = -errno;
        close(idfd);
        close(dfd);
        if (moved > 0)
                log_notice("upgrade: moved %d file%s of 0.1.0 into %s/%s", moved, moved == 1 ? "" : "s", dir,
                           UPGRADE_IMPORTED_DIR);
        return first_error < 0 ? first_error : moved;
}
