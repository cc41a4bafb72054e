#include "http_test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct request_ctx {
        size_t index;             /* into seen[], or TEST_SERVER_MAX_SEEN when full */
        char body[256];
        size_t body_len;
};

static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void copy_header(struct MHD_Connection *conn, const char *name, char *dst, size_t size)
{
        const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

        snprintf(dst, size, "%s", v ? v : "");
}

static struct request_ctx *record_arrival(struct test_server *s, struct MHD_Connection *conn,
                                          const char *url, const char *method)
{
        struct request_ctx *ctx = calloc(1, sizeof(*ctx));
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        struct seen_request *r;

        if (!ctx)
                abort();
        pthread_mutex_lock(&s->lock);
        ctx->index = s->n_seen < TEST_SERVER_MAX_SEEN ? s->n_seen++ : TEST_SERVER_MAX_SEEN;
        if (ctx->index < TEST_SERVER_MAX_SEEN) {
                r = &s->seen[ctx->index];
                r->arrived_usec = monotonic_usec();
                snprintf(r->method, sizeof(r->method), "%s", method);
                snprintf(r->path, sizeof(r->path), "%s", url);
                copy_header(conn, "Authorization", r->authorization, sizeof(r->authorization));
                copy_header(conn, "Content-Type", r->content_type, sizeof(r->content_type));
                copy_header(conn, "User-Agent", r->user_agent, sizeof(r->user_agent));
                copy_header(conn, "X-Test", r->x_test, sizeof(r->x_test));
                if (ci && ci->client_addr)
                        r->client_port = ntohs(((const struct sockaddr_in *) ci->client_addr)->sin_port);
        }
        pthread_mutex_unlock(&s->lock);
        return ctx;
}

/* Waits for test_server_release(), or at most max_ms. */
static void wait_released(struct test_server *s, long max_ms)
{
        struct timespec deadline;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += max_ms / 1000;
        deadline.tv_nsec += (max_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&s->lock);
        while (!s->released && pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != ETIMEDOUT)
                ;
        pthread_mutex_unlock(&s->lock);
}

static void hold(struct test_server *s)
{
        pthread_mutex_lock(&s->lock);
        if (++s->active > s->max_active)
                s->max_active = s->active;
        pthread_mutex_unlock(&s->lock);
        struct timespec t = { 0, 150 * 1000000L };
        nanosleep(&t, NULL);
        pthread_mutex_lock(&s->lock);
        s->active--;
        pthread_mutex_unlock(&s->lock);
}

static ssize_t fill_x(void *cls, uint64_t pos, char *buf, size_t max)
{
        size_t total = (size_t) (uintptr_t) cls;
        size_t n = total - (size_t) pos < max ? total - (size_t) pos : max;

        if (pos >= total)
                return MHD_CONTENT_READER_END_OF_STREAM;
        memset(buf, 'x', n);
        return (ssize_t) n;
}

static struct MHD_Response *make_response(struct test_server *s, const char *url, const char *method,
                                          unsigned *status)
{
        char text[256];
        unsigned long n;

        *status = 200;
        if (sscanf(url, "/status/%u", status) == 1)
                return MHD_create_response_from_buffer(6, (void *) "status", MHD_RESPMEM_PERSISTENT);
        if (sscanf(url, "/big/%lu", &n) == 1) {
                char *big = malloc(n ? n : 1);

                if (!big)
                        return NULL;
                memset(big, 'x', n);
                return MHD_create_response_from_buffer(n, big, MHD_RESPMEM_MUST_FREE);
        }
        if (sscanf(url, "/chunked/%lu", &n) == 1)
                return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, fill_x, (void *) (uintptr_t) n, NULL);
        if (strcmp(url, "/slow") == 0)
                wait_released(s, 10000);
        if (strcmp(url, "/hold") == 0)
                hold(s);
        snprintf(text, sizeof(text), "hello %s %s", method, url);
        return MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
}

static void add_retry_after(struct MHD_Response *resp, const char *url, unsigned *status)
{
        char value[64];
        time_t when = time(NULL) + 120;
        struct tm tm;

        if (strcmp(url, "/retry-seconds") == 0) {
                *status = 429;
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "7");
        } else if (strcmp(url, "/retry-date") == 0) {
                *status = 503;
                strftime(value, sizeof(value), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&when, &tm));
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, value);
        }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
        struct test_server *s = cls;
        struct request_ctx *ctx = *con_cls;
        struct MHD_Response *resp;
        unsigned status;
        enum MHD_Result ret;

        if (!ctx) {
                *con_cls = record_arrival(s, conn, url, method);
                return MHD_YES;
        }
        if (*upload_size > 0) {
                size_t room = sizeof(ctx->body) - 1 - ctx->body_len;
                size_t n = *upload_size < room ? *upload_size : room;

                memcpy(ctx->body + ctx->body_len, upload, n);
                ctx->body_len += n;
                *upload_size = 0;
                return MHD_YES;
        }
        if (ctx->index < TEST_SERVER_MAX_SEEN) {
                pthread_mutex_lock(&s->lock);
                memcpy(s->seen[ctx->index].body, ctx->body, ctx->body_len + 1);
                pthread_mutex_unlock(&s->lock);
        }
        resp = make_response(s, url, method, &status);
        if (!resp)
                return MHD_NO;
        add_retry_after(resp, url, &status);
        ret = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        free(*con_cls);
        *con_cls = NULL;
}

int test_server_start_tls(struct test_server *s, const char *key_pem, const char *cert_pem)
{
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
        const union MHD_DaemonInfo *info;

        memset(s, 0, sizeof(*s));
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        s->daemon = MHD_start_daemon(flags | (key_pem ? MHD_USE_TLS : 0),
                                     0, NULL, NULL, on_request, s,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                     /* Without a key the option list ends here. */
                                     key_pem ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, key_pem,
                                     MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                                     MHD_OPTION_END);
        if (!s->daemon)
                return -EADDRNOTAVAIL;
        info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
        s->port = info ? info->port : 0;
        s->tls = key_pem != NULL;
        return s->port ? 0 : -EADDRNOTAVAIL;
}

int test_server_start(struct test_server *s)
{
        return test_server_start_tls(s, NULL, NULL);
}

void test_server_release(struct test_server *s)
{
        pthread_mutex_lock(&s->lock);
        s->released = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

void test_server_stop(struct test_server *s)
{
        test_server_release(s);
        if (s->daemon)
                MHD_stop_daemon(s->daemon);
        s->daemon = NULL;
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
}

const char *test_server_url(const struct test_server *s, const char *path, char *buf, size_t size)
{
        snprintf(buf, size, "%s://127.0.0.1:%u%s", s->tls ? "https" : "http", (unsigned) s->port, path);
        return buf;
}

size_t test_server_connections_seen(struct test_server *s)
{
        size_t distinct = 0;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_seen && i < TEST_SERVER_MAX_SEEN; i++) {
                size_t j = 0;

                while (j < i && s->seen[j].client_port != s->seen[i].client_port)
                        j++;
                distinct += j == i;
        }
        pthread_mutex_unlock(&s->lock);
        return distinct;
}
