/* The config as the commands that only read load it. */
#include <stdio.h>

#include "commands.h"
#include "config/config.h"

int cli_config_load(const struct cli *cli, struct config **ret)
{
        struct config_diag diag = { 0 };
        /* Outside the service: credentials are named in a warning, not read. */
        int r = config_load_with_flags(cli->config_path, CONFIG_LOAD_CHECK_ONLY, ret, &diag);

        if (r < 0)
                config_diag_print(&diag, stderr);
        config_diag_clear(&diag);
        return r;
}
