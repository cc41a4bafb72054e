/* 0.1.0's outbox/: one file per queued delivery, <notifier>.<id>.json
 * (the format is in upgrade_read.h), which the store keeps in its outbox
 * table now. */
#include "upgrade_read.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/outbox.h"
#include "util/atomic_file.h"
#include "util/json_read.h"
#include "util/log.h"

#define DELIVERY_VERSION 1

static int read_time(json_object *o, const char *key, uint64_t *out, char **error)
{
        long long v = 0;
        int r = json_read_int(o, "", key, true, &v, error);

        if (r < 0)
                return r;
        if (v < 0)
                return json_read_fail(error, key, "must not be negative");
        *out = (uint64_t) v;
        return 0;
}

static int read_fields(json_object *o, struct upgrade_delivery *rec, char **error)
{
        long long version = 0, attempts = 0;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return json_read_fail(error, "", "expected an object");
        if ((r = json_read_int(o, "", "version", true, &version, error)) < 0)
                return r;
        if (version != DELIVERY_VERSION)
                return json_read_fail(error, "version", "%lld is not supported", version);
        if ((r = json_read_string(o, "", "id", true, false, &rec->id, error)) < 0 ||
            (r = json_read_string(o, "", "notifier", true, false, &rec->notifier, error)) < 0 ||
            (r = json_read_string(o, "", "body", true, false, &rec->body, error)) < 0 ||
            (r = json_read_string(o, "", "last_error", false, false, &rec->last_error, error)) < 0 ||
            (r = json_read_int(o, "", "attempts", true, &attempts, error)) < 0 ||
            (r = read_time(o, "created_at", &rec->created_at, error)) < 0 ||
            (r = read_time(o, "next_attempt_at", &rec->next_attempt_at, error)) < 0)
                return r;
        if (attempts < 0 || attempts > 1000000)
                return json_read_fail(error, "attempts", "out of range");
        rec->attempts = (unsigned) attempts;
        if (!outbox_valid_token(rec->id) || !outbox_valid_token(rec->notifier))
                return json_read_fail(error, "", "id or notifier is not a valid name");
        return 0;
}

int upgrade_read_delivery(const char *text, size_t len, struct upgrade_delivery *ret, char **error)
{
        struct upgrade_delivery rec = { 0 };
        json_object *o = NULL;
        int r = json_read_document(text, len, &o, error);

        if (r >= 0)
                r = read_fields(o, &rec, error);
        json_object_put(o);
        if (r < 0) {
                upgrade_delivery_clear(&rec);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = rec;
        return 0;
}

void upgrade_delivery_clear(struct upgrade_delivery *r)
{
        free(r->id);
        free(r->notifier);
        free(r->body);
        free(r->last_error);
        *r = (struct upgrade_delivery) { 0 };
}

static int by_created_at(const void *a, const void *b)
{
        const struct upgrade_delivery *x = a, *y = b;
        int c;

        if (x->created_at != y->created_at)
                return x->created_at < y->created_at ? -1 : 1;
        /* The same µs (0.1.0 made them strictly increasing): a fixed order. */
        c = strcmp(x->notifier, y->notifier);
        return c ? c : strcmp(x->id, y->id);
}

/* Hidden names were atomic_write_file()'s temporaries (0.1.0's outbox
 * skipped them too). */
static bool is_delivery_file(const char *name)
{
        size_t n = strlen(name);

        return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

struct deliveries {
        struct upgrade_delivery *items;
        size_t n;
};

static void deliveries_clear(struct deliveries *all)
{
        for (size_t i = 0; i < all->n; i++)
                upgrade_delivery_clear(&all->items[i]);
        free(all->items);
        *all = (struct deliveries) { 0 };
}

static int add_delivery(struct deliveries *all, const struct upgrade_delivery *d)
{
        struct upgrade_delivery *grown = realloc(all->items, (all->n + 1) * sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        all->items = grown;
        all->items[all->n++] = *d;
        return 0;
}

/* One delivery file, as 0.1.0's outbox read it: 1 read, 0 skipped (not a
 * delivery, or not valid: logged, left where it is), -errno. */
static int read_delivery_file(struct deliveries *all, const char *outbox_dir, const char *name)
{
        char path[4096], *text = NULL, *error = NULL;
        struct upgrade_delivery d = { 0 };
        size_t len = 0;
        int r;

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", outbox_dir, name) >= sizeof(path))
                return -ENAMETOOLONG;
        r = read_file_limited(path, UPGRADE_DELIVERY_MAX_BODY + 4096, &text, &len);
        if (r >= 0)
                r = upgrade_read_delivery(text, len, &d, &error);
        free(text);
        if (r >= 0) {
                r = add_delivery(all, &d);
                if (r < 0)
                        upgrade_delivery_clear(&d);
                return r < 0 ? r : 1;
        }
        if (r == -EBADMSG || r == -EFBIG) {
                log_warning("upgrade: outbox file %s is not a valid delivery (%s): not imported, kept with %s/",
                            path, error ? error : "too large", UPGRADE_OUTBOX_DIR);
                r = 0;
        } else if (r == -EISDIR || r == -EINVAL || r == -ENOENT) {
                r = 0;   /* not a regular file, or gone: not a delivery */
        } else {
                log_error("upgrade: cannot read outbox file %s: %s", path, strerror(-r));
        }
        free(error);
        return r;
}

static int read_outbox_dir(const char *path, struct deliveries *all)
{
        struct dirent *d;
        DIR *od = opendir(path);
        int r = 0;

        if (!od) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                log_error("upgrade: cannot read %s: %s", path, strerror(-r));
                return r;
        }
        for (errno = 0; r >= 0 && (d = readdir(od)); errno = 0)
                if (is_delivery_file(d->d_name))
                        r = read_delivery_file(all, path, d->d_name);
        if (r >= 0 && errno != 0) {
                r = -errno;
                log_error("upgrade: cannot read %s: %s", path, strerror(-r));
        }
        closedir(od);
        return r < 0 ? r : 0;
}

int upgrade_load_outbox(const char *dir, struct upgrade_delivery **ret, size_t *ret_n)
{
        struct deliveries all = { 0 };
        char path[4096];
        int r;

        *ret = NULL;
        *ret_n = 0;
        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, UPGRADE_OUTBOX_DIR) >= sizeof(path))
                return -ENAMETOOLONG;
        r = read_outbox_dir(path, &all);
        if (r < 0) {
                deliveries_clear(&all);
                return r;
        }
        if (all.n > 1)   /* qsort(NULL, 0) is undefined */
                qsort(all.items, all.n, sizeof(*all.items), by_created_at);
        *ret = all.items;
        *ret_n = all.n;
        return 0;
}
