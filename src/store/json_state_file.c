/* Small JSON state files: save atomically, load or move aside. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/atomic_file.h"
#include "util/json_read.h"
#include "json_state_file.h"
#include "util/log.h"
#include "util/text_format.h"

/* Far above any real ledger or alert set; a bigger file is corrupt. */
#define JSON_STATE_MAX_BYTES (64u << 20)

int json_state_save(const char *dir, const char *name, json_object *root)
{
        size_t len = 0;
        const char *text = root ? json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN, &len) : NULL;
        int k = text ? atomic_write_file(dir, name, text, len, 0600) : -ENOMEM;

        json_object_put(root);
        return k;
}

static int read_and_parse(const char *path, json_state_parse_fn parse, void *userdata, char **error)
{
        json_object *root = NULL;
        char *text = NULL;
        size_t len = 0;
        int r = read_file_limited(path, JSON_STATE_MAX_BYTES, &text, &len);

        if (r == -EFBIG)
                r = json_read_fail(error, "", "larger than %u bytes", JSON_STATE_MAX_BYTES);
        if (r >= 0)
                r = json_read_document(text, len, &root, error);
        if (r >= 0)
                r = parse(root, userdata, error);
        json_object_put(root);
        free(text);
        return r;
}

int json_state_load(const char *dir, const char *name, json_state_parse_fn parse, void *userdata)
{
        char path[4096], *error = NULL;
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        r = read_and_parse(path, parse, userdata, &error);
        if (r == -ENOENT)
                return 0;
        if (r == -EINVAL) {
                log_warning("%s is corrupt (%s); moved aside, starting fresh", path, error ? error : "?");
                free(error);
                r = move_aside(dir, name);
                if (r < 0)
                        log_error("%s: cannot move the corrupt file aside: %s", path, strerror(-r));
                return 0;
        }
        free(error);
        if (r < 0)
                log_error("%s: cannot read: %s", path, strerror(-r));
        return r;
}

json_object *json_state_document(int version, const char *key, const void *items, size_t n,
                                 size_t item_size, json_state_item_to_fn fn)
{
        json_object *root = json_object_new_object(), *array = json_object_new_array();
        int k = root && array ? 0 : -ENOMEM;

        for (size_t i = 0; i < n && k >= 0; i++) {
                json_object *o = fn((const char *) items + i * item_size);

                k = o && json_object_array_add(array, o) == 0 ? 0 : -ENOMEM;
                if (k < 0)
                        json_object_put(o);
        }
        if (k >= 0)
                k = json_add(root, "version", json_object_new_int(version));
        if (k >= 0)
                k = json_add(root, key, array);
        else
                json_object_put(array);
        if (k < 0) {
                json_object_put(root);
                return NULL;
        }
        return root;
}

static int read_items(json_object *array, const char *key, size_t item_size, json_state_item_from_fn fn,
                      void **ret_items, size_t *ret_n, char **error)
{
        size_t n = json_object_array_length(array);

        *ret_items = calloc(n ? n : 1, item_size);
        if (!*ret_items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char path[64];
                int k;

                json_path_index(path, sizeof(path), key, i);
                k = fn(json_object_array_get_idx(array, i), path, (char *) *ret_items + i * item_size, error);
                (*ret_n)++;
                if (k < 0)
                        return k;
        }
        return 0;
}

int json_state_read_document(json_object *root, int version, const char *key, size_t item_size,
                             json_state_item_from_fn fn, void **ret_items, size_t *ret_n, char **error)
{
        json_object *array = NULL;
        long long found = 0;
        int k;

        *ret_items = NULL;
        *ret_n = 0;
        if (!json_object_is_type(root, json_type_object))
                return json_read_fail(error, "", "expected an object");
        k = json_read_int(root, "", "version", true, &found, error);
        if (k >= 0 && found != version)
                k = json_read_fail(error, "", "version %lld is not %d", found, version);
        if (k >= 0 && (!json_object_object_get_ex(root, key, &array) ||
                       !json_object_is_type(array, json_type_array)))
                k = json_read_fail(error, "", "%s: expected an array", key);
        if (k >= 0)
                k = read_items(array, key, item_size, fn, ret_items, ret_n, error);
        return k < 0 ? k : 0;
}
