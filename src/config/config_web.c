/* The `web` group: the optional status page's listener, off when the group
 * is absent. The page is read-only but shows every experiment's figures,
 * so a listen address that is not loopback needs allow_remote = true and
 * a basic_auth_file; TLS is a reverse proxy's job. The auth file is read
 * here so that check-config finds a plain-text password before the daemon
 * would serve anyone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "htpasswd.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const web_keys[] = { "listen", "allow_remote", "basic_auth_file" };

static void load_listen(struct config_loader *l, const config_setting_t *g, struct config_web *w)
{
        const config_setting_t *s = config_setting_get_member(g, "listen");
        const char *text = CONFIG_WEB_DEFAULT_LISTEN;

        if (s && !loader_string(l, g, "web", "listen", false, &text))
                return;
        if (listen_address_parse(text, &w->address) < 0) {
                loader_error(l, s, "'listen' in web must be ADDRESS:PORT, the address numeric or localhost, "
                             "e.g. \"127.0.0.1:9447\" or \"[::1]:9447\"; not \"%s\"", text);
                return;
        }
        w->listen = strdup(text);
        if (!listen_address_is_loopback((const struct sockaddr *) &w->address.address) &&
            (!w->allow_remote || !w->basic_auth_file))
                loader_error(l, s, "web.listen %s is not loopback: set allow_remote = true and basic_auth_file, "
                             "and put TLS in front (a reverse proxy)", text);
}

static void load_auth_file(struct config_loader *l, const config_setting_t *g, struct config_web *w)
{
        const config_setting_t *s = config_setting_get_member(g, "basic_auth_file");
        struct htpasswd users;
        const char *path;
        char why[512];
        int r;

        if (!loader_string(l, g, "web", "basic_auth_file", false, &path))
                return;
        if (!*path) {
                loader_error(l, s, "'basic_auth_file' in web must not be empty");
                return;
        }
        if (!(w->basic_auth_file = loader_resolve_path(l, path)))
                return;
        r = htpasswd_load(w->basic_auth_file, &users, why, sizeof(why));
        if (r == -EINVAL)
                loader_error(l, s, "%s", why);
        else if (r < 0)
                loader_error(l, s, "cannot read 'basic_auth_file' in web (%s): %s", w->basic_auth_file, strerror(-r));
        else
                htpasswd_clear(&users);   /* web/ reads it again when it starts */
}

void load_web(struct config_loader *l, const config_setting_t *g, struct config_web *w)
{
        loader_check_known(l, g, "web", web_keys, N_ELEMENTS(web_keys));
        w->enabled = true;
        w->line = loader_line(g);
        loader_bool(l, g, "web", "allow_remote", &w->allow_remote);
        load_auth_file(l, g, w);
        load_listen(l, g, w);   /* last: whether it may be remote depends on the two above */
}

void config_web_clear(struct config_web *w)
{
        free(w->listen);
        free(w->basic_auth_file);
        *w = (struct config_web) { 0 };
}
