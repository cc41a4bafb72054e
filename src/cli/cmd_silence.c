/* `mida-monitor silence add|list|expire`: silences are rows of state.db,
 * written here while the daemon runs (WAL lets both write) and read by the
 * daemon at its next evaluation, without a reload. A silence never matches
 * everything: it names an experiment, a rule or both. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "config/duration.h"
#include "report/json_output.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/silence_rows.h"
#include "report/table_text.h"
#include "util/text_format.h"
#include "util/time_parse.h"

#define KEEP_ENDED_SECONDS (30 * 24 * 3600)   /* ended silences are kept this long, for the record */

static int usage_error(const char *fmt, const char *arg)
{
        fprintf(stderr, "mida-monitor silence: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n");
        return EXIT_USAGE;
}

/* ---- add: what was asked, checked ---- */

struct silence_request {
        long long experiment_id;
        const char *rule, *variant_id, *comment;
        time_t starts_at, ends_at;
        bool actions;
};

static bool parse_id(const char *text, long long *ret)
{
        char *end;
        long long v;

        errno = 0;
        v = text && *text ? strtoll(text, &end, 10) : 0;
        if (!text || !*text || *end || errno || v <= 0)
                return false;
        *ret = v;
        return true;
}

/* The rule must be in the config (a silence of no rule would never match). */
static int check_rule(const struct config *c, const char *name)
{
        const char *near = NULL;

        if (config_find_rule(c, name, &near) >= 0)
                return 0;
        if (near)
                fprintf(stderr, "mida-monitor silence: no rule '%s' in %s (did you mean '%s'?)\n", name, c->path, near);
        else
                fprintf(stderr, "mida-monitor silence: no rule '%s' in %s\n", name, c->path);
        return EXIT_USAGE;
}

static int parse_end(const struct cli *cli, time_t now, time_t *ret)
{
        uint64_t usec;

        if (!cli->silence.for_ == !cli->silence.until)
                return usage_error("%s", "give how long: --for DURATION (2h, 3d) or --until TIME, not both");
        if (cli->silence.for_) {
                if (duration_parse(cli->silence.for_, &usec) < 0 || usec < DURATION_USEC_PER_SEC)
                        return usage_error("--for '%s' is not a duration of at least 1s (90s, 2h, 3d, 1w)",
                                           cli->silence.for_);
                *ret = now + (time_t) (usec / DURATION_USEC_PER_SEC);
                return 0;
        }
        if (time_parse(cli->silence.until, ret) < 0)
                return usage_error("--until '%s' is not a time: use ISO 8601 (2026-12-08T09:00:00Z) or "
                                   "\"YYYY-MM-DD HH:MM\" in local time", cli->silence.until);
        if (*ret <= now)
                return usage_error("--until '%s' is in the past", cli->silence.until);
        return 0;
}

static int parse_request(const struct cli *cli, const struct config *c, time_t now, struct silence_request *q)
{
        int r;

        *q = (struct silence_request) { .rule = cli->silence.rule, .variant_id = cli->variant,
                                        .comment = cli->silence.comment, .starts_at = now,
                                        .actions = cli->silence.actions };
        if (cli->silence.all)
                return usage_error("%s", "--all is for 'silence list'");
        if (!cli->silence.experiment && !cli->silence.rule)
                return usage_error("%s", "a silence needs --experiment ID, --rule NAME or both: it never "
                                         "matches everything");
        if (cli->silence.experiment && !parse_id(cli->silence.experiment, &q->experiment_id))
                return usage_error("--experiment '%s' is not an experiment id (a positive integer)",
                                   cli->silence.experiment);
        if (q->rule && (r = check_rule(c, q->rule)) != 0)
                return r;
        if (!q->comment || !q->comment[strspn(q->comment, " \t")])
                return usage_error("%s", "--comment TEXT is required: say why, for whoever finds the silence");
        return parse_end(cli, now, &q->ends_at);
}

/* ---- the store ---- */

static const char *current_user(void)
{
        const char *sudo = getenv("SUDO_USER");
        const struct passwd *pw;

        if (sudo && *sudo)
                return sudo;
        pw = getpwuid(getuid());
        return pw ? pw->pw_name : NULL;
}

static void format_local(time_t t, char *buf, size_t size)
{
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0)
                snprintf(buf, size, "%lld", (long long) t);
}

