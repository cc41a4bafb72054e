/* The `notifiers` list of the config: where alerts go, per type — the URL,
 * the secrets each type takes (inline, _file or _credential) and the
 * e-mail addresses. A setting of another type is an error, not ignored:
 * a `routing_key` on a Slack notifier is a mistake worth a line number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config_loader.h"
#include "duration.h"
#include "secret.h"
#include "url_check.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define TYPE(t) (1u << NOTIFIER_##t)
#define ALL_TYPES (~0u)
#define MAIL_ADDRESS_MAX 254

static const char *const notifier_types[] = {
        [NOTIFIER_SLACK] = "slack", [NOTIFIER_WEBHOOK] = "webhook", [NOTIFIER_ALERTMANAGER] = "alertmanager",
        [NOTIFIER_PAGERDUTY] = "pagerduty", [NOTIFIER_TEAMS] = "teams", [NOTIFIER_EMAIL] = "email", NULL,
};

/* Every key, and the types it belongs to. */
static const struct {
        const char *key;
        unsigned types;
} notifier_keys[] = {
        { "name", ALL_TYPES }, { "type", ALL_TYPES }, { "max_age", ALL_TYPES },
        { "url", ALL_TYPES }, { "url_file", ALL_TYPES }, { "url_credential", ALL_TYPES },
        { "secret", TYPE(WEBHOOK) }, { "secret_file", TYPE(WEBHOOK) }, { "secret_credential", TYPE(WEBHOOK) },
        { "bearer_token", TYPE(ALERTMANAGER) }, { "bearer_token_file", TYPE(ALERTMANAGER) },
        { "bearer_token_credential", TYPE(ALERTMANAGER) },
        { "basic_auth", TYPE(ALERTMANAGER) }, { "basic_auth_file", TYPE(ALERTMANAGER) },
        { "basic_auth_credential", TYPE(ALERTMANAGER) },
        { "routing_key", TYPE(PAGERDUTY) }, { "routing_key_file", TYPE(PAGERDUTY) },
        { "routing_key_credential", TYPE(PAGERDUTY) },
        { "from", TYPE(EMAIL) }, { "to", TYPE(EMAIL) }, { "username", TYPE(EMAIL) },
        { "password", TYPE(EMAIL) }, { "password_file", TYPE(EMAIL) }, { "password_credential", TYPE(EMAIL) },
};

/* A secret given as KEY, KEY_file or KEY_credential; see loader_secret(). */
static int load_secret(struct config_loader *l, const config_setting_t *g, const char *where, const char *key,
                       char **ret)
{
        char file_key[64], credential_key[64];

        snprintf(file_key, sizeof(file_key), "%s_file", key);
        snprintf(credential_key, sizeof(credential_key), "%s_credential", key);
        return loader_secret(l, g, where, key, file_key, credential_key, NULL, ret);
}

/* The setting to blame for KEY given in any of its three forms. */
static const config_setting_t *secret_setting(const config_setting_t *g, const char *key)
{
        char file_key[64], credential_key[64];
        const char *keys[3] = { key, file_key, credential_key };

        snprintf(file_key, sizeof(file_key), "%s_file", key);
        snprintf(credential_key, sizeof(credential_key), "%s_credential", key);
        return loader_first_member(g, keys, N_ELEMENTS(keys));
}

/* Keys of another type than the notifier's: named with the types they
 * belong to. */
static void check_keys_fit_type(struct config_loader *l, const config_setting_t *g, const char *where,
                                enum notifier_type type)
{
        for (int i = 0; i < config_setting_length(g); i++) {
                const config_setting_t *s = config_setting_get_elem(g, (unsigned) i);

                for (size_t k = 0; k < N_ELEMENTS(notifier_keys); k++) {
                        unsigned types = notifier_keys[k].types;

                        if (strcmp(config_setting_name(s), notifier_keys[k].key) != 0 || (types & (1u << type)))
                                continue;
                        for (int t = 0; notifier_types[t]; t++)
                                if (types == (1u << t))
                                        loader_error(l, s, "'%s' in %s: only %s notifiers take it",
                                                     notifier_keys[k].key, where, notifier_types[t]);
                }
        }
}

static void load_url(struct config_loader *l, const config_setting_t *g, const char *where,
                     struct config_notifier *n)
{
        static const char *const url_keys[] = { "url", "url_file", "url_credential" };
        enum url_verdict v;
        int r = loader_secret(l, g, where, "url", "url_file", "url_credential", NULL, &n->url);

