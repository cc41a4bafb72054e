/* Room config/: the config file, from libconfig to struct config — the
 * schema and its defaults, every error as FILE:LINE: message, durations,
 * secrets (inline, file or systemd credential), the https-only URL rule.
 * May use: expr/ (each rule's `when` is compiled at load), util/.
 * Used by: mida, stats, notify, rules, actions, daemon, web, cli.
 *
 * The config file (libconfig syntax; see etc/mida-monitor.conf) as a typed
 * struct with every default filled in, and its diagnostics.
 *
 * config_load() reads the whole file and reports every problem it finds, not
 * just the first, as "FILE:LINE: message" (LINE is that of the offending
 * setting, or of its group when a required setting is missing). Secrets are
 * read at load time; they are held only in the struct, wiped by
 * config_free(), and never appear in a diagnostic. There is no global state:
 * a reload builds a new struct config and keeps the old one on failure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "listen_address.h"
#include "statistics_settings.h"
#include "util/weekly_schedule.h"

struct expr;
struct config;

#define CONFIG_DEFAULT_API_KEY_CREDENTIAL "mida-api-key"

struct config_mida {
        char *base_url;             /* API root incl. /v2, no trailing '/'; from region or base_url */
        char *project_key;
        char *api_key;              /* secret; NULL only after CONFIG_LOAD_CHECK_ONLY deferred it */
        uint64_t timeout_usec;          /* default 30s */
        uint64_t connect_timeout_usec;  /* default 10s */
        int max_connections;            /* 1..64, default 4 */
        double max_requests_per_second; /* >= 0, 0 = unlimited, default 5 */
        uint64_t max_response_size;     /* bytes, default 8 MiB */
        char *ca_file;                  /* NULL: the system CA store */
};

struct config_monitor {
        uint64_t interval_usec;     /* default 15m, at least 30s */
        bool experiments_live;      /* experiments = "live" (the default) */
        char **experiments;         /* the listed ids when !experiments_live */
        size_t n_experiments;
        char **exclude;             /* ids never watched */
        size_t n_exclude;
        char *state_directory;      /* default $STATE_DIRECTORY, else /var/lib/mida-monitor */
        bool dry_run;
        int max_actions_per_hour;   /* default 3 */
        char *metrics_file;         /* NULL: no metrics */
        double spread;              /* fraction of the interval result requests spread over; default 0.5 */
        uint64_t history_retention_usec;  /* polls older than this are pruned; default 400d, 0: keep all */
};

enum notifier_type {
        NOTIFIER_SLACK,
        NOTIFIER_WEBHOOK,
        NOTIFIER_ALERTMANAGER,      /* url is the Alertmanager's base URL */
        NOTIFIER_PAGERDUTY,         /* Events API v2 */
        NOTIFIER_TEAMS,             /* a Teams workflow webhook */
        NOTIFIER_EMAIL,             /* url is smtp:// or smtps:// */
};

#define PAGERDUTY_DEFAULT_URL "https://events.pagerduty.com/v2/enqueue"

struct config_notifier {
        char *name;
        enum notifier_type type;
        char *url;                  /* secret */
        unsigned char *secret;      /* webhook signing key, base64-decoded; NULL: unsigned */
        size_t secret_size;
        char *authorization;        /* secret: alertmanager's "Bearer …" or "Basic …"; NULL: none */
        uint64_t alert_lifetime_usec;  /* alertmanager: a firing alert's endsAt is this far after
                                        * each post (3 × monitor.interval) */
        char *routing_key;          /* secret: pagerduty's integration key */
        char *mail_from;            /* email: the From address */
        char **mail_to;             /* email: the To addresses */
        size_t n_mail_to;
        char *username;             /* email: SMTP AUTH user; NULL: no AUTH */
        char *password;             /* secret: email's SMTP AUTH password */
        uint64_t max_age_usec;      /* give up delivering after this; default 24h */
        unsigned line;
};

enum rule_severity { RULE_SEVERITY_INFO, RULE_SEVERITY_WARNING, RULE_SEVERITY_CRITICAL };
enum rule_action { RULE_ACTION_NONE, RULE_ACTION_PAUSE, RULE_ACTION_SERVE_WINNER };

struct config_rule {
        char *name;
        char *when;                 /* expression text, compiled by the rules code */
        char *when_file;            /* where `when` is, for FILE:LINE:COL errors */
        unsigned when_line;
        unsigned when_column;       /* column of the expression's first character, 0 if unknown */
        struct expr *condition;     /* `when` compiled (config_rules.c); NULL only in a failed load */
        uint64_t for_usec;          /* default 0 */
        enum rule_severity severity;/* default warning */
        size_t *notify;             /* indices into config.notifiers */
        size_t n_notify;
        enum rule_action action;    /* default none */
        int traffic_allocation;     /* serve-winner: 1..100, default 100 */
        uint64_t repeat_usec;       /* 0 = never re-notify */
        bool notify_resolved;       /* default true */
        char **experiments;         /* ids or name globs; n_experiments == 0: every experiment */
        size_t n_experiments;
        unsigned line;
};

/* While rule `source` fires on an experiment, the messages (and with
 * actions the actions) of the target rules on it are held back. */
