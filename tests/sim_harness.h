/* Harness for mida-sim integration tests: starts the simulator on a free
 * port, talks HTTP to it with libcurl, and counts failed checks (TAP-ish
 * output; these run without criterion). */
#pragma once
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct simproc {
        pid_t pid;
        unsigned port;
        char port_file[256];
};

struct http_result {
        CURLcode curl;
        long status;
        char *body;
        size_t len;
        char retry_after[32];
        char content_type[64];
        double seconds;
};

/* Starts $top_builddir/sim/mida-sim with `args` (NULL-terminated) plus
 * --port 0 --port-file; aborts the test program if it does not come up. */
void sim_start(struct simproc *s, const char *const *args);
/* SIGTERM, then checks it exited 0 (so sanitizer reports fail the test). */
void sim_stop(struct simproc *s);
/* Path of a file under $top_srcdir (e.g. "tests/data/sim/api.conf"). */
const char *src_path(const char *rel);

/* One request; headers NULL-terminated (may be NULL); body may be NULL.
 * max_bytes > 0 caps the download. Free with http_free. */
void http(const struct simproc *s, const char *method, const char *path, const char *const *headers,
          const char *body, long max_bytes, struct http_result *out);
void http_free(struct http_result *r);
/* GET/POST/... returning the parsed JSON body (NULL if not JSON); status in *status. */
struct json_object *http_json(const struct simproc *s, const char *method, const char *path,
                              const char *const *headers, const char *body, long *status);
/* Shorthand for an API GET with a given auth header line. */
struct json_object *api_get(const struct simproc *s, const char *auth, const char *path, long *status);

/* Member lookups that tolerate NULL. */
struct json_object *jget(struct json_object *o, const char *key);
int64_t jint(struct json_object *o, const char *key);
const char *jstr(struct json_object *o, const char *key);
bool jis(struct json_object *o, const char *key, enum json_type type);

extern int check_failures;
extern int check_count;
#define CHECK(cond, ...) check_report((cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
void check_report(bool ok, const char *file, int line, const char *expr, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* Prints the summary; returns the process exit code. */
int check_done(void);
