/* libFuzzer harness: the reader of 0.1.0's outbox files
 * (upgrade_read_delivery), which the import of a 0.1.0 state directory
 * runs on whatever it finds. It accepts or rejects the input without
 * crashing or leaking; a delivery it accepts names a notifier and an id
 * the outbox accepts, has a body and attempts in range, and reads the same
 * way again. */
#include <errno.h>

#include "daemon/upgrade_read.h"
#include "fuzz.h"
#include "notify/outbox.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        fuzz_quiet_log();
        return 0;
}

static bool same_string(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_same(const struct upgrade_delivery *a, const struct upgrade_delivery *b)
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
        struct upgrade_delivery d = { 0 }, again = { 0 };
        char *error = NULL;
        int r = upgrade_read_delivery((const char *) data, size, &d, &error);

        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        FUZZ_CHECK(r != -EBADMSG || error);
        free(error);
        if (r != 0) {
                FUZZ_CHECK(!d.id && !d.notifier && !d.body && !d.last_error);   /* nothing half read */
                return 0;
        }
        FUZZ_CHECK(outbox_valid_token(d.id) && outbox_valid_token(d.notifier) && d.body);
        FUZZ_CHECK(d.attempts <= 1000000);
        FUZZ_CHECK(d.created_at <= INT64_MAX && d.next_attempt_at <= INT64_MAX);
        error = NULL;
        r = upgrade_read_delivery((const char *) data, size, &again, &error);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        if (r == 0) {
                check_same(&d, &again);
                upgrade_delivery_clear(&again);
        }
        free(error);
        upgrade_delivery_clear(&d);
        return 0;
}
