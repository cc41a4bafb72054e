/* The meta table of state.db as typed values: numbers, and the named
 * values the rooms above keep there, each under one of the keys below (the
 * one list of them, so that no two rooms pick the same key).
 *
 * None of these functions begins or commits: each runs in the caller's
 * transaction (store_begin ... store_commit: group commit, so that e.g. the
 * generation is saved with the alerts of the same cycle), or on its own in
 * autocommit mode — one fsync each — when there is none. */
#pragma once
#include <stdint.h>

struct store;

#define STORE_META_SALT "salt"                  /* the event-id salt (rules_state.salt) */
#define STORE_META_GENERATION "generation"      /* the event-id generation (rules_state.generation) */
#define STORE_META_CIRCUIT_OPEN "circuit_open"  /* the action ledger's flag (action_rows.h) */
#define STORE_META_IMPORTED "imported_from"     /* "0.1.0": its JSON files were imported (daemon/upgrade.h) */
/* Also: "daemon.*", the daemon_summary's fields (experiments.h). */

/* 32 hex digits and a NUL: the size of rules_state.salt (RULES_SALT_SIZE). */
#define STORE_SALT_SIZE 33

/* A value kept as decimal text. get returns 1 with *ret, 0 when key is
 * absent (*ret = 0), -EBADMSG when its value is not a decimal uint64 (*ret
 * = 0), or another -errno. set returns 0 or -errno. */
int store_meta_get_u64(struct store *s, const char *key, uint64_t *ret);
int store_meta_set_u64(struct store *s, const char *key, uint64_t value);

/* The salt of the event ids (random, per state directory): copied into
 * salt, "" when none was set yet. Returns 0, -EBADMSG when the stored one
 * is STORE_SALT_SIZE characters or longer (salt = ""), or another -errno.
 * set: -EINVAL when salt is NULL or too long (nothing is written). */
int store_salt_get(struct store *s, char salt[static STORE_SALT_SIZE]);
int store_salt_set(struct store *s, const char *salt);

/* The generation of the event ids (the number of saves): 0 when none was
 * set yet. Returns 0 or -errno (-EBADMSG: not a number). */
int store_generation_get(struct store *s, uint64_t *ret);
int store_generation_set(struct store *s, uint64_t generation);