static void describe_match(long long experiment_id, const char *rule, const char *variant, char *buf, size_t size)
{
        char experiment[48] = "";

        if (experiment_id > 0)
                snprintf(experiment, sizeof(experiment), "experiment %lld", experiment_id);
        snprintf(buf, size, "%s%s%s%s%s%s%s", rule ? "rule " : "", rule ? rule : "",
                 rule && experiment_id > 0 ? " on " : "", experiment, variant ? " variant " : "",
                 variant ? variant : "", !rule && experiment_id <= 0 ? "?" : "");
}

static void warn_if_unwatched(struct store *s, long long experiment_id)
{
        if (experiment_id > 0 && store_experiment_watched(s, experiment_id) == 0)
                fprintf(stderr, "mida-monitor silence: warning: experiment %lld is not watched now; "
                                "the silence applies if it is while it lasts\n", experiment_id);
}

static int silence_add(const struct cli *cli, const struct config *c)
{
        time_t now = time(NULL);
        struct silence_request q;
        struct store *s = NULL;
        char what[256], until[64];
        long long id = 0;
        int r = cli->n_args > 1 ? usage_error("%s", "'silence add' takes options, not arguments")
                                : parse_request(cli, c, now, &q);

        if (r != 0)
                return r;
        if (cli_store_open("silence", c, true, &s) < 0)
                return EXIT_FAIL;
        warn_if_unwatched(s, q.experiment_id);
        (void) store_silences_prune(s, now - KEEP_ENDED_SECONDS);
        r = store_silence_add(s, &(struct store_silence_row) {
                .experiment_id = q.experiment_id, .rule = q.rule, .variant_id = q.variant_id,
                .starts_at = q.starts_at, .ends_at = q.ends_at, .comment = q.comment, .actions = q.actions,
                .created_at = now, .created_by = current_user() }, &id);
        if (r < 0)
                fprintf(stderr, "mida-monitor silence: cannot add it to %s/%s: %s\n", c->monitor.state_directory,
                        STORE_FILE, store_failure(s));
        store_close(s);
        if (r < 0)
                return EXIT_FAIL;
        describe_match(q.experiment_id, q.rule, q.variant_id, what, sizeof(what));
        format_local(q.ends_at, until, sizeof(until));
        printf("%lld\n", id);
        fprintf(stderr, "silence %lld: %s, until %s%s; the daemon applies it from its next evaluation\n", id, what,
                until, q.actions ? ", actions withheld too" : "");
        return EXIT_OK;
}

