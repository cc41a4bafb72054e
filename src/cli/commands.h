/* Room cli/: the command line — main.c, one cmd_*.c per command, and the
 * printers of `once` and `analyze` (the analysis table, `once`'s output).
 * May use: report/ (status and history from state.db), daemon/ (the
 * manager; once's rules; digests), actions/, rules/, notify/, store/,
 * stats/, mida/, config/, util/.
 * Used by: nothing; it is the top.
 *
 * The subcommands of mida-monitor. main.c parses the command line into a
 * struct cli and calls one of these; each returns the process exit code
 * (0 success, 1 failure, 2 usage). */
#pragma once
#include <stdbool.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli {
        const char *config_path;   /* -c FILE, or the default path */
        bool config_given;         /* -c was on the command line */
        bool json;                 /* --json, or --json-lines */
        bool json_lines;           /* --json-lines (once): an object per line */
        bool dry_run;              /* --dry-run */
        const char *variant;       /* --variant V (history), or NULL */
        const char *since;         /* --since DURATION (history), or NULL */
        const char *complete;      /* --complete WHAT (hidden, the bash completion) */
        struct {                   /* silence add|list */
                const char *experiment, *rule, *for_, *until, *comment;
                bool actions, all;
                bool given;        /* one of these options was given */
        } silence;
        bool digest_print;         /* digest: --print */
        bool digest_send;          /* digest: --send */
        int log_level;             /* syslog priority from --log-level */
        int n_args;                /* positional arguments after the command */
        char **args;
};

struct config;

/* Loads the config for a command that only reads (status, history):
 * prints its errors to stderr; 0 or -errno. */
int cli_config_load(const struct cli *cli, struct config **ret);
/* The same with the secrets read, for a command that sends (test-notify,
 * digest --send); its warnings are printed too. */
int cli_config_load_secrets(const struct cli *cli, struct config **ret);
struct store;
/* Opens the state directory's state.db for a command (read-only unless
 * write), which never creates it: one made by the command would belong to
 * whoever runs it, not to the service's user. Prints why it cannot, as
 * "mida-monitor COMMAND: PATH: ...". 0 or -errno. */
int cli_store_open(const char *command, const struct config *c, bool write, struct store **ret);

int cmd_check_config(const struct cli *cli);
int cmd_digest(const struct cli *cli);
int cmd_analyze(const struct cli *cli);
int cmd_run(const struct cli *cli);
int cmd_once(const struct cli *cli);
int cmd_status(const struct cli *cli);
int cmd_history(const struct cli *cli);
int cmd_test_notify(const struct cli *cli);
/* silence add|list|expire: silences in state.db, read by the running daemon. */
int cmd_silence(const struct cli *cli);
/* --complete notifiers|rules: the names in the config, one per line, for
 * the bash completion; nothing (exit 1) when it does not load. */
int cmd_complete(const struct cli *cli);