struct config_inhibit {
        size_t source;              /* index into config.rules */
        size_t *targets;            /* indices into config.rules */
        size_t n_targets;
        bool actions;               /* default false */
        bool valid;                 /* source resolved (false only in a failed load) */
        unsigned line;
};

/* Experiment lifecycle notices (the experiment list compared between
 * discoveries). */
enum lifecycle_event {
        LIFECYCLE_STARTED,          /* became live: newly listed live, or resumed */
        LIFECYCLE_STOPPED,          /* left live, not by this daemon's pause */
        LIFECYCLE_CONCLUDED,        /* is_completed became 1 (concluded in the dashboard) */
        LIFECYCLE_DISAPPEARED,      /* gone from the list */
        LIFECYCLE_EVENT_COUNT,
};

struct config_lifecycle {
        size_t *notify;             /* indices into config.notifiers; none: no notices */
        size_t n_notify;
        unsigned events;            /* 1 << enum lifecycle_event; default all */
};

const char *lifecycle_event_to_string(enum lifecycle_event e);

struct config_health {
        size_t *notify;             /* indices into config.notifiers */
        size_t n_notify;
        uint64_t after_usec;        /* default 1h */
        uint64_t repeat_usec;       /* default 24h */
        uint64_t stalled_after_usec;/* default 24h */
};

/* A scheduled summary of the watched experiments (`digests`). */
struct config_digest {
        char *name;
        char *schedule_text;        /* as written: "mon 09:00" */
        struct weekly_schedule schedule;
        char *timezone;             /* an IANA name; NULL: the system's */
        size_t *notify;             /* indices into config.notifiers (types that take digests) */
        size_t n_notify;
        char **experiments;         /* ids or name globs; n_experiments == 0: every experiment */
        size_t n_experiments;
        unsigned line;
};

#define CONFIG_WEB_DEFAULT_LISTEN "127.0.0.1:9447"

/* The optional status page's listener (`web`; web/ serves it). */
struct config_web {
        bool enabled;               /* the group is present */
        char *listen;               /* as written; default CONFIG_WEB_DEFAULT_LISTEN */
        struct listen_address address;  /* listen, parsed */
        bool allow_remote;          /* a non-loopback listen is allowed (with basic_auth_file) */
        char *basic_auth_file;      /* absolute; NULL: no auth */
        unsigned line;
};

/* Whether an `experiments` filter (ids or fnmatch(3) globs of id or name;
 * none: every experiment) takes the experiment. */
bool config_experiment_filter(char *const *patterns, size_t n, long long experiment_id, const char *name);

/* The digest called name, or NULL. */
const struct config_digest *config_find_digest(const struct config *c, const char *name);

struct config {
        char *path;                 /* the file it was loaded from */
        struct config_mida mida;
        struct config_monitor monitor;
        struct statistics_settings statistics;
        struct config_notifier *notifiers;
        size_t n_notifiers;
        struct config_rule *rules;
        size_t n_rules;
        struct config_health health;
        struct config_lifecycle lifecycle;
        struct config_inhibit *inhibits;
        size_t n_inhibits;
        struct config_digest *digests;
        size_t n_digests;
        struct config_web web;
};

struct config_message {
        bool warning;
        unsigned line;              /* 0 when the message is about the file as a whole */
        char *text;                 /* "FILE:LINE: message" or "FILE:LINE: warning: message" */
};

struct config_diag {
        struct config_message *messages;   /* in the order found */
        size_t n_messages;
        size_t n_errors, n_warnings;
        bool out_of_memory;         /* some message could not be stored */
};

enum config_load_flags {
        /* For check-config, which runs outside the service: systemd
         * credentials cannot be read when $CREDENTIALS_DIRECTORY is unset,
         * so they are named in one warning instead of failing the check. */
        CONFIG_LOAD_CHECK_ONLY = 1 << 0,
};

/* Loads and validates path. Returns 0 and *ret (free with config_free), or
 * -EINVAL when the file has errors, -errno when it cannot be read, -ENOMEM;
 * on failure *ret is untouched. diag receives every error and warning in
 * either case (call config_diag_clear after use). */
int config_load(const char *path, struct config **ret, struct config_diag *diag);
int config_load_with_flags(const char *path, unsigned flags, struct config **ret,
                           struct config_diag *diag);
void config_free(struct config *c);

/* Appends "FILE:LINE[:COLUMN]: [warning: ]message"; line 0 leaves out LINE
 * and column 0 leaves out COLUMN. Also used by the rule-expression compiler. */
void config_diag_add(struct config_diag *d, bool warning, const char *file, unsigned line,
                     unsigned column, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Prints every message, one per line. */
void config_diag_print(const struct config_diag *d, FILE *out);
void config_diag_clear(struct config_diag *d);

/* The notifier called name in c (c may be NULL); NULL when there is none. */
const struct config_notifier *config_find_notifier(const struct config *c, const char *name);
const char *notifier_type_to_string(enum notifier_type t);

/* Whether notifiers of type t take digests: not Alertmanager or PagerDuty,
 * which route and page on alerts. */
bool notifier_type_takes_digests(enum notifier_type t);
/* The index of the rule called name in c, or -1 with *nearest (may be
 * NULL) the closest configured name for a "did you mean", NULL if none. */
long config_find_rule(const struct config *c, const char *name, const char **nearest);
const char *rule_severity_to_string(enum rule_severity s);
const char *rule_action_to_string(enum rule_action a);
