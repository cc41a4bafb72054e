/* `mida-monitor test-notify NAME`: one test event sent at once
 * (send_now.h), and the HTTP result. The URL is never printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config/config.h"
#include "send_now.h"
#include "notify/notify.h"

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
        char *body;
        int code;

        notify_new_event_id(id);
        body = notify_render(n, &ctx, events, 1);
        if (!body) {
                fprintf(stderr, "test-notify %s: out of memory\n", n->name);
                return EXIT_FAIL;
        }
        code = send_now_and_report("test-notify", n, id, body);
        free(body);
        return code;
}

int cmd_test_notify(const struct cli *cli)
{
        struct config *c = NULL;
        const struct config_notifier *n;
        int code;

        if (cli_config_load_secrets(cli, &c) < 0)
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