        if (r == 0 && n->type == NOTIFIER_PAGERDUTY) {
                n->url = strdup(PAGERDUTY_DEFAULT_URL);
                return;
        }
        if (r == 0)
                loader_error(l, g, "missing url in %s: set one of url, url_file or url_credential", where);
        if (r != 1)
                return;
        v = n->type == NOTIFIER_EMAIL ? url_check_mail(n->url) : url_check_transport(n->url);
        if (v != URL_OK)   /* the URL itself is a secret: not quoted */
                loader_error(l, loader_first_member(g, url_keys, N_ELEMENTS(url_keys)),
                             "url of %s %s", where, url_verdict_to_string(v));
}

/* An Alertmanager's base URL becomes the alerts endpoint. */
static void append_alerts_path(struct config_notifier *n)
{
        size_t len = strlen(n->url);
        char *full;

        while (len > 0 && n->url[len - 1] == '/')
                len--;
        if (asprintf(&full, "%.*s/api/v2/alerts", (int) len, n->url) < 0)
                return;
        secret_free_string(n->url);
        n->url = full;
}

static void load_webhook_secret(struct config_loader *l, const config_setting_t *g, const char *where,
                                struct config_notifier *n)
{
        char *text = NULL;

        if (load_secret(l, g, where, "secret", &text) == 1 &&
            secret_decode_whsec(text, &n->secret, &n->secret_size) < 0)
                loader_error(l, secret_setting(g, "secret"), "signing secret of %s is not of the form whsec_<base64>",
                             where);
        secret_free_string(text);
}

/* "Basic " and base64 of "user:password". */
static char *basic_authorization(const char *user_password)
{
        size_t len = strlen(user_password);
        char *header = malloc(6 + 4 * ((len + 2) / 3) + 1);

        if (!header)
                return NULL;
        memcpy(header, "Basic ", 6);
        EVP_EncodeBlock((unsigned char *) header + 6, (const unsigned char *) user_password, (int) len);
        return header;
}

static void load_alertmanager_auth(struct config_loader *l, const config_setting_t *g, const char *where,
                                   struct config_notifier *n)
{
        char *token = NULL, *basic = NULL;
        /* 2: a credential check-config cannot read; it is there all the same. */
        int has_token = load_secret(l, g, where, "bearer_token", &token);
        int has_basic = load_secret(l, g, where, "basic_auth", &basic);

        if (has_token >= 1 && has_basic >= 1)
                loader_error(l, secret_setting(g, "basic_auth"), "%s: set bearer_token or basic_auth, not both", where);
        else if (has_basic == 1 && !strchr(basic, ':'))
                loader_error(l, secret_setting(g, "basic_auth"), "basic_auth of %s must be USER:PASSWORD", where);
        else if (has_basic == 1)
                n->authorization = basic_authorization(basic);
        else if (has_token == 1 && asprintf(&n->authorization, "Bearer %s", token) < 0)
                n->authorization = NULL;
        secret_free_string(token);
        secret_free_string(basic);
}

static void load_routing_key(struct config_loader *l, const config_setting_t *g, const char *where,
                             struct config_notifier *n)
{
        int r = load_secret(l, g, where, "routing_key", &n->routing_key);

        if (r == 0)
                loader_error(l, g, "missing routing_key in %s: set one of routing_key, routing_key_file or "
                             "routing_key_credential (the integration key of a PagerDuty service)", where);
        else if (r == 1 && (!*n->routing_key || strlen(n->routing_key) > 128))
                loader_error(l, secret_setting(g, "routing_key"), "routing_key of %s must be 1 to 128 characters",
                             where);
}

/* A bare address, one '@' inside, nothing that could end a header or an
 * SMTP command. */
static bool mail_address_valid(const char *a)
{
        const char *at = strchr(a, '@');

        if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > MAIL_ADDRESS_MAX)
                return false;
        for (const unsigned char *p = (const unsigned char *) a; *p; p++)
                if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\"\\", *p))
                        return false;
        return true;
}

static char *mail_address(struct config_loader *l, const config_setting_t *s, const char *where, const char *key)
{
        const char *a = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;

        if (!a || !mail_address_valid(a)) {
                loader_error(l, s, "'%s' in %s must be e-mail addresses like \"alerts@example.com\"", key, where);
                return NULL;
        }
        return strdup(a);
}

static void load_mail_to(struct config_loader *l, const config_setting_t *g, const char *where,
                         struct config_notifier *n)
{
        const config_setting_t *to = config_setting_get_member(g, "to");
        bool single = to && config_setting_type(to) == CONFIG_TYPE_STRING;
        size_t count = single ? 1 : to && config_setting_is_aggregate(to) ? (size_t) config_setting_length(to) : 0;

