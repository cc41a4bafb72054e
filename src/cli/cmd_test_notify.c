/* `mida-monitor test-notify NAME`: one test event through the same request
 * code the outbox uses, sent at once in a private event loop (nothing is
 * queued on disk), and the HTTP result. The URL is never printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config/config.h"
#include "notify/delivery.h"
#include "mida/http.h"
#include "notify/notify.h"

struct attempt {
        enum notifier_type type;
        bool done;
        int status;
        char what[256];
        double seconds;
};

static void print_unknown(const struct config *c, const char *name)
{
        fprintf(stderr, "test-notify: no notifier named '%s' in %s; ", name, c->path);
        if (c->n_notifiers == 0)
                fprintf(stderr, "none is configured\n");
        for (size_t i = 0; i < c->n_notifiers; i++)
                fprintf(stderr, "%s%s", i == 0 ? "configured: " : ", ", c->notifiers[i].name);
        if (c->n_notifiers > 0)
                fprintf(stderr, "\n");
}

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

static int report(const char *name, const struct attempt *a)
{
        enum delivery_outcome o = delivery_classify_for(a->type, a->status);

        if (o == DELIVERY_DELIVERED) {
                printf("test-notify %s: delivered (%s %d in %.2f s)\n", name, a->type == NOTIFIER_EMAIL ? "SMTP" : "HTTP",
                       a->status, a->seconds);
                return EXIT_OK;
        }
        fprintf(stderr, "test-notify %s: failed: %s (%s)\n", name, a->what, delivery_outcome_name(o));
        return EXIT_FAIL;
}

static int test_notifier(const struct config *c, const struct config_notifier *n)
{
        struct notify_context ctx = notify_context_now();
        char id[NOTIFY_EVENT_ID_SIZE];
        struct alert_event ev = {
                .id = id, .kind = ALERT_EVENT_TEST, .rule = "test-notify", .severity = "info",
                .experiment_name = "test-notify", .visitors = -1, .variant_visitors = -1,
                .created_at = time(NULL),
        };
        const struct alert_event *events[] = { &ev };
        struct attempt a = { .type = n->type };
        char *body;
        int r;

        notify_new_event_id(id);
        body = notify_render(n, &ctx, events, 1);
        if (!body) {
                fprintf(stderr, "test-notify %s: out of memory\n", n->name);
                return EXIT_FAIL;
        }
        r = send_now(n, id, body, &a);
        free(body);
        if (r < 0) {
                fprintf(stderr, "test-notify %s: cannot send: %s\n", n->name, strerror(-r));
                return EXIT_FAIL;
        }
        return report(n->name, &a);
}

int cmd_test_notify(const struct cli *cli)
{
        struct config_diag diag = { 0 };
        struct config *c = NULL;
        const struct config_notifier *n;
        int r = config_load(cli->config_path, &c, &diag), code;

        config_diag_print(&diag, stderr);
        config_diag_clear(&diag);
        if (r < 0)
                return EXIT_FAIL;
        n = config_find_notifier(c, cli->args[0]);
        if (n)
                code = test_notifier(c, n);
        else {
                print_unknown(c, cli->args[0]);
                code = EXIT_FAIL;
        }
        config_free(c);
        return code;
}
