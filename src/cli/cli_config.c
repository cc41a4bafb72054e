/* What the commands share to start: the config as they load it (those
 * that only read, and those that send, with the secrets), and state.db. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "store/db.h"

static int load(const struct cli *cli, unsigned flags, struct config **ret)
{
        struct config_diag diag = { 0 };
        int r = config_load_with_flags(cli->config_path, flags, ret, &diag);

        if (r < 0 || flags == 0)
                config_diag_print(&diag, stderr);
        config_diag_clear(&diag);
        return r;
}

int cli_config_load(const struct cli *cli, struct config **ret)
{
        /* Outside the service: credentials are named in a warning, not read. */
        return load(cli, CONFIG_LOAD_CHECK_ONLY, ret);
}

int cli_config_load_secrets(const struct cli *cli, struct config **ret)
{
        return load(cli, 0, ret);
}

int cli_store_open(const char *command, const struct config *c, bool write, struct store **ret)
{
        const char *dir = c->monitor.state_directory;
        char path[PATH_MAX];
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
        if (access(path, F_OK) < 0) {
                fprintf(stderr, "mida-monitor %s: %s: no state database yet: start the daemon once first\n", command,
                        path);
                return -ENOENT;
        }
        r = store_open(dir, write ? 0 : STORE_READ_ONLY, ret);
        if (r == -EPROTO)
                fprintf(stderr, "mida-monitor %s: %s: written by a newer mida-monitor; use that version\n", command,
                        path);
        else if (r < 0)
                fprintf(stderr, "mida-monitor %s: %s: %s\n", command, path, strerror(-r));
        return r;
}
