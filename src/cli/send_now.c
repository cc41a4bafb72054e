#include "send_now.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "mida/http.h"
#include "notify/delivery.h"

struct attempt {
        enum notifier_type type;
        bool done;
        int status;
        char what[256];
        double seconds;
};

static void on_done(const struct http_response *r, void *userdata)
{
        struct attempt *a = userdata;

        a->done = true;
        a->status = r->status;
        a->seconds = r->total_seconds;
        delivery_describe_for(a->type, r, a->what, sizeof(a->what));
}

/* Sends body and waits for the answer. Returns 0 or -errno from the
 * event loop or the request set-up. */
static int send_now(const struct config_notifier *n, const char *id, const char *body, struct attempt *a)
{
        const struct http_client_options opts = { .user_agent = "mida-monitor/" PACKAGE_VERSION };
        struct http_client *http = NULL;
        sd_event *e = NULL;
        int r = sd_event_new(&e);

        if (r >= 0 && !(http = http_client_new(e, &opts)))
                r = -ENOMEM;
        if (r >= 0)
                r = delivery_start(http, n, id, body, strlen(body), time(NULL), on_done, a, NULL);
        while (r >= 0 && !a->done)
                r = sd_event_run(e, UINT64_MAX);
        http_client_free(http);
        sd_event_unref(e);
        return r < 0 ? r : 0;
}

static int report(const char *what, const char *name, const struct attempt *a)
{
        enum delivery_outcome o = delivery_classify_for(a->type, a->status);

        if (o == DELIVERY_DELIVERED) {
                printf("%s %s: delivered (%s %d in %.2f s)\n", what, name, a->type == NOTIFIER_EMAIL ? "SMTP" : "HTTP",
                       a->status, a->seconds);
                return EXIT_OK;
        }
        fprintf(stderr, "%s %s: failed: %s (%s)\n", what, name, a->what, delivery_outcome_name(o));
        return EXIT_FAIL;
}

int send_now_and_report(const char *what, const struct config_notifier *n, const char *id, const char *body)
{
        struct attempt a = { .type = n->type };
        int r = send_now(n, id, body, &a);

        if (r < 0) {
                fprintf(stderr, "%s %s: cannot send: %s\n", what, n->name, strerror(-r));
                return EXIT_FAIL;
        }
        return report(what, n->name, &a);
}
