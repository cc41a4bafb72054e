/* One HTTP request: see web_handler.h. */
#include "web_handler.h"

#include <stdbool.h>
#include <string.h>

#include "web_auth.h"
#include "web_gzip.h"
#include "web_site.h"

/* Named differently across libmicrohttpd versions (PAYLOAD_TOO_LARGE,
 * CONTENT_TOO_LARGE; REQUEST_URI_TOO_LONG, URI_TOO_LONG). */
#define STATUS_CONTENT_TOO_LARGE 413
#define STATUS_URI_TOO_LONG 414

#define REALM "Basic realm=\"mida-monitor\", charset=\"UTF-8\""

static const struct {
        const char *name, *value;
} security_headers[] = {
        { "Content-Security-Policy", "default-src 'self'" },
        { "X-Content-Type-Options", "nosniff" },
        { "Referrer-Policy", "no-referrer" },
        { "Cache-Control", "no-store" },
        { "X-Frame-Options", "DENY" },
};

/* Queues r (NULL: out of memory, which closes the connection) with the
 * security headers: a response that cannot carry them is not sent. */
static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
        enum MHD_Result ret = r ? MHD_YES : MHD_NO;

        for (size_t i = 0; ret == MHD_YES && i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
                ret = MHD_add_response_header(r, security_headers[i].name, security_headers[i].value);
        if (ret == MHD_YES)
                ret = MHD_queue_response(c, status, r);
        if (r)
                MHD_destroy_response(r);
        return ret;
}

/* A short text/plain answer (text is a literal), with one more header
 * when name is not NULL. */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *text, const char *name,
                                   const char *value)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_PERSISTENT);

        if (r && (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") != MHD_YES ||
                  (name && MHD_add_response_header(r, name, value) != MHD_YES))) {
                MHD_destroy_response(r);
                r = NULL;
        }
        return queue(c, status, r);
}

/* A body is announced by Content-Length (other than 0) or Transfer-Encoding. */
static bool has_body(struct MHD_Connection *c)
{
        const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

        return MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
               (length && strcmp(length, "0") != 0);
}

static enum web_auth_verdict authorize(struct web_auth *auth, struct MHD_Connection *c)
{
        char *password = NULL;
        char *user = MHD_basic_auth_get_username_password(c, &password);
        enum web_auth_verdict v = web_auth_check(auth, user, password);

        if (password) {
                explicit_bzero(password, strlen(password));
                MHD_free(password);
        }
        if (user)
                MHD_free(user);
        return v;
}

/* A shared page (or its gzip): the response holds the reference, and
 * libmicrohttpd drops it when the page is sent. */
static struct MHD_Response *shared_response(struct web_shared **shared, const char *body, size_t len)
{
        struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *) body,
                                                                                         web_shared_unref, *shared);
        if (r)
                *shared = NULL;
        return r;
}

static bool add_header(struct MHD_Response **r, const char *name, const char *value)
{
        if (*r && MHD_add_response_header(*r, name, value) != MHD_YES) {
                MHD_destroy_response(*r);
                *r = NULL;
        }
        return *r != NULL;
}

/* The site's answer as a response: a body is handed over; a static one
 * is the site's as long as it lives, which is longer than libmicrohttpd's
 * (web_server_free stops the one before freeing the other); a page with a
 * gzip goes compressed to a client that takes it. */
static struct MHD_Response *site_response(struct web_response *w, bool gzip)
{
        bool compressible = w->gzip != NULL;
        struct MHD_Response *r;

        if (w->body) {
                r = MHD_create_response_from_buffer(w->length, w->body, MHD_RESPMEM_MUST_FREE);
                if (r)
                        w->body = NULL;
        } else if (w->gzip && gzip) {
                r = shared_response(&w->gzip, w->gzip_body, w->gzip_length);
                add_header(&r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        } else if (w->shared) {
                r = shared_response(&w->shared, w->static_body, w->length);
        } else {
                r = MHD_create_response_from_buffer(w->length, (void *) w->static_body, MHD_RESPMEM_PERSISTENT);
        }
        if (compressible)   /* what a cache in between must know */
                add_header(&r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        if (w->content_type)
                add_header(&r, MHD_HTTP_HEADER_CONTENT_TYPE, w->content_type);
        return r;
}

static enum MHD_Result serve(struct web_handler *h, struct MHD_Connection *c, const char *url)
{
        char path[WEB_MAX_URL + 1];
        size_t n = strcspn(url, "?");   /* libmicrohttpd keeps the query apart already */
        struct web_response w = { 0 };
        struct MHD_Response *r;
        unsigned status;

        memcpy(path, url, n);
        path[n] = '\0';
        if (web_site_get(h->site, path, &w) < 0)
                return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 Internal Server Error: out of memory\n",
                                   NULL, NULL);
        status = w.status;
        r = site_response(&w, web_accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                                             MHD_HTTP_HEADER_ACCEPT_ENCODING)));
        web_response_clear(&w);
        return queue(c, status, r);
}

/* At the first call, with the headers in and no body read: a method or a
 * body that is refused is answered at once (and the connection closed
 * without reading the body); false lets the request go on. */
static bool refuse(struct MHD_Connection *c, const char *method, enum MHD_Result *ret)
{
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                *ret = reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 Method Not Allowed: GET and HEAD only\n",
                                   MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        else if (has_body(c))
                *ret = reply_error(c, STATUS_CONTENT_TOO_LARGE, "413 Content Too Large: a request has no body here\n",
                                   NULL, NULL);
        else
                return false;
        return true;
}

static enum MHD_Result answer(struct web_handler *h, struct MHD_Connection *c, const char *url)
{
        enum web_auth_verdict v;

        if (strlen(url) > WEB_MAX_URL)
                return reply_error(c, STATUS_URI_TOO_LONG, "414 URI Too Long\n", NULL, NULL);
        if (h->auth && (v = authorize(h->auth, c)) != WEB_AUTH_OK)
                return v == WEB_AUTH_BUSY
                       ? reply_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "429 Too Many Requests: try again in a second\n",
                                     MHD_HTTP_HEADER_RETRY_AFTER, "1")
                       : reply_error(c, MHD_HTTP_UNAUTHORIZED, "401 Unauthorized\n", MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                     REALM);
        return serve(h, c, url);
}

enum MHD_Result web_handler_request(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version, const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
        static int headers_seen;
        enum MHD_Result ret;

        if (!*con_cls) {
                *con_cls = &headers_seen;
                return refuse(connection, method, &ret) ? ret : MHD_YES;
        }
        /* The second call has the whole request: there is no body (a
         * request announcing one was refused), so none is ever read. */
        if (*upload_data_size) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        return answer(cls, connection, url);
}
