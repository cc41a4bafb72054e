/* libFuzzer harness: the reader of 0.1.0's outbox files
 * (outbox_record_from_json), which the import of a 0.1.0 state directory
 * runs on whatever it finds. A record that loads names a notifier and an
 * id the outbox accepts, has a body, and loads the same way again. */
#include <errno.h>

#include "fuzz.h"
#include "notify/outbox.h"
#include "notify/outbox_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        fuzz_quiet_log();
        return 0;
}

static bool same_string(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_same(const struct outbox_record *a, const struct outbox_record *b)
{
        FUZZ_CHECK(same_string(a->id, b->id));
        FUZZ_CHECK(same_string(a->notifier, b->notifier));
        FUZZ_CHECK(same_string(a->body, b->body));
        FUZZ_CHECK(same_string(a->last_error, b->last_error));
        FUZZ_CHECK(a->created_at == b->created_at);
        FUZZ_CHECK(a->next_attempt_at == b->next_attempt_at);
        FUZZ_CHECK(a->attempts == b->attempts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct outbox_record rec, again;
        char *error = NULL;
        int r = outbox_record_from_json((const char *) data, size, &rec, &error);

        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        FUZZ_CHECK(r != -EBADMSG || error);
        free(error);
        if (r != 0)
                return 0;
        FUZZ_CHECK(outbox_valid_token(rec.id) && outbox_valid_token(rec.notifier) && rec.body);
        error = NULL;
        r = outbox_record_from_json((const char *) data, size, &again, &error);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        if (r == 0) {
                check_same(&rec, &again);
                outbox_record_clear(&again);
        }
        free(error);
        outbox_record_clear(&rec);
        return 0;
}
