#include "notify.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "notify_email.h"
#include "outbox.h"

struct notify_context notify_context_now(void)
{
        static char host[256];

        /* The host name does not change under a running daemon. */
        if (!host[0] && (gethostname(host, sizeof(host) - 1) < 0 || !host[0]))
                snprintf(host, sizeof(host), "localhost");
        return (struct notify_context) { .now = time(NULL), .instance = host };
}

bool notify_wants(enum notifier_type type, const struct alert_event *ev)
{
        if (ev->state_only)
                return type == NOTIFIER_ALERTMANAGER ||
                       (type == NOTIFIER_PAGERDUTY && ev->kind == ALERT_EVENT_RESOLVED);
        /* Paging and alert routing are about alerts: a successful action is
         * told where people read (Slack, Teams, e-mail, webhooks). */
        if (ev->kind == ALERT_EVENT_ACTION || ev->kind == ALERT_EVENT_LIFECYCLE)
                return type != NOTIFIER_ALERTMANAGER && type != NOTIFIER_PAGERDUTY;
        return true;
}

bool notify_groups(enum notifier_type type)
{
        return type == NOTIFIER_SLACK || type == NOTIFIER_TEAMS || type == NOTIFIER_ALERTMANAGER;
}

char *notify_render(const struct config_notifier *n, const struct notify_context *ctx,
                    const struct alert_event *const *events, size_t count)
{
        if (count == 0 || !events || (!notify_groups(n->type) && count != 1))
                return NULL;
        switch (n->type) {
        case NOTIFIER_SLACK: return notify_json_text(slack_payload(events, count));
        case NOTIFIER_TEAMS: return notify_json_text(teams_payload(events, count));
        case NOTIFIER_ALERTMANAGER: return notify_json_text(alertmanager_payload(events, count, ctx));
        case NOTIFIER_PAGERDUTY: return notify_json_text(pagerduty_payload(events[0], ctx));
        case NOTIFIER_EMAIL: return email_message(n, events[0], ctx);
        case NOTIFIER_WEBHOOK: break;
        }
        return notify_json_text(webhook_payload(events[0]));
}

static int enqueue_rendered(struct outbox *o, const struct config_notifier *n, const struct notify_context *ctx,
                            const char *id, const struct alert_event *const *events, size_t n_events)
{
        char *body = notify_render(n, ctx, events, n_events);
        int r;

        if (!body)
                return -ENOMEM;
        r = outbox_enqueue(o, n->name, id, body);
        free(body);
        return r;
}

/* The events n wants, in order, into wanted (room for n_events). */
static size_t select_wanted(const struct config_notifier *n, const struct alert_event *const *events, size_t n_events,
                            const struct alert_event **wanted)
{
        size_t k = 0;

        for (size_t i = 0; i < n_events; i++)
                if (notify_wants(n->type, events[i]))
                        wanted[k++] = events[i];
        return k;
}

int notify_events(struct outbox *o, const struct config_notifier *n, const struct notify_context *ctx,
                  const struct alert_event *const *events, size_t n_events)
{
        const struct alert_event **wanted;
        int first_error = 0;
        size_t k;

        if (!o || !n || !ctx || (!events && n_events > 0))
                return -EINVAL;
        if (n_events == 0)
                return 0;
        wanted = calloc(n_events, sizeof(*wanted));
        if (!wanted)
                return -ENOMEM;
        k = select_wanted(n, events, n_events, wanted);
        if (k > 0 && notify_groups(n->type)) {
                char id[NOTIFY_EVENT_ID_SIZE];

                notify_new_event_id(id);
                first_error = enqueue_rendered(o, n, ctx, id, wanted, k);
        }
        for (size_t i = 0; i < k && !notify_groups(n->type); i++) {
                int r = wanted[i]->id ? enqueue_rendered(o, n, ctx, wanted[i]->id, &wanted[i], 1) : -EINVAL;

                if (r < 0 && first_error == 0)
                        first_error = r;
        }
        free(wanted);
        return first_error;
}
