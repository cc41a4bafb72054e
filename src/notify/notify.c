#include "notify.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "outbox.h"

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

char *notify_render(enum notifier_type type, const struct alert_event *const *events, size_t n)
{
        json_object *o;

        if (n == 0 || !events)
                return NULL;
        if (type == NOTIFIER_WEBHOOK && n != 1)
                return NULL;
        o = type == NOTIFIER_SLACK ? slack_payload(events, n) : webhook_payload(events[0]);
        return notify_json_text(o);
}

char *notify_json_text(json_object *o)
{
        const char *text;
        char *copy = NULL;

        if (!o)
                return NULL;
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text)
                copy = strdup(text);
        json_object_put(o);
        return copy;
}

static int enqueue_rendered(struct outbox *o, const struct config_notifier *n, const char *id,
                            const struct alert_event *const *events, size_t n_events)
{
        char *body = notify_render(n->type, events, n_events);
        int r;

        if (!body)
                return -ENOMEM;
        r = outbox_enqueue(o, n->name, id, body);
        free(body);
        return r;
}

int notify_events(struct outbox *o, const struct config_notifier *n,
                  const struct alert_event *const *events, size_t n_events)
{
        int first_error = 0;

        if (!o || !n || (!events && n_events > 0))
                return -EINVAL;
        if (n_events == 0)
                return 0;
        if (n->type == NOTIFIER_SLACK) {
                char id[NOTIFY_EVENT_ID_SIZE];

                notify_new_event_id(id);
                return enqueue_rendered(o, n, id, events, n_events);
        }
        for (size_t i = 0; i < n_events; i++) {
                int r = events[i]->id ? enqueue_rendered(o, n, events[i]->id, &events[i], 1) : -EINVAL;

                if (r < 0 && first_error == 0)
                        first_error = r;
        }
        return first_error;
}
