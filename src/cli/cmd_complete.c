/* The hidden --complete: names from the config for the bash completion
 * (completion/mida-monitor). Names only: never a URL or a secret. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config/config.h"

int cmd_complete(const struct cli *cli)
{
        struct config *c;
        bool notifiers = strcmp(cli->complete, "notifiers") == 0, rules = strcmp(cli->complete, "rules") == 0;
        bool digests = strcmp(cli->complete, "digests") == 0;

        if (!notifiers && !rules && !digests) {
                fprintf(stderr, "mida-monitor: --complete takes notifiers, rules or digests\n");
                return EXIT_USAGE;
        }
        if (cli_config_load(cli, &c) < 0)
                return EXIT_FAIL;
        for (size_t i = 0; notifiers && i < c->n_notifiers; i++)
                printf("%s\n", c->notifiers[i].name);
        for (size_t i = 0; rules && i < c->n_rules; i++)
                printf("%s\n", c->rules[i].name);
        for (size_t i = 0; digests && i < c->n_digests; i++)
                printf("%s\n", c->digests[i].name);
        config_free(c);
        return EXIT_OK;
}
