/* mida-sim test harness. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_harness.h"

int check_failures;
int check_count;

void check_report(bool ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
        check_count++;
        if (ok)
                return;
        check_failures++;
        va_list ap;
        va_start(ap, fmt);
        printf("not ok %d - %s:%d: %s: ", check_count, file, line, expr);
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
        fflush(stdout);
}

int check_done(void)
{
        printf("%d checks, %d failed\n", check_count, check_failures);
        return check_failures ? 1 : 0;
}

static const char *env_dir(const char *name)
{
        const char *d = getenv(name);
        return d && *d ? d : ".";
}

const char *src_path(const char *rel)
{
        static char buf[4][4096];
        static int next;
        char *b = buf[next++ % 4];
        snprintf(b, sizeof(buf[0]), "%s/%s", env_dir("top_srcdir"), rel);
        return b;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

static unsigned read_port(const char *path)
{
        FILE *f = fopen(path, "r");
        unsigned port = 0;
        if (f) {
                if (fscanf(f, "%u", &port) != 1)
                        port = 0;
                fclose(f);
        }
        return port;
}

void sim_start(struct simproc *s, const char *const *args)
{
        char exe[4096];
        const char *argv[64];
        size_t n = 0;
        snprintf(exe, sizeof(exe), "%s/sim/mida-sim", env_dir("top_builddir"));
        snprintf(s->port_file, sizeof(s->port_file), "/tmp/mida-sim-test.%d.%ld.port", (int)getpid(), random());
        unlink(s->port_file);
        argv[n++] = exe;
        for (size_t i = 0; args && args[i] && n < 56; i++)
                argv[n++] = args[i];
        const char *tail[] = { "--port", "0", "--port-file", s->port_file, "--quiet", NULL };
        for (size_t i = 0; tail[i]; i++)
                argv[n++] = tail[i];
        argv[n] = NULL;
        s->pid = fork();
        if (s->pid == 0) {
                execv(exe, (char *const *)argv);
                perror(exe);
                _exit(127);
        }
        for (int tries = 0; tries < 600 && !(s->port = read_port(s->port_file)); tries++) {
                int status;
                if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
                        fprintf(stderr, "mida-sim exited before listening\n");
                        exit(1);
                }
                sleep_ms(50);
        }
        if (!s->port) {
                fprintf(stderr, "mida-sim did not write %s\n", s->port_file);
                kill(s->pid, SIGKILL);
                exit(1);
        }
}

void sim_stop(struct simproc *s)
{
        int status = 0;
        kill(s->pid, SIGTERM);
        waitpid(s->pid, &status, 0);
        unlink(s->port_file);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mida-sim exit status %d", status);
}

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
        struct http_result *r = cls;
        char *b = realloc(r->body, r->len + size * n + 1);
        if (!b)
                return 0;
        memcpy(b + r->len, data, size * n);
        r->body = b;
        r->len += size * n;
        b[r->len] = '\0';
        return size * n;
}

static void copy_header_value(char *dst, size_t len, const char *line, size_t n)
{
        const char *v = memchr(line, ':', n);
        if (!v)
                return;
        v++;
        while (*v == ' ')
                v++;
        size_t k = (size_t)(line + n - v);
        while (k && (v[k - 1] == '\r' || v[k - 1] == '\n'))
                k--;
        snprintf(dst, len, "%.*s", (int)k, v);
}

static size_t on_header(char *line, size_t size, size_t n, void *cls)
{
        struct http_result *r = cls;
        if (!strncasecmp(line, "Retry-After:", 12))
                copy_header_value(r->retry_after, sizeof(r->retry_after), line, size * n);
        if (!strncasecmp(line, "Content-Type:", 13))
                copy_header_value(r->content_type, sizeof(r->content_type), line, size * n);
        return size * n;
}

void http(const struct simproc *s, const char *method, const char *path, const char *const *headers,
          const char *body, long max_bytes, struct http_result *out)
{
        char url[4096];
        struct curl_slist *list = NULL;
        CURL *c = curl_easy_init();
        *out = (struct http_result){ 0 };
        snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
        for (size_t i = 0; headers && headers[i]; i++)
                list = curl_slist_append(list, headers[i]);
        if (body)
                list = curl_slist_append(list, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
        if (body)
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        if (max_bytes > 0)
                curl_easy_setopt(c, CURLOPT_MAXFILESIZE, max_bytes);
        out->curl = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
        curl_slist_free_all(list);
        curl_easy_cleanup(c);
}

void http_free(struct http_result *r)
{
        free(r->body);
        r->body = NULL;
}

struct json_object *http_json(const struct simproc *s, const char *method, const char *path,
                              const char *const *headers, const char *body, long *status)
{
        struct http_result r;
        http(s, method, path, headers, body, 0, &r);
        struct json_object *o = r.body ? json_tokener_parse(r.body) : NULL;
        if (status)
                *status = r.status;
        http_free(&r);
        return o;
}

struct json_object *api_get(const struct simproc *s, const char *auth, const char *path, long *status)
{
        const char *headers[] = { auth, NULL };
        return http_json(s, "GET", path, auth ? headers : NULL, NULL, status);
}

struct json_object *jget(struct json_object *o, const char *key)
{
        struct json_object *v = NULL;
        if (o && json_object_is_type(o, json_type_object))
                json_object_object_get_ex(o, key, &v);
        return v;
}

int64_t jint(struct json_object *o, const char *key)
{
        return json_object_get_int64(jget(o, key));
}

const char *jstr(struct json_object *o, const char *key)
{
        struct json_object *v = jget(o, key);
        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

bool jis(struct json_object *o, const char *key, enum json_type type)
{
        struct json_object *v;
        return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) &&
               json_object_is_type(v, type);
}
