/* The sd-event glue follows systemd's src/import/curl-util.c: curl tells us
 * which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to call it back
 * (CURLMOPT_TIMERFUNCTION); we map those to sd-event io and time sources
 * and hand every event back with curl_multi_socket_action(). */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "util/grow.h"
#include "http_error.h"
#include "config/url_check.h"

/* curl_easy_header() 7.84, CURLOPT_PROTOCOLS_STR 7.85. */
#if LIBCURL_VERSION_NUM < 0x075500
#error "http.c needs libcurl >= 7.85"
#endif

#define USEC_PER_SEC 1000000ULL
#define TIMER_ACCURACY_USEC 1000ULL   /* sd-event's default (250 ms) would delay every curl timeout */

enum transfer_state { TRANSFER_QUEUED, TRANSFER_RUNNING, TRANSFER_FAILED };

struct transfer_list {
        struct http_transfer *head, *tail;
        unsigned n;
};

struct http_transfer {
        struct http_client *client;
        struct http_transfer *prev, *next;
        enum transfer_state state;
        CURL *easy;                   /* NULL until the transfer starts */
        struct curl_slist *headers;
        char *url;
        enum http_method method;
        char *request_body;           /* POST/PATCH: until handed to curl; MAIL: read from */
        size_t request_body_len, request_body_sent;
        char *mail_from, *username, *password;   /* MAIL: copies; password wiped */
        struct curl_slist *mail_to;
        bool url_is_secret;
        enum url_verdict verdict;
        CURLcode early_code;          /* why a TRANSFER_FAILED one never ran */
        http_done_fn done;
        void *userdata;
        char *body;
        size_t body_len, body_cap;
        bool too_large;
        bool connected;               /* a connection was made or reused */
        char errbuf[CURL_ERROR_SIZE];
};

/* One per socket curl asked us to watch; kept in a list so that the
 * sources of sockets curl never released can be freed with the client. */
struct socket_watch {
        struct socket_watch *prev, *next;
        sd_event_source *io;
};

struct http_client {
        sd_event *event;
        CURLM *multi;
        sd_event_source *curl_timer;
        sd_event_source *curl_now;       /* a timeout of 0: run on the next loop iteration */
        sd_event_source *rate_timer;
        sd_event_source *failed_defer;
        struct socket_watch *watches;
        struct http_client_options opts;   /* strings owned (copies) */
        struct transfer_list queued, running, failed;
        double tokens;
        uint64_t tokens_at;
        uint64_t connections_opened, completed;
        bool aborting;
};

static void list_append(struct transfer_list *l, struct http_transfer *t)
{
        t->prev = l->tail;
        t->next = NULL;
        if (l->tail)
                l->tail->next = t;
        else
                l->head = t;
        l->tail = t;
        l->n++;
}

static void list_remove(struct transfer_list *l, struct http_transfer *t)
{
        if (t->prev)
                t->prev->next = t->next;
        else
                l->head = t->next;
        if (t->next)
                t->next->prev = t->prev;
        else
                l->tail = t->prev;
        t->prev = t->next = NULL;
        l->n--;
}

static struct transfer_list *list_of(struct http_transfer *t)
{
        switch (t->state) {
        case TRANSFER_QUEUED: return &t->client->queued;
        case TRANSFER_RUNNING: return &t->client->running;
        case TRANSFER_FAILED: break;
        }
        return &t->client->failed;
}

static uint64_t now_usec(struct http_client *c)
{
        uint64_t now = 0;

        sd_event_now(c->event, CLOCK_MONOTONIC, &now);
        return now;
}

/* Arms (creating on first use) a one-shot CLOCK_MONOTONIC source. */
static int arm_timer(struct http_client *c, sd_event_source **s, uint64_t when,
                     sd_event_time_handler_t handler)
{
        if (!*s)
                return sd_event_add_time(c->event, s, CLOCK_MONOTONIC, when,
                                         TIMER_ACCURACY_USEC, handler, c);
        int r = sd_event_source_set_time(*s, when);
        return r < 0 ? r : sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
}

/* ---- finishing a transfer ------------------------------------------ */