static int silence_expire(const struct cli *cli, const struct config *c)
{
        struct store *s = NULL;
        long long id;
        time_t now = time(NULL);
        int r;

        if (cli->n_args != 2 || !parse_id(cli->args[1], &id))
                return usage_error("%s", "usage: silence expire ID (an id from 'silence list')");
        if (cli->silence.given || cli->variant)
                return usage_error("%s", "'silence expire' takes only the silence's id");
        if (cli_store_open("silence", c, true, &s) < 0)
                return EXIT_FAIL;
        r = store_silence_expire(s, id, now);
        if (r >= 0)
                (void) store_silences_prune(s, now - KEEP_ENDED_SECONDS);
        if (r < 0)
                fprintf(stderr, "mida-monitor silence: cannot expire it: %s\n", store_failure(s));
        else if (r == 0)
                fprintf(stderr, "mida-monitor silence: no silence %lld in force or to come (see 'silence list')\n", id);
        else
                printf("silence %lld expired; alerts it held that still fire are sent at the next evaluation\n", id);
        store_close(s);
        return r > 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- list ---- */

struct listing {
        time_t now;
        json_object *json;          /* --json: the array */
        bool any;
};

static const char *silence_state(const struct store_silence_row *row, time_t now)
{
        if (row->expired_at && row->expired_at <= now)
                return "expired";
        if (row->ends_at <= now)
                return "ended";
        return row->starts_at > now ? "pending" : "active";
}

static json_object *optional_text(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

static int list_json(struct listing *l, const struct store_silence_row *row)
{
        json_object *o = JSON_OBJECT(JSON_MEMBER("id", json_object_new_int64(row->id)),
                                     JSON_MEMBER("state", json_object_new_string(silence_state(row, l->now))));

        if (!o || json_object_object_add(o, "experiment_id", row->experiment_id > 0 ?
                                         json_object_new_int64(row->experiment_id) : NULL) < 0 ||
            json_object_object_add(o, "rule", optional_text(row->rule)) < 0 ||
            json_object_object_add(o, "variant_id", optional_text(row->variant_id)) < 0 ||
            json_add_time(o, "starts_at", (time_t) row->starts_at) < 0 ||
            json_add_time(o, "ends_at", (time_t) row->ends_at) < 0 ||
            json_add_time(o, "expired_at", (time_t) row->expired_at) < 0 ||
            json_add(o, "actions", json_object_new_boolean(row->actions)) < 0 ||
            json_add_text(o, "comment", row->comment) < 0 || json_add_time(o, "created_at", (time_t) row->created_at) < 0 ||
            json_add_text(o, "created_by", row->created_by) < 0 || json_object_array_add(l->json, o) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        return 0;
}

static int list_row(void *userdata, const struct store_silence_row *row)
{
        struct listing *l = userdata;
        char id[24], what[256], from[64], until[64];

        if (l->json)
                return list_json(l, row);
        if (!l->any)
                printf("%-5s %-8s %-32s %-22s %-22s %-7s %s\n", "ID", "STATE", "MATCHES", "FROM", "UNTIL", "ACTIONS",
                       "COMMENT (BY)");
        l->any = true;
        snprintf(id, sizeof(id), "%lld", row->id);
        describe_match(row->experiment_id, row->rule, row->variant_id, what, sizeof(what));
        format_local((time_t) row->starts_at, from, sizeof(from));
        format_local((time_t) (row->expired_at ? row->expired_at : row->ends_at), until, sizeof(until));
        table_cell(stdout, id, 5, false);
        table_cell(stdout, silence_state(row, l->now), 8, false);
        table_cell(stdout, what, 32, false);
        table_cell(stdout, from, 22, false);
        table_cell(stdout, until, 22, false);
        table_cell(stdout, row->actions ? "held" : "-", 7, false);
        printf("%s (%s)\n", row->comment, row->created_by ? row->created_by : "?");
        return 0;
}

static int silence_list(const struct cli *cli, const struct config *c)
{
        struct listing l = { .now = time(NULL) };
        struct store *s = NULL;
        int r;

        if (cli->n_args > 1 || cli->silence.experiment || cli->silence.rule || cli->silence.for_ ||
            cli->silence.until || cli->silence.comment || cli->silence.actions || cli->variant)
                return usage_error("%s", "usage: silence list [--all] [--json]");
        if (cli_store_open("silence", c, false, &s) < 0)
                return EXIT_FAIL;
        if (cli->json && !(l.json = json_object_new_array()))
                r = -ENOMEM;
        else
                r = store_silences_each(s, cli->silence.all ? l.now - KEEP_ENDED_SECONDS : l.now, false, list_row, &l);
        if (r < 0 && r != -EBADMSG)
                fprintf(stderr, "mida-monitor silence: cannot read the silences: %s\n",
                        r == -ENOMEM ? "out of memory" : store_failure(s));
        store_close(s);
        if (r < 0 && r != -EBADMSG) {
                json_object_put(l.json);
                return EXIT_FAIL;
        }
        if (l.json)
                return json_output_print(stdout, JSON_OBJECT(JSON_MEMBER("silences", l.json))) < 0 ? EXIT_FAIL : EXIT_OK;
        if (!l.any)
                printf(cli->silence.all ? "no silences in the last 30 days\n" : "no silences in force or to come\n");
        return EXIT_OK;
}

int cmd_silence(const struct cli *cli)
{
        struct config *c = NULL;
        const char *what = cli->n_args > 0 ? cli->args[0] : "";
        int code;

        if (strcmp(what, "add") != 0 && strcmp(what, "list") != 0 && strcmp(what, "expire") != 0)
                return usage_error("%s", "usage: silence add|list|expire (see mida-monitor --help)");
        if (cli->json && strcmp(what, "list") != 0)
                return usage_error("%s", "--json is for 'silence list'");
        if (cli_config_load(cli, &c) < 0)
                return EXIT_FAIL;
        if (strcmp(what, "add") == 0)
                code = silence_add(cli, c);
        else if (strcmp(what, "list") == 0)
                code = silence_list(cli, c);
        else
                code = silence_expire(cli, c);
        config_free(c);
        return code;
}
