/* mida-monitor: command-line entry point. Parses argv and dispatches to a
 * subcommand; the commands themselves live in cmd_*.c. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util/log.h"

#define DEFAULT_CONFIG SYSCONFDIR "/mida-monitor/mida-monitor.conf"

struct command {
        const char *name;
        int (*run)(const struct cli *cli);   /* NULL: not available yet */
        int max_args;
        bool takes_json, takes_dry_run;
        bool takes_filters;                  /* --variant, --since */
        bool takes_json_lines;
        bool takes_silence;                  /* --experiment, --rule, --for, --until, ... */
        bool takes_digest;                   /* --print, --send */
};

static const struct command commands[] = {
        { "run",          cmd_run,          0, false, false, false, false, false, false },
        { "check-config", cmd_check_config, 0, false, false, false, false, false, false },
        { "once",         cmd_once,         0, true,  true,  false, true,  false, false },
        { "analyze",      cmd_analyze,      1, true,  false, false, false, false, false },
        { "status",       cmd_status,       0, true,  false, false, false, false, false },
        { "history",      cmd_history,      1, true,  false, true,  false, false, false },
        { "test-notify",  cmd_test_notify,  1, false, false, false, false, false, false },
        { "silence",      cmd_silence,      2, true,  false, false, false, true,  false },
        { "digest",       cmd_digest,       1, true,  false, false, false, false, true  },
};

static void usage(FILE *out)
{
        fprintf(out,
                "Usage: mida-monitor [-c FILE] COMMAND [ARGS]\n"
                "\n"
                "Watches Mida A/B test results, alerts on rules, and can pause experiments.\n"
                "\n"
                "Commands:\n"
                "  run                      run the daemon in the foreground (systemd Type=notify)\n"
                "  check-config             validate the config file; print every error as FILE:LINE: message\n"
                "  once [--dry-run] [--json|--json-lines]\n"
                "                           one poll cycle now; print the analysis and the\n"
                "                           rules that hold (never notifies or acts)\n"
                "  analyze [FILE|-] [--json]  analyse a saved Get Experiment Result response offline\n"
                "  status [--json]          what the running daemon last saw\n"
                "  history ID [--variant V] [--since DURATION] [--json]\n"
                "                           the recorded polls of one experiment with the\n"
                "                           figures at each, and a sparkline of each lift\n"
                "  test-notify NAME         send a test message through one notifier\n"
                "  silence add (--experiment ID | --rule NAME | both) [--variant V]\n"
                "              (--for DURATION | --until TIME) --comment TEXT [--actions]\n"
                "                           hold back an alert's messages (and with --actions\n"
                "                           its action); prints the silence's id\n"
                "  silence list [--all] [--json]   the silences in force or to come\n"
                "  silence expire ID        end a silence now\n"
                "  digest NAME --print [--json]   the digest as it would be sent now (a preview)\n"
                "  digest NAME --send       send the digest now (an extra, not the scheduled one)\n"
                "\n"
                "Options:\n"
                "  -c, --config FILE        config file (default %s)\n"
                "      --json               machine-readable output\n"
                "      --json-lines         once: one JSON object per line, as results arrive\n"
                "      --dry-run            send nothing, change nothing\n"
                "      --variant V          history: only variant V (and the control);\n"
                "                           silence: only the alerts of variant V\n"
                "      --since DURATION     history: only the polls of the last DURATION (7d, 12h)\n"
                "      --log-level LEVEL    error, warning, notice, info (default) or debug\n"
                "  -h, --help               show this help\n"
                "  -V, --version            show the version\n",
                DEFAULT_CONFIG);
}