static void wipe_free(char *s)
{
        if (s)
                explicit_bzero(s, strlen(s));
        free(s);
}

static void transfer_free(struct http_transfer *t)
{
        curl_easy_cleanup(t->easy);
        curl_slist_free_all(t->headers);
        curl_slist_free_all(t->mail_to);
        free(t->mail_from);
        free(t->username);
        wipe_free(t->password);
        free(t->url);
        free(t->request_body);
        free(t->body);
        free(t);
}

/* Takes the transfer off its list (and out of curl) so that the callback
 * may start or cancel other requests freely. */
static void transfer_detach(struct http_transfer *t)
{
        if (t->state == TRANSFER_RUNNING)
                curl_multi_remove_handle(t->client->multi, t->easy);
        list_remove(list_of(t), t);
}

static void fill_failure(const struct http_transfer *t, CURLcode code, struct http_failure *f)
{
        const struct http_client_options *o = &t->client->opts;
        long os_errno = 0;

        if (t->easy)
                curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
        *f = (struct http_failure) {
                .curl_code = code,
                .url = t->url,
                .url_is_secret = t->url_is_secret,
                .verdict = t->verdict,
                .response_too_large = t->too_large,
                .connected = t->connected,
                .os_errno = (int) os_errno,
                .timeout_ms = o->timeout_ms,
                .connect_timeout_ms = o->connect_timeout_ms,
                .max_response_bytes = o->max_response_bytes,
                .tls_detail = t->errbuf,
        };
}

static long retry_after_of(CURL *easy)
{
        struct curl_header *h = NULL;

        if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
                return -1;
        return http_parse_retry_after(h->value, time(NULL));
}

static void transfer_finish(struct http_transfer *t, CURLcode code)
{
        struct http_client *c = t->client;
        struct http_response r = { .curl_code = code, .body = "", .retry_after_seconds = -1 };
        struct http_failure f;
        char error[1536];
        long status = 0, connects = 0;

        transfer_detach(t);
        if (t->easy) {
                curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
                curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r.total_seconds);
        }
        c->connections_opened += (uint64_t) connects;
        c->completed++;
        if (t->easy && (code == CURLE_OK || t->method == HTTP_MAIL))
                curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        /* An SMTP refusal ends the transfer with an error, and its code is
         * what tells a temporary failure (4xx) from a permanent one (5xx). */
        if (t->method == HTTP_MAIL && code != CURLE_OK && status < 400)
                status = 0;
        if (status > 0) {
                r.status = (int) status;
                r.retry_after_seconds = retry_after_of(t->easy);
                r.body = t->body ? t->body : "";
                r.body_len = t->body_len;
        } else {
                fill_failure(t, code, &f);
                http_describe_failure(&f, error, sizeof(error));
                r.error = error;
        }
        t->done(&r, t->userdata);
        transfer_free(t);
}

/* ---- starting transfers: concurrency cap and token bucket --------- */

static void schedule_failed(struct http_transfer *t, CURLcode code);
static int on_rate_timer(sd_event_source *s, uint64_t usec, void *userdata);
static int transfer_make_easy(struct http_transfer *t);

/* Takes one token if there is one; otherwise returns the time at which
 * the next token will be there. */
static bool take_token(struct http_client *c, uint64_t *ret_wait_usec)
{
        double rate = c->opts.max_requests_per_second;
        double burst = rate > 1.0 ? rate : 1.0;
        uint64_t now = now_usec(c);

        if (rate <= 0)
                return true;
        c->tokens += (double) (now - c->tokens_at) * rate / (double) USEC_PER_SEC;
        if (c->tokens > burst)
                c->tokens = burst;
        c->tokens_at = now;
        if (c->tokens >= 1.0) {
                c->tokens -= 1.0;
                return true;
        }
        *ret_wait_usec = now + (uint64_t) ((1.0 - c->tokens) * (double) USEC_PER_SEC / rate) + 1;
        return false;
}

