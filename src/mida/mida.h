/* Room mida/: the Mida API client — the asynchronous HTTP client (libcurl
 * multi on sd-event) and its error texts, retry backoff, the documented
 * requests (mida_client.h) and the parsing of their responses (here).
 * May use: config/ (the mida settings, the URL rule), util/.
 * Used by: stats, notify, actions, daemon, cli.
 *
 * The response half of the Mida API: json-c parsing of Get Experiment Result
 * and List Experiments bodies into structs that own their strings.
 *
 * Both parsers accept the whole response or its bare data object, ignore
 * unknown fields, and report a missing or mistyped field as one message that
 * names it ("variants[1].visitors: expected an integer"). Percentages the API
 * computes (conversion_rate, improvement) are not read: analysis.c recomputes
 * everything from the counts. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct mida_variant {
        char *variant_id;          /* "0" is the control by convention */
        char *name;                /* may be NULL */
        long long visitors;        /* valid only when has_visitors */
        long long conversions;     /* valid only when has_conversions */
        bool has_visitors, has_conversions;   /* false: absent or null in the response */
        bool is_control;           /* is_control true, else variant_id "0" (first such one) */
};

struct mida_result {
        long long test_id;
        char *test_name;           /* may be NULL */
        int status_code;           /* 9 draft, 1 live, 0 inactive; -1 when absent */
        char *start_date;          /* ISO 8601 as sent, may be NULL */
        char *end_date;            /* may be NULL */
        long days_running;         /* -1 when absent */
        long long total_visitors;  /* as sent by the API; -1 when absent */
        long long total_conversions;
        size_t n_variants;
        struct mida_variant *variants;
};

/* Parses one Get Experiment Result body. Returns 0 with *out filled (free
 * with mida_result_free), or -EINVAL with *error set (malloc'd, one line,
 * naming the field), or -ENOMEM. A response with "success": false is an
 * error carrying the API's message. Negative or missing counts are not
 * errors: the variant is kept and analysis.c reports it as degenerate. */
int mida_result_parse(const char *json, size_t len, struct mida_result *out, char **error);
void mida_result_free(struct mida_result *r);

/* Parses one result or a JSON array of them (successive snapshots of one
 * experiment, oldest first). Returns 0 with *out (n ≥ 1 results; free with
 * mida_results_free), or -EINVAL/-ENOMEM as above; messages of array
 * elements start with their index, e.g. "[2].variants[0].visitors: …". */
int mida_results_parse(const char *json, size_t len, struct mida_result **out, size_t *n, char **error);
void mida_results_free(struct mida_result *results, size_t n);

/* The value a response's fields live in: root, or root's "data" object or
 * array when it has one. Returns 0, or -EINVAL with *error set when root is
 * not an object or says "success": false (the API's message is included,
 * shortened), or -ENOMEM. Shared by both parsers. */
struct json_object;
int mida_response_body(struct json_object *root, const char *path, struct json_object **body, char **error);

/* The control variant, or NULL when there is none. */
const struct mida_variant *mida_result_control(const struct mida_result *r);

struct mida_experiment {
        long long test_id;
        char *test_name;           /* may be NULL */
        int status;                /* 9 draft, 1 live, 0 inactive; -1 when absent */
        bool is_completed;         /* concluded from the dashboard */
};

struct mida_experiment_list {
        long long count;           /* the API's count, or n when absent */
        size_t n;
        struct mida_experiment *experiments;
};

/* Parses one List Experiments page. Same conventions as mida_result_parse. */
int mida_experiment_list_parse(const char *json, size_t len, struct mida_experiment_list *out, char **error);
void mida_experiment_list_free(struct mida_experiment_list *l);

/* Whether a 2xx of Update Experiment Status or Serve Winner confirms the
 * change: a JSON object with "success": true. A proxy's garbage 200 must
 * not be taken for a done action. */
bool mida_action_confirmed(const char *json, size_t len);
