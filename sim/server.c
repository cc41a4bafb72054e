/* libmicrohttpd glue: body accumulation, suspend/resume for delays, and
 * turning a struct reply into a response (streamed for the oversized and
 * truncated fault bodies so they never need the whole body in memory). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "server.h"

#define MAX_BODY (1024 * 1024)
#define STREAM_BLOCK 65536
#define OVERSIZE_HEAD "{\"success\":true,\"padding\":\""
#define OVERSIZE_TAIL "\"}"

struct conn_ctx {
        char *body;
        size_t len;
        bool too_large;
        bool answered;             /* reply computed; waiting out a delay */
        struct reply reply;
};

/* Body of a streamed response: a real body cut at `cut`, or generated padding. */
struct stream {
        char *body;
        uint64_t total;
        uint64_t cut;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct stream *s = cls;
        if (pos >= s->cut)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = (size_t)(s->cut - pos < max ? s->cut - pos : max);
        if (s->body) {
                memcpy(buf, s->body + pos, n);
                return (ssize_t)n;
        }
        for (size_t i = 0; i < n; i++) {
                uint64_t at = pos + i;
                size_t head = strlen(OVERSIZE_HEAD), tail = strlen(OVERSIZE_TAIL);
                buf[i] = at < head ? OVERSIZE_HEAD[at]
                       : at >= s->total - tail ? OVERSIZE_TAIL[at - (s->total - tail)] : 'x';
        }
        return (ssize_t)n;
}

static void stream_free(void *cls)
{
        struct stream *s = cls;
        free(s->body);
        free(s);
}

static struct MHD_Response *streamed(struct reply *r)
{
        struct stream *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        if (r->kind == REPLY_OVERSIZED) {
                s->total = s->cut = r->oversize_bytes < 64 ? 64 : r->oversize_bytes;
        } else {
                s->body = r->body;      /* the stream takes the body over */
                r->body = NULL;
                s->total = r->len;
                s->cut = r->len / 2;
        }
        struct MHD_Response *resp = MHD_create_response_from_callback(s->total, STREAM_BLOCK,
                                                                      stream_read, s, stream_free);
        if (!resp)
                stream_free(s);
        return resp;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct reply *r)
{
        if (r->kind == REPLY_CLOSE)
                return MHD_NO;
        struct MHD_Response *resp = r->kind == REPLY_BODY
                ? MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_COPY)
                : streamed(r);
        if (!resp)
                return MHD_NO;
        if (r->content_type)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
        if (r->retry_after >= 0) {
                char secs[24];
                snprintf(secs, sizeof(secs), "%d", r->retry_after);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
        }
        enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static bool append_body(struct conn_ctx *ctx, const char *data, size_t n)
{
        if (ctx->len + n > MAX_BODY) {
                ctx->too_large = true;
                return true;
        }
        char *b = realloc(ctx->body, ctx->len + n + 1);
        if (!b)
                return false;
        memcpy(b + ctx->len, data, n);
        ctx->body = b;
        ctx->len += n;
        b[ctx->len] = '\0';
        return true;
}

static bool peer_is_loopback(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = info ? info->client_addr : NULL;
        if (sa && sa->sa_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
        if (sa && sa->sa_family == AF_INET6)
                return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
        return false;
}

static enum MHD_Result answer(struct server *srv, struct MHD_Connection *conn, const char *url,
                              const char *method, struct conn_ctx *ctx)
{
        if (ctx->too_large) {
                reply_error(&ctx->reply, 413, "Payload too large");
                return send_reply(conn, &ctx->reply);
        }
        struct request rq = { conn, method, url, ctx->body ? ctx->body : "", ctx->len };
        router_handle(srv->sim, &rq, peer_is_loopback(conn), &ctx->reply);
        if (ctx->reply.delay_ms == 0)
                return send_reply(conn, &ctx->reply);
        ctx->answered = true;
        MHD_suspend_connection(conn);
        if (delayer_add(&srv->delayer, conn, ctx->reply.delay_ms) < 0)
                MHD_resume_connection(conn);
        return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct conn_ctx *ctx = *con_cls;
        if (!ctx) {
                ctx = calloc(1, sizeof(*ctx));
                if (!ctx)
                        return MHD_NO;
                ctx->reply = (struct reply)REPLY_INIT;
                *con_cls = ctx;
                return MHD_YES;
        }
        if (*upload_data_size) {
                bool ok = append_body(ctx, upload_data, *upload_data_size);
                *upload_data_size = 0;
                return ok ? MHD_YES : MHD_NO;
        }
        if (ctx->answered)
                return send_reply(conn, &ctx->reply);
        return answer(cls, conn, url, method, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
        struct conn_ctx *ctx = *con_cls;
        if (!ctx)
                return;
        free(ctx->body);
        reply_clear(&ctx->reply);
        free(ctx);
        *con_cls = NULL;
}

int server_start(struct server *srv, struct sim *sim, unsigned port, unsigned threads, bool log_errors)
{
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        *srv = (struct server){ .sim = sim };
        int r = delayer_start(&srv->delayer);
        if (r < 0)
                return r;
        srv->daemon = MHD_start_daemon(
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                (log_errors ? MHD_USE_ERROR_LOG : 0), 0, NULL, NULL, on_request, srv,
                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads ? threads : 1),
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                MHD_OPTION_CONNECTION_TIMEOUT, 120u,
                MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                MHD_OPTION_END);
        if (!srv->daemon) {
                delayer_stop(&srv->delayer);
                return -EADDRINUSE;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        srv->port = info ? info->port : port;
        return 0;
}

void server_stop(struct server *srv)
{
        delayer_stop(&srv->delayer);
        if (srv->daemon)
                MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
}
