/* What the readers of 0.1.0's files share: a file loaded or, when corrupt,
 * moved aside; one JSON document read whole; the versioned documents of
 * one array (alerts.json, actions.json, health.json). */
#include "upgrade_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/atomic_file.h"
#include "util/json_read.h"
#include "util/log.h"

/* Far above any real ledger or alert set; a bigger file is corrupt. */
#define JSON_FILE_MAX_BYTES (64u << 20)

int upgrade_load_file(const char *dir, const char *name, upgrade_read_fn *read, void *userdata)
{
        char path[4096], *error = NULL;
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        r = read(path, userdata, &error);
        if (r == -ENOENT)
                return 0;
        if (r == -EINVAL) {
                /* Kept for a post-mortem: a fresh start beats not running. */
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

struct json_file {
        upgrade_parse_fn *parse;
        void *userdata;
};

static int read_json_file(const char *path, void *userdata, char **error)
{
        const struct json_file *f = userdata;
        json_object *root = NULL;
        char *text = NULL;
        size_t len = 0;
        int r = read_file_limited(path, JSON_FILE_MAX_BYTES, &text, &len);

        if (r == -EFBIG)
                r = json_read_fail(error, "", "larger than %u bytes", JSON_FILE_MAX_BYTES);
        if (r >= 0)
                r = json_read_document(text, len, &root, error);
        if (r >= 0)
                r = f->parse(root, f->userdata, error);
        json_object_put(root);
        free(text);
        return r;
}

int upgrade_load_json(const char *dir, const char *name, upgrade_parse_fn *parse, void *userdata)
{
        struct json_file f = { parse, userdata };

        return upgrade_load_file(dir, name, read_json_file, &f);
}

static int read_items(json_object *array, const char *key, size_t item_size, upgrade_item_fn *fn,
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

int upgrade_read_document(json_object *root, int version, const char *key, size_t item_size, upgrade_item_fn *fn,
                          void **ret_items, size_t *ret_n, char **error)
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
