/* Event ids: fresh ones, and ones derived from what the event is. */
#include "event_id.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>

/* "evt_" and the first 16 bytes in hex. */
static void format_event_id(char buf[static NOTIFY_EVENT_ID_SIZE], const unsigned char *bytes)
{
        memcpy(buf, "evt_", 4);
        for (size_t i = 0; i < 16; i++)
                snprintf(buf + 4 + 2 * i, 3, "%02x", bytes[i]);
}

void notify_new_event_id(char buf[static NOTIFY_EVENT_ID_SIZE])
{
        unsigned char bytes[16] = { 0 };
        ssize_t got = getrandom(bytes, sizeof(bytes), 0);

        /* getrandom() of 16 bytes does not come up short once the pool is
         * initialised; should it fail, the clock still makes the id fresh. */
        if (got != (ssize_t) sizeof(bytes)) {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                memcpy(bytes, &ts, sizeof(ts) < sizeof(bytes) ? sizeof(ts) : sizeof(bytes));
        }
        format_event_id(buf, bytes);
}

void notify_derived_event_id(char buf[static NOTIFY_EVENT_ID_SIZE], const char *const *parts, size_t n)
{
        unsigned char digest[EVP_MAX_MD_SIZE] = { 0 };
        unsigned int size = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

        /* Each part with its NUL, so ("ab", "c") and ("a", "bc") differ. */
        for (size_t i = 0; ok && i < n; i++)
                ok = EVP_DigestUpdate(ctx, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
        ok = ok && EVP_DigestFinal_ex(ctx, digest, &size) && size >= 16;
        EVP_MD_CTX_free(ctx);
        if (!ok) {
                notify_new_event_id(buf);   /* unique still; only a replay is not recognised */
                return;
        }
        format_event_id(buf, digest);
}

