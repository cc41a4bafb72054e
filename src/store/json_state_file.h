/* One JSON document in the state directory (alerts.json, actions.json):
 * written atomically, and read back with a corrupt file moved aside rather
 * than stopping the daemon. */
#pragma once
#include <json-c/json.h>
#include <stddef.h>

/* Parses root into userdata: 0, or -EINVAL with *error (malloc'd) set and
 * userdata left empty, or -ENOMEM. */
typedef int (*json_state_parse_fn)(json_object *root, void *userdata, char **error);

/* Writes root to dir/name (mode 0600) and puts root; the old file stays
 * intact on failure. A NULL root (its builder ran out of memory) is -ENOMEM. */
int json_state_save(const char *dir, const char *name, json_object *root);

/* Reads dir/name into userdata through parse. Returns 0 when it was read,
 * when it does not exist (userdata untouched) and when it is corrupt (moved
 * aside with a warning in the journal: a fresh start beats not running);
 * another negative errno when it cannot be read. */
int json_state_load(const char *dir, const char *name, json_state_parse_fn parse, void *userdata);

/* Versioned documents of one array, {"version": N, "<key>": [ ... ]}. */
typedef json_object *(*json_state_item_to_fn)(const void *item);
typedef int (*json_state_item_from_fn)(json_object *o, const char *path, void *item, char **error);

/* The document of n items of item_size bytes, each converted by fn
 * (NULL from fn: out of memory). Returns a new object, NULL on ENOMEM. */
json_object *json_state_document(int version, const char *key, const void *items, size_t n,
                                 size_t item_size, json_state_item_to_fn fn);

/* Checks the version and reads each element of the array with fn into a
 * zeroed array (*ret_items, free it). *ret_n counts the items fn was called
 * on, also on failure, so that the caller frees what was read. Returns 0,
 * -EINVAL with *error naming the field ("entries[2].state: ..."), -ENOMEM. */
int json_state_read_document(json_object *root, int version, const char *key, size_t item_size,
                             json_state_item_from_fn fn, void **ret_items, size_t *ret_n, char **error);
