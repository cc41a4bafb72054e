/* Asynchronous HTTP client: one libcurl multi handle driven by sd-event
 * (curl's sockets become sd-event io sources, its timer one time source),
 * the way systemd's src/import/curl-util.c does it. No threads, no sleeping.
 *
 * Politeness and safety are the client's job, not each caller's: a
 * concurrency cap with a FIFO queue, a request-rate cap (token bucket),
 * keep-alive reuse, timeouts, a response-size cap, TLS verification always
 * on, and plain http:// only to loopback hosts. Error texts never contain
 * header values, query strings or (with url_is_secret) the URL at all. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <time.h>

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HTTP_DEFAULT_MAX_RESPONSE_BYTES (8u * 1024 * 1024)
#define HTTP_DEFAULT_MAX_CONNECTIONS 4

struct http_client_options {
        const char *user_agent;           /* e.g. "mida-monitor/0.1.0"; NULL: libcurl sends none */
        long connect_timeout_ms;          /* 0: HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
        long timeout_ms;                  /* whole transfer; 0: HTTP_DEFAULT_TIMEOUT_MS */
        uint64_t max_response_bytes;      /* 0: HTTP_DEFAULT_MAX_RESPONSE_BYTES */
        int max_connections;              /* transfers in flight; <= 0: HTTP_DEFAULT_MAX_CONNECTIONS */
        double max_requests_per_second;   /* request starts per second; <= 0: unlimited */
        const char *ca_file;              /* NULL: the system CA store */
};

enum http_method {
        HTTP_GET,
        HTTP_POST,
        HTTP_PATCH,
        HTTP_MAIL,        /* SMTP: body is the message, mail the envelope */
};

/* The envelope of an HTTP_MAIL request (smtp:// or smtps:// URL). Over
 * smtp:// STARTTLS is required unless the host is loopback. */
struct http_mail {
        const char *from;
        const char *const *to;        /* NULL-terminated */
        const char *username;         /* NULL: no AUTH */
        const char *password;         /* secret */
};

struct http_request {
        enum http_method method;
        const char *url;
        const char *const *headers;   /* "Name: value" lines, NULL-terminated; may be NULL */
        const void *body;             /* sent for POST/PATCH; may be NULL */
        size_t body_len;
        bool url_is_secret;           /* errors say "the notifier URL" instead of the URL */
        const struct http_mail *mail; /* HTTP_MAIL only */
};

struct http_response {
        int status;                   /* HTTP status; 0 when no complete response arrived.
                                       * HTTP_MAIL: the SMTP server's last reply code (250
                                       * when accepted, also set with error for a refusal) */
        long curl_code;               /* CURLcode; 0 (CURLE_OK) when status != 0 */
        const char *error;            /* NULL when status != 0; else one line for a human */
        const char *body;             /* NUL-terminated; owned by the client, valid only in the callback */
        size_t body_len;
        long retry_after_seconds;     /* from Retry-After (seconds or HTTP-date); -1 if absent */
        double total_seconds;         /* time the transfer took, queueing excluded */
};

struct http_client;
struct http_transfer;

/* Called exactly once per request that http_request() accepted, from the
 * event loop (never from inside http_request()), unless the request was
 * cancelled with http_transfer_cancel(). The callback may start new
 * requests and cancel others, but must not free the client. */
typedef void (*http_done_fn)(const struct http_response *r, void *userdata);

/* NULL on allocation or libcurl initialisation failure. The options are
 * copied. */
struct http_client *http_client_new(sd_event *e, const struct http_client_options *o);
/* Aborts whatever is queued or in flight (callbacks run, as with
 * http_client_abort_all()), then frees. NULL is fine. */
void http_client_free(struct http_client *c);

/* Queues a request. Returns 0, -EINVAL (no URL, unknown method) or -ENOMEM;
 * on 0 the callback will run. A URL that is invalid, not http(s), or plain
 * http to a non-loopback host is not sent: the callback then reports it
 * with status 0 on the next event-loop iteration. *ret_handle (if not NULL)
 * stays valid until the callback runs or the request is cancelled. */
int http_request(struct http_client *c, const struct http_request *req,
                 http_done_fn cb, void *userdata, struct http_transfer **ret_handle);

/* Drops a queued or in-flight request; its callback will not run. */
void http_transfer_cancel(struct http_transfer *t);

/* Ends every queued and in-flight request now (SIGTERM); each callback runs
 * with status 0 and the error "aborted: shutting down". */
void http_client_abort_all(struct http_client *c);

unsigned http_client_in_flight(const struct http_client *c);
unsigned http_client_queued(const struct http_client *c);
/* New TCP connections opened so far (requests / this = keep-alive reuse). */
uint64_t http_client_connections_opened(const struct http_client *c);
/* Requests completed with a response or a transport error so far. */
uint64_t http_client_requests_completed(const struct http_client *c);

/* Retry-After value: delta-seconds or an HTTP-date relative to `now`.
 * Returns seconds >= 0, or -1 when the value is neither. */
long http_parse_retry_after(const char *value, time_t now);