static void pump(struct http_client *c)
{
        uint64_t next_token_at;

        while (!c->aborting && c->queued.head && c->running.n < (unsigned) c->opts.max_connections) {
                struct http_transfer *t = c->queued.head;

                /* Without a timer (out of memory) start anyway rather than stall. */
                if (!take_token(c, &next_token_at) &&
                    arm_timer(c, &c->rate_timer, next_token_at, on_rate_timer) >= 0)
                        return;
                list_remove(&c->queued, t);
                if (transfer_make_easy(t) < 0 || curl_multi_add_handle(c->multi, t->easy) != CURLM_OK) {
                        schedule_failed(t, CURLE_OUT_OF_MEMORY);
                        continue;
                }
                t->state = TRANSFER_RUNNING;
                list_append(&c->running, t);
        }
}

static int on_rate_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        pump(userdata);
        return 0;
}

/* Runs handler once on the next loop iteration (a defer source is created
 * in one-shot mode, and re-armed so). Returns 0 or -errno. */
static int defer_once(struct http_client *c, sd_event_source **s, sd_event_handler_t handler)
{
        if (*s)
                return sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
        return sd_event_add_defer(c->event, s, handler, c);
}

/* ---- transfers refused before sending: reported from the loop ----- */

static int on_failed_defer(sd_event_source *s, void *userdata)
{
        struct http_client *c = userdata;

        while (c->failed.head)
                transfer_finish(c->failed.head, c->failed.head->early_code);
        return 0;
}

/* Reports a transfer that is on no list from the next loop iteration, so
 * that a callback never runs inside http_request(). Should the defer
 * source fail (out of memory), the transfer waits on the failed list for
 * the next one, or for http_client_abort_all(): it is never lost. */
static void schedule_failed(struct http_transfer *t, CURLcode code)
{
        struct http_client *c = t->client;

        t->state = TRANSFER_FAILED;
        t->early_code = code;
        list_append(&c->failed, t);
        (void) defer_once(c, &c->failed_defer, on_failed_defer);
}

/* ---- curl ↔ sd-event glue ------------------------------------------ */

static void drain_completed(struct http_client *c)
{
        CURLMsg *msg;
        int left;

        while ((msg = curl_multi_info_read(c->multi, &left))) {
                struct http_transfer *t = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
                transfer_finish(t, msg->data.result);
        }
        pump(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct http_client *c = userdata;
        int action = 0, running;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        curl_multi_socket_action(c->multi, fd, action, &running);
        drain_completed(c);
        return 0;
}

static int on_curl_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct http_client *c = userdata;
        int running;

        curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        drain_completed(c);
        return 0;
}

static void watch_free(struct http_client *c, struct socket_watch *w)
{
        if (w->prev)
                w->prev->next = w->next;
        else
                c->watches = w->next;
        if (w->next)
                w->next->prev = w->prev;
        sd_event_source_disable_unref(w->io);
        free(w);
}

static int watch_new(struct http_client *c, curl_socket_t fd, uint32_t events)
{
        struct socket_watch *w = calloc(1, sizeof(*w));

        if (!w || sd_event_add_io(c->event, &w->io, fd, events, on_io, c) < 0) {
                free(w);
                return -1;
        }
        w->next = c->watches;
        if (w->next)
                w->next->prev = w;
        c->watches = w;
        curl_multi_assign(c->multi, fd, w);
        return 0;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
        struct http_client *c = userp;
        struct socket_watch *w = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                if (w) {
                        watch_free(c, w);
                        curl_multi_assign(c->multi, fd, NULL);
                }
                return 0;
        }
        if (what & CURL_POLL_IN)
                events |= EPOLLIN;
        if (what & CURL_POLL_OUT)
                events |= EPOLLOUT;
        if (w)
                return sd_event_source_set_io_events(w->io, events) < 0 ? -1 : 0;
        return watch_new(c, fd, events);
}

static int on_curl_now(sd_event_source *s, void *userdata)
{
        return on_curl_timer(s, 0, userdata);
}

static int disable(sd_event_source *s)
{
        return s && sd_event_source_set_enabled(s, SD_EVENT_OFF) < 0 ? -1 : 0;
}

/* A timeout of 0 (curl wants to start a transfer just added) runs on the
 * next loop iteration, as a defer source: a timer, even due now, fired up
 * to its 1 ms accuracy later, and on one connection each request waited
 * that long before it was sent. */
