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
#include "util/log.h"
#include "web/web_server.h"

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

/* `run`'s status page: the web listener beside the manager, on its loop,
 * told of cycles and reloads through the manager's hooks. */
struct status_page {
        struct manager *manager;
        struct web_server *server;   /* NULL: not serving */
};

static void web_cycle_finished(void *userdata)
{
        struct status_page *w = userdata;

        web_server_cycle_finished(w->server);
}

static void web_config_reloaded(void *userdata, const struct config *c)
{
        struct status_page *w = userdata;

        if (w->server)
                web_server_config_reloaded(w->server, c);
        else if (c->web.enabled)
                log_notice("web: the web group applies at the next restart");
}

static char *web_metrics_text(void *userdata, size_t *len)
{
        struct status_page *w = userdata;
        char *text = NULL;

        return manager_metrics_text(w->manager, &text, len) < 0 ? NULL : text;
}

/* A page that cannot be served is logged, and the daemon monitors on. */
static void web_start(struct status_page *w)
{
        const struct web_server_options o = {
                .event = manager_event(w->manager), .config = manager_config(w->manager), .chartjs_dir = CHARTJS_DIR,
                .metrics_text = web_metrics_text, .userdata = w,
        };

        if (web_server_wanted(o.config))
                (void) web_server_new(&o, &w->server);
}

static int run_manager(const struct cli *cli, enum manager_mode mode)
{
        struct once_printer printer = { .cli = cli, .stream = { .out = stdout, .lines = cli->json_lines } };
        struct status_page web = { 0 };
        struct manager_options o = {
                .config_path = cli->config_path, .mode = mode, .dry_run = cli->dry_run,
                .once_finished = print_once, .once_analysed = print_once_experiment, .userdata = &printer,
        };
        struct manager *m;
        int r;

        if (mode == MANAGER_DAEMON) {
                o.cycle_finished = web_cycle_finished;
                o.config_reloaded = web_config_reloaded;
                o.hooks_userdata = &web;
        }
        if (manager_new(&o, &m) < 0)
                return EXIT_FAIL;
        web.manager = m;
        if (mode == MANAGER_DAEMON)
                web_start(&web);
        r = manager_run(m);
        web_server_free(web.server);
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
