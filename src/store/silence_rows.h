/* The silences table of state.db: silences added, expired, read and pruned
 * by `mida-monitor silence` while the daemon runs (WAL lets both write),
 * and read by the daemon each cycle. The only SQL on that table.
 *
 * A silence applies from starts_at until ends_at, or until expired_at when
 * `silence expire` ended it early; it matches the alerts of its experiment
 * (0: any), rule (NULL: any) and variant (NULL: any). Each function runs
 * in the caller's transaction, or on its own in autocommit mode. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct store;

struct store_silence_row {
        long long id;
        long long experiment_id;      /* 0: any experiment */
        const char *rule;             /* NULL: any rule */
        const char *variant_id;       /* NULL: any variant */
        int64_t starts_at, ends_at;   /* Unix seconds */
        int64_t expired_at;           /* 0: not expired early */
        const char *comment;
        bool actions;                 /* withholds the rule's action too */
        int64_t created_at;
        const char *created_by;       /* the user who added it; may be NULL */
};

/* Adds row (its id is ignored) and sets *ret_id. Returns 0, -EINVAL
 * (neither experiment nor rule, no comment, ends_at <= starts_at), or the
 * -errno of the write. */
int store_silence_add(struct store *s, const struct store_silence_row *row, long long *ret_id);

/* Ends silence id at now: 1 when it was in force or still to come, 0 when
 * there is no such silence or it had already ended, or -errno. */
int store_silence_expire(struct store *s, long long id, int64_t now);

/* Calls fn for each silence in id order: those not yet ended at now, or
 * with all, every one kept. row is valid during the call only. A non-zero
 * return of fn stops the walk and is returned; else 0 or -errno (-EBADMSG:
 * rows that could not be read were skipped). */
int store_silences_each(struct store *s, int64_t now, bool all,
                        int (*fn)(void *userdata, const struct store_silence_row *row), void *userdata);

/* Removes the silences that ended before `before`. Returns how many, or -errno. */
int store_silences_prune(struct store *s, int64_t before);