static int on_curl_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
        struct http_client *c = userp;

        if (timeout_ms < 0)
                return disable(c->curl_timer) < 0 || disable(c->curl_now) < 0 ? -1 : 0;
        if (timeout_ms == 0)
                return defer_once(c, &c->curl_now, on_curl_now) < 0 ? -1 : 0;
        return arm_timer(c, &c->curl_timer, now_usec(c) + (uint64_t) timeout_ms * 1000, on_curl_timer) < 0 ? -1 : 0;
}

/* ---- the client ---------------------------------------------------- */

static int copy_options(struct http_client *c, const struct http_client_options *o)
{
        c->opts = *o;
        c->opts.user_agent = o->user_agent ? strdup(o->user_agent) : NULL;
        c->opts.ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
        if (c->opts.connect_timeout_ms <= 0)
                c->opts.connect_timeout_ms = HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
        if (c->opts.timeout_ms <= 0)
                c->opts.timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
        if (c->opts.max_response_bytes == 0)
                c->opts.max_response_bytes = HTTP_DEFAULT_MAX_RESPONSE_BYTES;
        if (c->opts.max_connections <= 0)
                c->opts.max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
        if ((o->user_agent && !c->opts.user_agent) || (o->ca_file && !c->opts.ca_file))
                return -ENOMEM;
        return 0;
}

static int setup_multi(struct http_client *c)
{
        long max = c->opts.max_connections;

        c->multi = curl_multi_init();
        if (!c->multi)
                return -ENOMEM;
        /* Connections beyond the cap would only be opened to be closed;
         * a cache of the same size keeps every one of them alive. */
        if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer_change) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, max) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, max) != CURLM_OK)
                return -EINVAL;
        return 0;
}

struct http_client *http_client_new(sd_event *e, const struct http_client_options *o)
{
        struct http_client *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->event = sd_event_ref(e);
        if (copy_options(c, o) < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                http_client_free(c);
                return NULL;
        }
        c->tokens = o->max_requests_per_second > 1.0 ? o->max_requests_per_second : 1.0;
        c->tokens_at = now_usec(c);
        if (setup_multi(c) < 0) {
                http_client_free(c);
                return NULL;
        }
        return c;
}

void http_client_free(struct http_client *c)
{
        if (!c)
                return;
        http_client_abort_all(c);
        /* Cleanup closes the kept-alive connections, which may still call
         * on_curl_socket; what it leaves behind is freed below. */
        curl_multi_cleanup(c->multi);
        while (c->watches)
                watch_free(c, c->watches);
        sd_event_source_disable_unref(c->curl_timer);
        sd_event_source_disable_unref(c->curl_now);
        sd_event_source_disable_unref(c->rate_timer);
        sd_event_source_disable_unref(c->failed_defer);
        free((char *) c->opts.user_agent);
        free((char *) c->opts.ca_file);
        sd_event_unref(c->event);
        free(c);
}

void http_client_abort_all(struct http_client *c)
{
        struct transfer_list *lists[] = { &c->running, &c->queued, &c->failed };

        /* Callbacks may queue new requests meanwhile: those end too. */
        c->aborting = true;
        while (c->running.n + c->queued.n + c->failed.n > 0)
                for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
                        while (lists[i]->head) {
                                struct http_transfer *t = lists[i]->head;

                                /* A refused URL keeps its own, more useful reason. */
                                transfer_finish(t, t->state == TRANSFER_FAILED ? t->early_code
                                                                                : CURLE_ABORTED_BY_CALLBACK);
                        }
        c->aborting = false;
}

unsigned http_client_in_flight(const struct http_client *c)
{
        return c->running.n;
}

unsigned http_client_queued(const struct http_client *c)
{
        return c->queued.n;
}

uint64_t http_client_connections_opened(const struct http_client *c)
{
        return c->connections_opened;
}

uint64_t http_client_requests_completed(const struct http_client *c)
{
        return c->completed;
}

