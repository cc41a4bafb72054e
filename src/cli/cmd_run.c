/* `run` and `once`: both build a manager; `run` keeps cycling until
 * SIGTERM, `once` runs one cycle and prints what it saw. */
#include <stdio.h>

#include "commands.h"
#include "daemon/daemon.h"
#include "once_output.h"

static void print_once(void *userdata, const struct watchlist *w, const struct config *c)
{
        const struct cli *cli = userdata;

        once_output_print(stdout, w, c, cli->json);
}

static int run_manager(const struct cli *cli, enum manager_mode mode)
{
        struct manager_options o = {
                .config_path = cli->config_path, .mode = mode, .dry_run = cli->dry_run,
                .once_finished = print_once, .userdata = (void *) cli,
        };
        struct manager *m;
        int r;

        if (manager_new(&o, &m) < 0)
                return EXIT_FAIL;
        r = manager_run(m);
        manager_free(m);
        return r;
}

int cmd_run(const struct cli *cli)
{
        return run_manager(cli, MANAGER_DAEMON);
}

int cmd_once(const struct cli *cli)
{
        return run_manager(cli, MANAGER_ONCE);
}
