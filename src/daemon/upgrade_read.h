/* The readers of the files 0.1.0 kept in its state directory. Only the
 * upgrade reads them now (upgrade.h): the daemon keeps all of it in
 * state.db, and nothing writes these files any more. Each reader keeps
 * 0.1.0's own rules of what is valid, and gives back the structs the
 * daemon works with, for the upgrade to write into the store.
 *
 *   upgrade_read_file.c        what the readers share: a file loaded, or
 *                              moved aside when corrupt; one JSON document
 *                              read whole; the {"version":N,"<key>":[...]}
 *                              documents
 *   upgrade_read_state.c       state.json, walked value by value
 *   upgrade_read_experiment.c  its members: one experiment, the summary
 *   upgrade_read_sequential.c  an experiment's sequential state
 *   upgrade_read_alerts.c      alerts.json
 *   upgrade_read_actions.c     actions.json
 *   upgrade_read_health.c      health.json
 *   upgrade_read_outbox.c      outbox/<notifier>.<id>.json
 *
 * Two kinds of entry point: upgrade_read_* parses and changes nothing (the
 * tests and fuzzers call these); upgrade_load_* reads dir/<file> as the
 * upgrade does, with a missing file read as empty and a corrupt one moved
 * aside as <file>.corrupt-<time> with a warning, and read as empty too. */
#pragma once
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

struct action_ledger;
struct daemon_summary;
struct health_state;
struct rules_state;
struct sequential_state;
struct watchlist;

/* What 0.1.0 left in the state directory. */
#define UPGRADE_STATE_FILE "state.json"
#define UPGRADE_ALERTS_FILE "alerts.json"
#define UPGRADE_HEALTH_FILE "health.json"
#define UPGRADE_ACTIONS_FILE "actions.json"
#define UPGRADE_OUTBOX_DIR "outbox"

/* ---- shared by the readers (upgrade_read_file.c) ---- */

/* Reads the file at path into userdata: 0, -ENOENT, -EINVAL when corrupt
 * (*error may then say why, malloc'd), or another -errno; userdata is left
 * empty on failure. */
typedef int upgrade_read_fn(const char *path, void *userdata, char **error);

/* Reads dir/name with read. Returns 0 when it was read, when it is not
 * there (userdata untouched), and when it is corrupt (moved aside with a
 * warning: the import goes on without it); another -errno when it cannot
 * be read (logged). */
int upgrade_load_file(const char *dir, const char *name, upgrade_read_fn *read, void *userdata);

/* Parses one JSON document into userdata: 0, -EINVAL with *error set and
 * userdata left empty, or -ENOMEM. */
typedef int upgrade_parse_fn(json_object *root, void *userdata, char **error);

/* dir/name as one JSON document (a file larger than 64 MiB is corrupt)
 * handed to parse, loaded as upgrade_load_file() does. */
int upgrade_load_json(const char *dir, const char *name, upgrade_parse_fn *parse, void *userdata);

/* The documents of one array, {"version": N, "<key>": [ ... ]}: checks the
 * version and reads each element with fn into a zeroed array (*ret_items,
 * free it). *ret_n counts the items fn was called on, also on failure, so
 * that the caller frees what was read. Returns 0, -EINVAL with *error
 * naming the field ("entries[2].state: ..."), -ENOMEM. */
typedef int upgrade_item_fn(json_object *o, const char *path, void *item, char **error);
int upgrade_read_document(json_object *root, int version, const char *key, size_t item_size, upgrade_item_fn *fn,
                          void **ret_items, size_t *ret_n, char **error);

/* ---- state.json: the watch list and the daemon summary ---- */

/* Reads dir/state.json, {"version":1,"daemon":{...},"experiments":[...]},
 * into w and s without holding the document in memory. Returns 0, -ENOENT,
 * -EINVAL when corrupt (cut short, malformed, another version, larger than
 * 256 MiB), or another -errno; on failure w and s are left empty. */
