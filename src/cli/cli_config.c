/* The config as the commands load it: those that only read, and those
 * that send (with the secrets). */
#include <stdio.h>

#include "commands.h"
#include "config/config.h"

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
