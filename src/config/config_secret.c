/* Secrets in the config: inline, from a file, or from a systemd credential.
 * Messages name the setting and the file path, never the value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_loader.h"
#include "secret.h"

/* Remembers a credential that check-config could not look up, for the one
 * warning config_load prints about them. */
static void defer_credential(struct config_loader *l, const config_setting_t *s, const char *name)
{
        char *joined = NULL;

        if (!l->deferred_credentials)
                l->deferred_line = loader_line(s);
        if (asprintf(&joined, "%s%s%s", l->deferred_credentials ? l->deferred_credentials : "",
                     l->deferred_credentials ? ", " : "", name) < 0)
                return;
        free(l->deferred_credentials);
        l->deferred_credentials = joined;
}

static int read_secret_file(struct config_loader *l, const config_setting_t *s, const char *where,
                            const char *what, const char *path, char **ret)
{
        bool exposed = false;
        int r = secret_read_file(path, ret, &exposed);

        if (r < 0) {
                loader_error(l, s, "cannot read %s in %s (%s): %s", what, where, path, secret_strerror(r));
                return -1;
        }
        if (exposed)
                loader_warning(l, s, "%s in %s: %s is readable by group or others (chmod 600 it)",
                               what, where, path);
        return 1;
}

static int from_file(struct config_loader *l, const config_setting_t *s, const char *where, char **ret)
{
        char what[64], *path;
        int r;

        snprintf(what, sizeof(what), "'%s'", config_setting_name(s));
        if (config_setting_type(s) != CONFIG_TYPE_STRING || !*config_setting_get_string(s)) {
                loader_error(l, s, "%s in %s must be a file name", what, where);
                return -1;
        }
        path = loader_resolve_path(l, config_setting_get_string(s));
        if (!path)
                return -1;
        r = read_secret_file(l, s, where, what, path, ret);
        free(path);
        return r;
}

/* s is the credential setting, or the group when the default name applies. */
static int from_credential(struct config_loader *l, const config_setting_t *s, bool explicit,
                           const char *where, const char *name, char **ret)
{
        char what[128], *path = NULL;
        int r;

        snprintf(what, sizeof(what), "credential '%.100s'", name);
        r = secret_credential_path(name, &path);
        if (r == -EINVAL) {
                loader_error(l, s, "%s in %s is not a valid credential name", what, where);
                return -1;
        }
        if (r == -ENXIO && (l->flags & CONFIG_LOAD_CHECK_ONLY)) {
                defer_credential(l, s, name);
                return 2;
        }
        if (r == -ENXIO && !explicit)
                return 0;
        if (r == -ENXIO) {
                loader_error(l, s, "%s in %s cannot be read: $CREDENTIALS_DIRECTORY is not set "
                             "(pass it with LoadCredential= in the service)", what, where);
                return -1;
        }
        if (r < 0)
                return -1;
        if (!explicit && access(path, F_OK) < 0 && errno == ENOENT)
                r = 0;   /* the default credential was simply not provided */
        else
                r = read_secret_file(l, s, where, what, path, ret);
        free(path);
        return r;
}

int loader_secret(struct config_loader *l, const config_setting_t *group, const char *where,
                  const char *inline_key, const char *file_key, const char *credential_key,
                  const char *default_credential, char **ret)
{
        const char *keys[] = { inline_key, file_key, credential_key };
        const config_setting_t *given[3], *first = NULL;
        int n_given = 0;

        for (int i = 0; i < 3; i++) {
                given[i] = keys[i] ? config_setting_get_member(group, keys[i]) : NULL;
                if (!given[i])
                        continue;
                if (++n_given == 1) {
                        first = given[i];
                        continue;
                }
                loader_error(l, given[i], "%s sets both '%s' and '%s'; set only one",
                             where, config_setting_name(first), keys[i]);
                return -1;
        }
        if (given[0]) {
                if (config_setting_type(given[0]) != CONFIG_TYPE_STRING || !*config_setting_get_string(given[0])) {
                        loader_error(l, given[0], "'%s' in %s must be a non-empty string", inline_key, where);
                        return -1;
                }
                *ret = strdup(config_setting_get_string(given[0]));
                return *ret ? 1 : -1;
        }
        if (given[1])
                return from_file(l, given[1], where, ret);
        if (given[2]) {
                if (config_setting_type(given[2]) != CONFIG_TYPE_STRING) {
                        loader_error(l, given[2], "'%s' in %s must be a credential name", credential_key, where);
                        return -1;
                }
                return from_credential(l, given[2], true, where, config_setting_get_string(given[2]), ret);
        }
        if (default_credential)
                return from_credential(l, group, false, where, default_credential, ret);
        return 0;
}