static int usage_error(const char *fmt, const char *arg)
{
        fprintf(stderr, "mida-monitor: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n\n");
        usage(stderr);
        return EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

/* Parses options anywhere on the line; returns -1 to go on, else an exit code. */
static int parse_options(int argc, char **argv, struct cli *cli)
{
        enum { OPT_JSON = 256, OPT_JSON_LINES, OPT_DRY_RUN, OPT_LOG_LEVEL, OPT_VARIANT, OPT_SINCE, OPT_COMPLETE,
               OPT_EXPERIMENT, OPT_RULE, OPT_FOR, OPT_UNTIL, OPT_COMMENT, OPT_ACTIONS, OPT_ALL, OPT_PRINT, OPT_SEND };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "json", no_argument, NULL, OPT_JSON },
                { "json-lines", no_argument, NULL, OPT_JSON_LINES },
                { "complete", required_argument, NULL, OPT_COMPLETE },   /* hidden: for the bash completion */
                { "dry-run", no_argument, NULL, OPT_DRY_RUN },
                { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
                { "variant", required_argument, NULL, OPT_VARIANT },
                { "since", required_argument, NULL, OPT_SINCE },
                { "experiment", required_argument, NULL, OPT_EXPERIMENT },
                { "rule", required_argument, NULL, OPT_RULE },
                { "for", required_argument, NULL, OPT_FOR },
                { "until", required_argument, NULL, OPT_UNTIL },
                { "comment", required_argument, NULL, OPT_COMMENT },
                { "actions", no_argument, NULL, OPT_ACTIONS },
                { "all", no_argument, NULL, OPT_ALL },
                { "print", no_argument, NULL, OPT_PRINT },
                { "send", no_argument, NULL, OPT_SEND },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:hV", options, NULL)) >= 0) {
                switch (c) {
                case 'c': cli->config_path = optarg; cli->config_given = true; break;
                case OPT_JSON: cli->json = true; break;
                case OPT_JSON_LINES: cli->json = cli->json_lines = true; break;
                case OPT_DRY_RUN: cli->dry_run = true; break;
                case OPT_VARIANT: cli->variant = optarg; break;
                case OPT_SINCE: cli->since = optarg; break;
                case OPT_COMPLETE: cli->complete = optarg; break;
                case OPT_EXPERIMENT: cli->silence.experiment = optarg; cli->silence.given = true; break;
                case OPT_RULE: cli->silence.rule = optarg; cli->silence.given = true; break;
                case OPT_FOR: cli->silence.for_ = optarg; cli->silence.given = true; break;
                case OPT_UNTIL: cli->silence.until = optarg; cli->silence.given = true; break;
                case OPT_COMMENT: cli->silence.comment = optarg; cli->silence.given = true; break;
                case OPT_ACTIONS: cli->silence.actions = cli->silence.given = true; break;
                case OPT_ALL: cli->silence.all = cli->silence.given = true; break;
                case OPT_PRINT: cli->digest_print = true; break;
                case OPT_SEND: cli->digest_send = true; break;
                case OPT_LOG_LEVEL:
                        cli->log_level = log_level_from_string(optarg);
                        if (cli->log_level < 0)
                                return usage_error("unknown log level '%s'", optarg);
                        break;
                case 'h': usage(stdout); return EXIT_OK;
                case 'V': printf("mida-monitor %s\n", PACKAGE_VERSION); return EXIT_OK;
                case ':': return usage_error("option '%s' needs an argument", argv[optind - 1]);
                default: return usage_error("unknown option '%s'", argv[optind - 1]);
                }
        }
        return -1;
}

int main(int argc, char **argv)
{
        struct cli cli = { .config_path = DEFAULT_CONFIG, .log_level = LOG_INFO };
        const struct command *cmd;
        int r = parse_options(argc, argv, &cli);

        if (r >= 0)
                return r;
        if (cli.complete)
                return cmd_complete(&cli);
        if (optind >= argc)
                return usage_error("%s", "no command given");
        cmd = find_command(argv[optind]);
        if (!cmd)
                return usage_error("unknown command '%s'", argv[optind]);
        cli.args = argv + optind + 1;
        cli.n_args = argc - optind - 1;
        if (cli.n_args > cmd->max_args)
                return usage_error("too many arguments for '%s'", cmd->name);
        if ((cli.json && !cmd->takes_json) || (cli.json_lines && !cmd->takes_json_lines) ||
            (cli.dry_run && !cmd->takes_dry_run) ||
            (cli.since && !cmd->takes_filters) || (cli.variant && !cmd->takes_filters && !cmd->takes_silence) ||
            (cli.silence.given && !cmd->takes_silence) || ((cli.digest_print || cli.digest_send) && !cmd->takes_digest))
                return usage_error("option not valid for '%s'", cmd->name);
        if (!cmd->run) {
                fprintf(stderr, "mida-monitor: '%s' is not available yet in this version\n", cmd->name);
                return EXIT_USAGE;
        }
        log_setup(LOG_TARGET_AUTO, cli.log_level);
        return cmd->run(&cli);
}
