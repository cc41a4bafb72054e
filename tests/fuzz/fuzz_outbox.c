/* libFuzzer harness: the outbox entry loader (outbox_record_from_json). A
 * record that loads must write back and load again as the same record. */
#include <errno.h>

#include "fuzz.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct outbox_record rec, back;
        char *error = NULL, *text;
        int r = outbox_record_from_json((const char *) data, size, &rec, &error);

        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        FUZZ_CHECK(r != -EBADMSG || error);
        free(error);
        if (r != 0)
                return 0;
        FUZZ_CHECK(rec.id && rec.notifier && rec.body);
        text = outbox_record_to_json(&rec);
        if (text) {
                error = NULL;
                r = outbox_record_from_json(text, strlen(text), &back, &error);
                FUZZ_CHECK(r == 0 || r == -ENOMEM);
                if (r == 0) {
                        FUZZ_CHECK(same_string(rec.id, back.id));
                        FUZZ_CHECK(same_string(rec.notifier, back.notifier));
                        FUZZ_CHECK(same_string(rec.body, back.body));
                        FUZZ_CHECK(same_string(rec.last_error, back.last_error));
                        FUZZ_CHECK(rec.created_at == back.created_at);
                        FUZZ_CHECK(rec.next_attempt_at == back.next_attempt_at);
                        FUZZ_CHECK(rec.attempts == back.attempts);
                        outbox_record_clear(&back);
                }
                free(error);
                free(text);
        }
        outbox_record_clear(&rec);
        return 0;
}