        if (count == 0) {
                loader_error(l, to ? to : g, "%s needs 'to': an address or a list of addresses", where);
                return;
        }
        n->mail_to = calloc(count, sizeof(*n->mail_to));
        for (size_t i = 0; n->mail_to && i < count; i++) {
                const config_setting_t *s = single ? to : config_setting_get_elem(to, (unsigned) i);

                n->mail_to[n->n_mail_to] = mail_address(l, s, where, "to");
                if (n->mail_to[n->n_mail_to])
                        n->n_mail_to++;
        }
}

static void load_email(struct config_loader *l, const config_setting_t *g, const char *where,
                       struct config_notifier *n)
{
        const config_setting_t *from = config_setting_get_member(g, "from");
        const char *username = NULL;
        int r;

        if (!from)
                loader_error(l, g, "%s needs 'from', the sender's address", where);
        else
                n->mail_from = mail_address(l, from, where, "from");
        load_mail_to(l, g, where, n);
        if (loader_string(l, g, where, "username", false, &username))
                n->username = strdup(username);
        r = load_secret(l, g, where, "password", &n->password);
        /* r == 2: a credential check-config cannot read, but it is set. */
        if ((r >= 1) != (n->username != NULL) && r >= 0)
                loader_error(l, n->username ? config_setting_get_member(g, "username") : secret_setting(g, "password"),
                             "%s: SMTP AUTH needs both username and password", where);
}

static void load_type_settings(struct config_loader *l, const config_setting_t *g, const char *where,
                               struct config_notifier *n)
{
        check_keys_fit_type(l, g, where, n->type);
        load_url(l, g, where, n);
        switch (n->type) {
        case NOTIFIER_WEBHOOK:
                load_webhook_secret(l, g, where, n);
                break;
        case NOTIFIER_ALERTMANAGER:
                if (n->url)
                        append_alerts_path(n);
                load_alertmanager_auth(l, g, where, n);
                break;
        case NOTIFIER_PAGERDUTY:
                load_routing_key(l, g, where, n);
                break;
        case NOTIFIER_EMAIL:
                load_email(l, g, where, n);
                break;
        case NOTIFIER_SLACK:
        case NOTIFIER_TEAMS:
                break;
        }
}

static void load_notifier(struct config_loader *l, const config_setting_t *list, int index,
                          struct config_notifier *n)
{
        const config_setting_t *g = config_setting_get_elem(list, (unsigned) index);
        const char *keys[N_ELEMENTS(notifier_keys)];
        char where[96];
        int type = -1;

        for (size_t i = 0; i < N_ELEMENTS(notifier_keys); i++)
                keys[i] = notifier_keys[i].key;
        *n = (struct config_notifier) { .max_age_usec = 24 * 3600 * DURATION_USEC_PER_SEC, .line = loader_line(g) };
        if (!loader_begin_entry(l, list, index, "notifier", keys, N_ELEMENTS(keys), &n->name, where, sizeof(where)))
                return;
        if (!config_setting_get_member(g, "type"))
                loader_error(l, g, "missing required setting 'type' in %s "
                             "(slack, webhook, alertmanager, pagerduty, teams or email)", where);
        else if (loader_enum(l, g, where, "type", notifier_types, &type))
                n->type = (enum notifier_type) type;
        if (type >= 0)
                load_type_settings(l, g, where, n);
        else
                load_url(l, g, where, n);   /* still worth checking */
        loader_positive_duration(l, g, where, "max_age", &n->max_age_usec);
}

void load_notifiers(struct config_loader *l, const config_setting_t *list, struct config *c)
{
        c->notifiers = loader_alloc_entries(l, list, "notifiers", sizeof(*c->notifiers));
        for (int i = 0; c->notifiers && i < config_setting_length(list); i++, c->n_notifiers++) {
                load_notifier(l, list, i, &c->notifiers[i]);
                /* Alertmanager resolves an alert not re-posted by its endsAt:
                 * three polls may fail before it does. */
                c->notifiers[i].alert_lifetime_usec = 3 * c->monitor.interval_usec;
        }
}

void config_notifier_clear(struct config_notifier *n)
{
        free(n->name);
        secret_free_string(n->url);
        secret_free(n->secret, n->secret_size);
        secret_free_string(n->authorization);
        secret_free_string(n->routing_key);
        free(n->mail_from);
        loader_free_strv(n->mail_to, n->n_mail_to);
        free(n->username);
        secret_free_string(n->password);
        *n = (struct config_notifier) {};
}