int upgrade_read_state(const char *dir, struct watchlist *w, struct daemon_summary *s);
int upgrade_load_state(const char *dir, struct watchlist *w, struct daemon_summary *s);

/* Its parts (upgrade_read_experiment.c). One element of "experiments" into
 * w (found or added by its id): 0, -EINVAL (not an object with an integer
 * id) or -ENOMEM. Its "analysis" object is kept as text
 * (e->restored_analysis); a "sequential" member that does not parse leaves
 * e->sequential NULL and e->sequential_error set, and is no error of the
 * file. The "daemon" member: whatever it holds is read, nothing is
 * rejected. */
int upgrade_read_experiment(json_object *o, struct watchlist *w);
void upgrade_read_summary(json_object *o, struct daemon_summary *s);

/* A "sequential" member (upgrade_read_sequential.c):
 *   {"start_date": "…", "alpha": 0.05, "tuning": 5000,
 *    "variants": [{"variant_id": "1", "visitors": 10, "conversions": 2,
 *                  "min_p": 0.3, "low": -0.1, "high": 0.5}, …]}
 * with min_p, low and high all three or none (has_bound). Fills an empty
 * out; returns 0, or -EINVAL with *error naming the field, or -ENOMEM; out
 * is empty on failure. */
int upgrade_read_sequential(json_object *o, struct sequential_state *out, char **error);

/* ---- alerts.json, actions.json, health.json ---- */

/* Each fills an empty struct from the parsed document; returns 0, or
 * -EINVAL with *error (free it) naming the field, or -ENOMEM; the struct is
 * empty on failure.
 *   alerts.json   {"version":1,"alerts":[...],"generation":N,"salt":"…"}
 *                 (generation and salt optional)
 *   actions.json  {"version":1,"circuit_open":b,"entries":[...]}
 *   health.json   {"version":1,"conditions":[...]}
 * load: dir/<file>, cleared first, as upgrade_load_file() reads. */
int upgrade_read_alerts(json_object *root, struct rules_state *s, char **error);
int upgrade_load_alerts(const char *dir, struct rules_state *s);
int upgrade_read_actions(json_object *root, struct action_ledger *l, char **error);
int upgrade_load_actions(const char *dir, struct action_ledger *l);
int upgrade_read_health(json_object *root, struct health_state *s, char **error);
int upgrade_load_health(const char *dir, struct health_state *s);

/* ---- outbox/: one file per queued delivery ---- */

/* outbox/<notifier>.<id>.json:
 *   { "version": 1, "id": "evt_…", "notifier": "ops",
 *     "created_at": µs, "attempts": N, "next_attempt_at": µs,
 *     "last_error": "HTTP 503" | null, "body": "<the exact JSON POSTed>" }
 * (times in microseconds since the epoch). */
#define UPGRADE_DELIVERY_MAX_BODY (4u * 1024 * 1024)

struct upgrade_delivery {
        char *id;
        char *notifier;
        char *body;
        uint64_t created_at;          /* µs since the epoch */
        uint64_t next_attempt_at;
        unsigned attempts;            /* ≤ 1,000,000 */
        char *last_error;             /* NULL: none yet */
};

/* Parses a file's text. Returns 0, -EBADMSG (with *error set, malloc'd)
 * when it is not a valid version-1 delivery (id and notifier must be
 * outbox_valid_token()), -ENOMEM. */
int upgrade_read_delivery(const char *text, size_t len, struct upgrade_delivery *ret, char **error);
void upgrade_delivery_clear(struct upgrade_delivery *d);

/* Every delivery in dir/outbox/ (not outbox/failed/: given up), oldest
 * first (created_at, then notifier and id). A file that is not a valid
 * delivery is logged and left where it is; hidden files and what is not a
 * regular *.json file are skipped. No outbox/ is no delivery. Returns 0
 * with *ret (free each with upgrade_delivery_clear, then the array) and
 * *ret_n, or -errno when the folder or a file cannot be read (logged;
 * nothing returned). */
int upgrade_load_outbox(const char *dir, struct upgrade_delivery **ret, size_t *ret_n);