/* ---- requests ------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
        struct http_transfer *t = userdata;
        size_t len = size * n;
        uint64_t max = t->client->opts.max_response_bytes;

        if (len > max - t->body_len) {
                t->too_large = true;
                return 0;   /* anything else than len aborts the transfer */
        }
        if (grow_bytes(&t->body, &t->body_cap, t->body_len + len + 1, 16384) < 0)
                return 0;
        memcpy(t->body + t->body_len, data, len);
        t->body_len += len;
        t->body[t->body_len] = '\0';
        return len;
}

/* Runs once the connection is up (new or reused): from here on a timeout
 * is the server being slow, not the connect. */
static int on_connected(void *userdata, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
        struct http_transfer *t = userdata;

        t->connected = true;
        return CURL_PREREQFUNC_OK;
}

static int set_headers(struct http_transfer *t, const struct http_request *req)
{
        struct curl_slist *l;

        for (const char *const *h = req->headers; h && *h; h++) {
                l = curl_slist_append(t->headers, *h);
                if (!l)
                        return -ENOMEM;
                t->headers = l;
        }
        if (req->method == HTTP_POST || req->method == HTTP_PATCH) {
                /* No "Expect: 100-continue" round trip for larger bodies. */
                l = curl_slist_append(t->headers, "Expect:");
                if (!l)
                        return -ENOMEM;
                t->headers = l;
        }
        return 0;
}

/* The body is kept (copied) until the transfer starts: the caller's
 * buffer may be gone by then. */
static int keep_body(struct http_transfer *t, const struct http_request *req)
{
        t->method = req->method;
        if (req->method == HTTP_GET)
                return 0;
        t->request_body = malloc(req->body_len + 1);
        if (!t->request_body)
                return -ENOMEM;
        if (req->body_len > 0)
                memcpy(t->request_body, req->body, req->body_len);
        t->request_body[req->body_len] = '\0';
        t->request_body_len = req->body_len;
        return 0;
}

/* The message, read by curl as it uploads it. */
static size_t on_read_message(char *buffer, size_t size, size_t n, void *userdata)
{
        struct http_transfer *t = userdata;
        size_t left = t->request_body_len - t->request_body_sent, len = size * n < left ? size * n : left;

        memcpy(buffer, t->request_body + t->request_body_sent, len);
        t->request_body_sent += len;
        return len;
}

static int set_mail(struct http_transfer *t)
{
        CURL *e = t->easy;
        CURLcode r = CURLE_OK;

#define SET(opt, val) do { if (r == CURLE_OK) r = curl_easy_setopt(e, opt, val); } while (0)
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_read_message);
        SET(CURLOPT_READDATA, t);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t) t->request_body_len);
        SET(CURLOPT_MAIL_FROM, t->mail_from);
        SET(CURLOPT_MAIL_RCPT, t->mail_to);
        /* smtps:// is TLS from the start; smtp:// must upgrade with
         * STARTTLS, except to a relay on this host. */
        SET(CURLOPT_USE_SSL, url_is_loopback(t->url) ? CURLUSESSL_TRY : CURLUSESSL_ALL);
        if (t->username) {
                SET(CURLOPT_USERNAME, t->username);
                SET(CURLOPT_PASSWORD, t->password);
        }
#undef SET
        return r == CURLE_OK ? 0 : -ENOMEM;
}

static int set_method(struct http_transfer *t)
{
        CURL *easy = t->easy;
        CURLcode r = CURLE_OK;

        if (t->method == HTTP_MAIL)
                return set_mail(t);
        if (t->method == HTTP_GET)
                return curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L) == CURLE_OK ? 0 : -ENOMEM;
        if (t->method == HTTP_PATCH)
                r = curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PATCH");
        if (r == CURLE_OK)
                r = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) t->request_body_len);
        if (r == CURLE_OK)
                r = curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, t->request_body);
        if (r == CURLE_OK) {
                free(t->request_body);   /* curl has its copy */
                t->request_body = NULL;
        }
        return r == CURLE_OK ? 0 : -ENOMEM;
}

