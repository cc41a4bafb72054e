/* The `digests` list: scheduled summaries of the watched experiments,
 * each with a schedule ("daily 09:00", "mon,thu 09:00") in an IANA time
 * zone, the notifiers it goes to and an optional experiments filter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const digest_keys[] = { "name", "schedule", "timezone", "notify", "experiments" };

static void load_schedule(struct config_loader *l, const config_setting_t *g, const char *where,
                          struct config_digest *d)
{
        const char *text = NULL, *why = NULL;

        if (!loader_string(l, g, where, "schedule", true, &text))
                return;
        if (weekly_schedule_parse(text, &d->schedule, &why) < 0)
                loader_error(l, config_setting_get_member(g, "schedule"), "schedule \"%s\" of %s: %s", text, where, why);
        else
                d->schedule_text = strdup(text);
}

static void load_timezone(struct config_loader *l, const config_setting_t *g, const char *where,
                          struct config_digest *d)
{
        const char *tz = NULL;

        if (!loader_string(l, g, where, "timezone", false, &tz))
                return;
        if (!timezone_known(tz))
                loader_error(l, config_setting_get_member(g, "timezone"),
                             "unknown timezone '%s' in %s: use an IANA name from tzdata, e.g. \"Europe/Berlin\" "
                             "(see timedatectl list-timezones)", tz, where);
        else
                d->timezone = strdup(tz);
}

/* Every notifier must take digests, and there must be one. */
static void load_digest_notify(struct config_loader *l, const config_setting_t *g, const char *where,
                               const struct config *c, struct config_digest *d)
{
        const config_setting_t *s = config_setting_get_member(g, "notify");

        if (!s) {
                loader_error(l, g, "%s needs 'notify': the notifiers it is sent to", where);
                return;
        }
        if (!loader_notifier_refs(l, g, where, c, &d->notify, &d->n_notify))
                return;
        for (size_t i = 0; i < d->n_notify; i++) {
                const struct config_notifier *n = &c->notifiers[d->notify[i]];

                if (!notifier_type_takes_digests(n->type))
                        loader_error(l, s, "notifier '%s' of %s is of type %s, which takes alerts, not digests: "
                                     "send digests to slack, webhook, teams or email notifiers", n->name, where,
                                     notifier_type_to_string(n->type));
        }
}

static void load_digest(struct config_loader *l, const config_setting_t *list, int index, const struct config *c,
                        struct config_digest *d)
{
        const config_setting_t *g = config_setting_get_elem(list, (unsigned) index), *s;
        char where[96];

        *d = (struct config_digest) { .line = loader_line(g) };
        if (!loader_begin_entry(l, list, index, "digest", digest_keys, N_ELEMENTS(digest_keys), &d->name, where,
                                sizeof(where)))
                return;
        load_schedule(l, g, where, d);
        load_timezone(l, g, where, d);
        load_digest_notify(l, g, where, c, d);
        if ((s = config_setting_get_member(g, "experiments")))
                loader_id_list(l, s, where, true, &d->experiments, &d->n_experiments);
}

void load_digests(struct config_loader *l, const config_setting_t *list, struct config *c)
{
        c->digests = loader_alloc_entries(l, list, "digests", sizeof(*c->digests));
        for (int i = 0; c->digests && i < config_setting_length(list); i++, c->n_digests++)
                load_digest(l, list, i, c, &c->digests[i]);
}

void config_digests_free(struct config *c)
{
        for (size_t i = 0; i < c->n_digests; i++) {
                struct config_digest *d = &c->digests[i];

                free(d->name);
                free(d->schedule_text);
                free(d->timezone);
                free(d->notify);
                loader_free_strv(d->experiments, d->n_experiments);
        }
        free(c->digests);
        c->digests = NULL;
        c->n_digests = 0;
}
