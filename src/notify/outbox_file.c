/* The 0.1.0 delivery file read back (the format is in outbox_file.h). */
#include "outbox_file.h"

#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "util/json_read.h"
#include "outbox.h"

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

static int read_fields(json_object *o, struct outbox_record *rec, char **error)
{
        long long version = 0, attempts = 0;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return json_read_fail(error, "", "expected an object");
        if ((r = json_read_int(o, "", "version", true, &version, error)) < 0)
                return r;
        if (version != OUTBOX_FILE_VERSION)
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

int outbox_record_from_json(const char *text, size_t len, struct outbox_record *ret, char **error)
{
        struct outbox_record rec = { 0 };
        json_object *o = NULL;
        int r = json_read_document(text, len, &o, error);

        if (r >= 0)
                r = read_fields(o, &rec, error);
        json_object_put(o);
        if (r < 0) {
                outbox_record_clear(&rec);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = rec;
        return 0;
}

void outbox_record_clear(struct outbox_record *r)
{
        free(r->id);
        free(r->notifier);
        free(r->body);
        free(r->last_error);
        *r = (struct outbox_record) { 0 };
}
