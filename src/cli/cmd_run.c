/* `run` and `once`: both build a manager; `run` keeps cycling until
 * SIGTERM, `once` runs one cycle and prints what it saw. */
#include <stdio.h>
#include <time.h>

#include "commands.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "once_output.h"
#include "rules/silences.h"
#include "store/db.h"

struct once_printer {
        const struct cli *cli;
        struct once_stream stream;
        struct silences silences;
        bool silences_read;
};

/* The silences of the state directory, read once, if it has a database:
 * `once` shows which alert they would hold back. */
static const struct silences *read_silences(struct once_printer *p, const struct config *c)
{
        struct store *s = NULL;

        if (!p->silences_read && store_open(c->monitor.state_directory, STORE_READ_ONLY, &s) >= 0)
                (void) silences_load(s, time(NULL), &p->silences);
        store_close(s);
        p->silences_read = true;
        return &p->silences;
}

static void print_once_experiment(void *userdata, struct watched_experiment *e, const struct config *c)
{
        struct once_printer *p = userdata;

        p->stream.silences = read_silences(p, c);
        if (p->cli->json)
                once_stream_experiment(&p->stream, e, c);
}

static void print_once(void *userdata, const struct watchlist *w, const struct config *c)
{
        struct once_printer *p = userdata;

        if (p->cli->json)
                once_stream_finish(&p->stream);
        else
                once_output_print(stdout, w, c, read_silences(p, c));
}

static int run_manager(const struct cli *cli, enum manager_mode mode)
{
        struct once_printer printer = { .cli = cli, .stream = { .out = stdout, .lines = cli->json_lines } };
        struct manager_options o = {
                .config_path = cli->config_path, .mode = mode, .dry_run = cli->dry_run,
                .once_finished = print_once, .once_analysed = print_once_experiment, .userdata = &printer,
        };
        struct manager *m;
        int r;

        if (manager_new(&o, &m) < 0)
                return EXIT_FAIL;
        r = manager_run(m);
        manager_free(m);
        silences_clear(&printer.silences);
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
