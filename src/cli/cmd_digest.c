/* `mida-monitor digest NAME --print [--json]`: the digest as the daemon
 * would send it now, from state.db (read-only: it works while the daemon
 * runs, and changes nothing). `--send`: sends it now to each of its
 * notifiers (send_now.h) and records it as an extra digest, which is not
 * the scheduled one: the schedule goes on as before. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "daemon/digest_build.h"
#include "report/json_output.h"
#include "notify/digest.h"
#include "notify/event_id.h"
#include "notify/notify.h"
#include "send_now.h"
#include "store/db.h"
#include "store/digest_rows.h"

static int print_unknown(const struct config *c, const char *name)
{
        fprintf(stderr, "mida-monitor digest: no digest named '%s' in %s; ", name, c->path);
        if (c->n_digests == 0)
                fprintf(stderr, "none is configured (see `digests` in mida-monitor.conf(5))\n");
        for (size_t i = 0; i < c->n_digests; i++)
                fprintf(stderr, "%s%s", i == 0 ? "configured: " : ", ", c->digests[i].name);
        if (c->n_digests > 0)
                fprintf(stderr, "\n");
        return EXIT_FAIL;
}

/* The digest's tables come with schema 4: an older database (the daemon
 * has not upgraded it yet) has none to read or write. */
static int open_store(const struct config *c, bool write, struct store **ret)
{
        int r = cli_store_open("digest", c, write, ret);

        if (r >= 0 && store_version(*ret) < store_schema_version()) {
                fprintf(stderr, "mida-monitor digest: %s/%s: written by an older mida-monitor; restart the daemon "
                        "(it upgrades the database) first\n", c->monitor.state_directory, STORE_FILE);
                store_close(*ret);
                return -EPROTO;
        }
        return r;
}

static int print_digest(const struct cli *cli, const struct digest *d)
{
        char *text;

        if (cli->json)
                return json_output_print(stdout, digest_json(d)) < 0 ? EXIT_FAIL : EXIT_OK;
        if (!(text = digest_text(d))) {
                fprintf(stderr, "mida-monitor digest: out of memory\n");
                return EXIT_FAIL;
        }
        fputs(text, stdout);
        free(text);
        return EXIT_OK;
}

/* Each notifier gets it; recorded as an extra once any got it. */
static int send_digest(struct store *s, const struct config *c, const struct config_digest *cd,
                       const struct digest *d)
{
        struct notify_context ctx = notify_context_now();
        int code = EXIT_OK, delivered = 0, r;

        for (size_t i = 0; i < cd->n_notify; i++) {
                const struct config_notifier *n = &c->notifiers[cd->notify[i]];
                char *body = digest_render(n, &ctx, d);
                int k = body ? send_now_and_report("digest", n, d->id, body) : EXIT_FAIL;

                if (!body)
                        fprintf(stderr, "mida-monitor digest: %s: out of memory\n", n->name);
                delivered += k == EXIT_OK;
                code = k == EXIT_OK ? code : EXIT_FAIL;
                free(body);
        }
        if (delivered == 0)
                return EXIT_FAIL;
        r = store_digest_add(s, &(struct store_digest_row) {
                .name = cd->name, .slot = (int64_t) d->generated_at, .extra = true, .id = d->id,
                .sent_at = (int64_t) time(NULL) });
        if (r < 0 && r != -EEXIST) {
                fprintf(stderr, "mida-monitor digest: sent, but cannot record it in %s: %s\n", STORE_FILE,
                        store_failure(s));
                return EXIT_FAIL;
        }
        return code;
}

static int run(const struct cli *cli, const struct config *c, const struct config_digest *cd)
{
        struct notify_context ctx = notify_context_now();
        struct digest_data *data = NULL;
        struct store *s = NULL;
        char id[NOTIFY_EVENT_ID_SIZE];
        int64_t now = (int64_t) time(NULL);
        int r = open_store(c, cli->digest_send, &s), code = EXIT_FAIL;

        if (r < 0)
                return EXIT_FAIL;
        notify_new_event_id(id);
        r = store_read_begin(s);
        if (r >= 0)
                r = digest_build(s, c, &(struct digest_request) {
                        .digest = cd, .id = id, .now = now, .since = digest_since(s, cd, now),
                        .instance = ctx.instance }, &data);
        store_read_end(s);
        if (r < 0)
                fprintf(stderr, "mida-monitor digest: cannot read %s: %s\n", STORE_FILE,
                        r == -ENOMEM ? "out of memory" : store_failure(s));
        else if (cli->digest_send)
                code = send_digest(s, c, cd, digest_data_view(data));
        else
                code = print_digest(cli, digest_data_view(data));
        digest_data_free(data);
        store_close(s);
        return code;
}

int cmd_digest(const struct cli *cli)
{
        struct config *c = NULL;
        const struct config_digest *cd;
        int code;

        if (cli->n_args != 1 || cli->digest_print == cli->digest_send) {
                fprintf(stderr, "Usage: mida-monitor digest NAME --print [--json] | --send\n");
                return EXIT_USAGE;
        }
        if (cli->json && cli->digest_send) {
                fprintf(stderr, "mida-monitor digest: --json goes with --print\n");
                return EXIT_USAGE;
        }
        if ((cli->digest_send ? cli_config_load_secrets(cli, &c) : cli_config_load(cli, &c)) < 0)
                return EXIT_FAIL;
        cd = config_find_digest(c, cli->args[0]);
        code = cd ? run(cli, c, cd) : print_unknown(c, cli->args[0]);
        config_free(c);
        return code;
}
