/* Internal to the config module: typed access to libconfig settings that
 * reports each problem as "FILE:LINE: message" into the diagnostics and
 * goes on, so one run finds every error. config.c holds the schema. */
#pragma once
#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct config_loader {
        const char *path;           /* the config file, for messages */
        char *dir;                  /* its directory: relative *_file paths start here */
        unsigned flags;             /* enum config_load_flags */
        struct config_diag *diag;
        /* Credentials not read because $CREDENTIALS_DIRECTORY is unset
         * (CONFIG_LOAD_CHECK_ONLY): named together in one warning. */
        char *deferred_credentials;
        unsigned deferred_line;
};

/* Before libconfig reads path: every @include (nested too) must name a
 * regular file, and no file may hold a NUL byte (config_include.c).
 * Returns 0, -EINVAL (reported in diag) or -ENOMEM. */
int config_check_includes(const char *path, const char *dir, struct config_diag *diag);

/* "where" strings name the place in the file: "mida", "notifier 'ops'". */
void loader_error(struct config_loader *l, const config_setting_t *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void loader_warning(struct config_loader *l, const config_setting_t *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The line to blame for a setting missing from group (1 for the root). */
unsigned loader_line(const config_setting_t *s);

/* Reports each member of group whose name is not in keys, with the nearest
 * known name as a suggestion. */
void loader_check_known(struct config_loader *l, const config_setting_t *group, const char *where,
                        const char *const *keys, size_t n_keys);

/* Each getter: returns true and sets *ret when key is present in group and
 * valid; returns false when it is absent (ret untouched, no message) or
 * invalid (an error reported). "required" getters report absence too. */
bool loader_string(struct config_loader *l, const config_setting_t *group, const char *where,
                   const char *key, bool required, const char **ret);
bool loader_bool(struct config_loader *l, const config_setting_t *group, const char *where,
                 const char *key, bool *ret);
bool loader_int(struct config_loader *l, const config_setting_t *group, const char *where,
                const char *key, long long min, long long max, long long *ret);
/* A number in [min, max], or (min, max] when min_open. */
bool loader_number(struct config_loader *l, const config_setting_t *group, const char *where,
                   const char *key, double min, bool min_open, double max, double *ret);
bool loader_duration(struct config_loader *l, const config_setting_t *group, const char *where,
                     const char *key, uint64_t *ret_usec);
/* A duration longer than 0s. */
bool loader_positive_duration(struct config_loader *l, const config_setting_t *group, const char *where,
                              const char *key, uint64_t *ret_usec);
/* One of names (NULL-terminated); *ret is its index. */
bool loader_enum(struct config_loader *l, const config_setting_t *group, const char *where,
                 const char *key, const char *const *names, int *ret);
/* A list or array of experiment ids (strings or integers) as strings. With
 * globs, '*' '?' '[' ']' are allowed too (rule filters). */
bool loader_id_list(struct config_loader *l, const config_setting_t *list, const char *where,
                    bool globs, char ***ret, size_t *ret_n);
void loader_free_strv(char **v, size_t n);

/* A path from the config, made absolute against the config file's directory. */
char *loader_resolve_path(const struct config_loader *l, const char *path);

/* A secret given inline (inline_key), in a file (file_key) or as a systemd
 * credential (credential_key, or default_credential when none is set and
 * default_credential is not NULL). Returns 1 with *ret set, 0 when there is
 * no source (no message), 2 when the credential could not be looked up
 * outside the service (CONFIG_LOAD_CHECK_ONLY), -1 after reporting an error. */
int loader_secret(struct config_loader *l, const config_setting_t *group, const char *where,
                  const char *inline_key, const char *file_key, const char *credential_key,
                  const char *default_credential, char **ret);

/* Names of notifiers and rules: [A-Za-z0-9_-]+, so they can appear in
 * journal fields, metrics labels and state file names as they are. */
bool loader_valid_name(const char *name);

/* A list of notifier names (or one name as a string), resolved to indices
 * into c->notifiers; unknown names are reported with a suggestion. */
bool loader_notifier_refs(struct config_loader *l, const config_setting_t *group, const char *where,
                          const struct config *c, size_t **ret, size_t *ret_n);

/* The checks every list entry starts with: a group, a valid unique name
 * (*ret_name, malloc'd), known keys; where becomes "KIND 'NAME'". Returns
 * false when the entry is not a group. */
bool loader_begin_entry(struct config_loader *l, const config_setting_t *list, int index, const char *kind,
                        const char *const *keys, size_t n_keys, char **ret_name, char *where, size_t where_size);
/* The first of keys present in group (to point an error at it), else group. */
const config_setting_t *loader_first_member(const config_setting_t *group, const char *const *keys, size_t n);
/* Checks that list is a list of groups and allocates that many entries
 * (+1, zeroed); NULL after reporting an error. */
void *loader_alloc_entries(struct config_loader *l, const config_setting_t *list, const char *kind, size_t size);

/* The `notifiers` (config_notifiers.c) and `rules` (config_alerts.c) lists. */
void load_notifiers(struct config_loader *l, const config_setting_t *list, struct config *c);
void load_rules(struct config_loader *l, const config_setting_t *list, struct config *c);
/* The `inhibit` list (config_inhibit.c); after load_rules. */
void load_inhibits(struct config_loader *l, const config_setting_t *list, struct config *c);
void config_inhibits_free(struct config *c);
/* The `digests` list (config_digests.c); after load_notifiers. */
void load_digests(struct config_loader *l, const config_setting_t *list, struct config *c);
void config_digests_free(struct config *c);
/* The `web` group (config_web.c). */
void load_web(struct config_loader *l, const config_setting_t *g, struct config_web *w);
void config_web_clear(struct config_web *w);
void config_notifier_clear(struct config_notifier *n);
void config_rule_clear(struct config_rule *r);
/* Compiles r->when into r->condition, reporting errors as FILE:LINE:COL
 * (config_rules.c); call once the rest of the rule is loaded. */
void compile_rule_condition(struct config_loader *l, const config_setting_t *group, const char *where,
                            struct config_rule *r);