static int set_transport(struct http_transfer *t)
{
        const struct http_client_options *o = &t->client->opts;
        CURL *e = t->easy;
        CURLcode r = CURLE_OK;

#define SET(opt, val) do { if (r == CURLE_OK) r = curl_easy_setopt(e, opt, val); } while (0)
        SET(CURLOPT_URL, t->url);
        SET(CURLOPT_PRIVATE, t);
        SET(CURLOPT_ERRORBUFFER, t->errbuf);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_WRITEFUNCTION, on_body);
        SET(CURLOPT_WRITEDATA, t);
        SET(CURLOPT_PREREQFUNCTION, on_connected);
        SET(CURLOPT_PREREQDATA, t);
        SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
        SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) o->max_response_bytes);
        SET(CURLOPT_PROTOCOLS_STR, t->method == HTTP_MAIL ? "smtp,smtps" : "http,https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);   /* a redirect could leave loopback in clear text */
        SET(CURLOPT_SSL_VERIFYPEER, 1L);
        SET(CURLOPT_SSL_VERIFYHOST, 2L);
        if (o->user_agent)
                SET(CURLOPT_USERAGENT, o->user_agent);
        if (o->ca_file)
                SET(CURLOPT_CAINFO, o->ca_file);
#undef SET
        return r == CURLE_OK ? 0 : -ENOMEM;
}

static int keep_envelope(struct http_transfer *t, const struct http_mail *m)
{
        char *from = NULL;

        if (!m || !m->from || !m->to || !m->to[0])
                return -EINVAL;
        if (asprintf(&from, "<%s>", m->from) < 0)
                return -ENOMEM;
        t->mail_from = from;
        for (const char *const *to = m->to; *to; to++) {
                struct curl_slist *l = curl_slist_append(t->mail_to, *to);

                if (!l)
                        return -ENOMEM;
                t->mail_to = l;
        }
        if (m->username && (!(t->username = strdup(m->username)) ||
                            !(t->password = strdup(m->password ? m->password : ""))))
                return -ENOMEM;
        return 0;
}

static int transfer_new(struct http_client *c, const struct http_request *req,
                        http_done_fn done, void *userdata, struct http_transfer **ret)
{
        struct http_transfer *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return -ENOMEM;
        t->client = c;
        t->done = done;
        t->userdata = userdata;
        t->url_is_secret = req->url_is_secret;
        t->url = strdup(req->url);
        r = t->url ? keep_body(t, req) : -ENOMEM;
        if (r >= 0)
                r = set_headers(t, req);
        if (r >= 0 && req->method == HTTP_MAIL)
                r = keep_envelope(t, req->mail);
        if (r < 0) {
                transfer_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

/* The curl handle is made only when the transfer starts: a cycle queues a
 * request per experiment at once, and a handle is several KiB (at 10,000
 * experiments, most of the daemon's memory). */
static int transfer_make_easy(struct http_transfer *t)
{
        int r;

        t->easy = curl_easy_init();
        r = t->easy ? set_transport(t) : -ENOMEM;
        if (r >= 0)
                r = set_method(t);
        if (r >= 0 && curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK)
                r = -ENOMEM;
        return r;
}

int http_request(struct http_client *c, const struct http_request *req,
                 http_done_fn done, void *userdata, struct http_transfer **ret_handle)
{
        struct http_transfer *t;
        int r;

        if (!req->url || !done || req->method < HTTP_GET || req->method > HTTP_MAIL)
                return -EINVAL;
        r = transfer_new(c, req, done, userdata, &t);
        if (r < 0)
                return r;
        t->verdict = req->method == HTTP_MAIL ? url_check_mail(req->url) : url_check_transport(req->url);
        if (t->verdict != URL_OK) {
                schedule_failed(t, t->verdict == URL_INVALID ? CURLE_URL_MALFORMAT : CURLE_UNSUPPORTED_PROTOCOL);
        } else {
                t->state = TRANSFER_QUEUED;
                list_append(&c->queued, t);
                pump(c);
        }
        if (ret_handle)
                *ret_handle = t;
        return 0;
}

void http_transfer_cancel(struct http_transfer *t)
{
        struct http_client *c;

        if (!t)
                return;
        c = t->client;
        transfer_detach(t);
        transfer_free(t);
        pump(c);
}
