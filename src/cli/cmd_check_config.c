/* `mida-monitor check-config`: every error of the config file as
 * FILE:LINE: message, or a one-line summary. */
#include <stdio.h>

#include "commands.h"
#include "config/config.h"

static void print_summary(const struct config *c, FILE *out)
{
        fprintf(out, "%s: OK (experiments: ", c->path);
        if (c->monitor.experiments_live)
                fprintf(out, "live");
        else
                fprintf(out, "%zu listed", c->monitor.n_experiments);
        fprintf(out, ", %zu notifier%s, %zu rule%s)\n", c->n_notifiers, c->n_notifiers == 1 ? "" : "s",
                c->n_rules, c->n_rules == 1 ? "" : "s");
}

int cmd_check_config(const struct cli *cli)
{
        struct config_diag diag = {};
        struct config *c = NULL;
        int r = config_load_with_flags(cli->config_path, CONFIG_LOAD_CHECK_ONLY, &c, &diag);

        config_diag_print(&diag, stderr);
        config_diag_clear(&diag);
        if (r < 0)
                return EXIT_FAIL;
        print_summary(c, stdout);
        config_free(c);
        return EXIT_OK;
}
