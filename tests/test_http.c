/* The HTTP client against a real server on 127.0.0.1, through a real
 * sd-event loop. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "mida/http.h"
#include "http_test_server.h"

#define API_KEY "sk_live_SECRETKEY123"

struct result {
        bool done;
        int status;
        long curl_code;
        char error[512];
        char body[256];
        size_t body_len;
        long retry_after;
};

static struct test_server server;
static sd_event *loop;
static struct http_client *client;
static unsigned pending;

static void on_done(const struct http_response *r, void *userdata)
{
        struct result *res = userdata;

        cr_assert(!res->done, "callback ran twice");
        res->done = true;
        res->status = r->status;
        res->curl_code = r->curl_code;
        snprintf(res->error, sizeof(res->error), "%s", r->error ? r->error : "");
        snprintf(res->body, sizeof(res->body), "%s", r->body);
        res->body_len = r->body_len;
        res->retry_after = r->retry_after_seconds;
        cr_assert(r->status == 0 ? r->error != NULL : r->error == NULL);
        pending--;
}

static void start(const struct http_client_options *o)
{
        cr_assert_eq(test_server_start(&server), 0, "cannot start the test server");
        cr_assert_geq(sd_event_new(&loop), 0);
        client = http_client_new(loop, o);
        cr_assert_not_null(client);
}

static void stop(void)
{
        http_client_free(client);
        test_server_stop(&server);
        sd_event_unref(loop);
}

static void send_req(const struct http_request *req, struct result *res)
{
        pending++;
        cr_assert_eq(http_request(client, req, on_done, res, NULL), 0);
}

static void get(const char *path, struct result *res)
{
        char url[256];
        struct http_request req = { .method = HTTP_GET, .url = test_server_url(&server, path, url, sizeof(url)) };

        send_req(&req, res);
}

/* Runs the loop until every callback has run (criterion's timeout
 * catches a hang). */
static void run_loop_while(const unsigned *outstanding)
{
        while (*outstanding > 0)
                cr_assert_geq(sd_event_run(loop, UINT64_MAX), 0);
}

static void run_loop(void)
{
        run_loop_while(&pending);
}

static const struct http_client_options defaults = {
        .user_agent = "mida-monitor/0.1.0",
        .timeout_ms = 10000,
};

Test(http, get_carries_headers_and_user_agent, .timeout = 30)
{
        const char *headers[] = { "Authorization: Bearer " API_KEY, "X-Test: one", NULL };
        char url[256];
        struct http_request req = { .method = HTTP_GET, .headers = headers,
                                    .url = test_server_url(&server, "/hello?x=1", url, sizeof(url)) };
        struct result res = { 0 };

        start(&defaults);
        test_server_url(&server, "/hello?x=1", url, sizeof(url));
        send_req(&req, &res);
        cr_assert(!res.done, "the callback must not run inside http_request()");
        run_loop();
        cr_assert_eq(res.status, 200);
        cr_assert_str_eq(res.body, "hello GET /hello");
        cr_assert_eq(res.body_len, strlen("hello GET /hello"));
        cr_assert_eq(res.retry_after, -1);
        cr_assert_eq(server.n_seen, 1);
        cr_assert_str_eq(server.seen[0].method, "GET");
        cr_assert_str_eq(server.seen[0].authorization, "Bearer " API_KEY);
        cr_assert_str_eq(server.seen[0].x_test, "one");
        cr_assert_str_eq(server.seen[0].user_agent, "mida-monitor/0.1.0");
        stop();
}

Test(http, post_and_patch_send_body_and_content_type, .timeout = 30)
{
        const char *headers[] = { "Content-Type: application/json", NULL };
        const char *post_body = "{\"variant_id\":\"1\"}", *patch_body = "{\"status\":0}";
        char url1[256], url2[256];
        struct http_request post = { .method = HTTP_POST, .headers = headers, .body = post_body,
                                     .body_len = strlen(post_body) };
        struct http_request patch = { .method = HTTP_PATCH, .headers = headers, .body = patch_body,
                                      .body_len = strlen(patch_body) };
        struct result r1 = { 0 }, r2 = { 0 };

        start(&(struct http_client_options) { .max_connections = 1 });
        post.url = test_server_url(&server, "/serve-winner", url1, sizeof(url1));
        patch.url = test_server_url(&server, "/status", url2, sizeof(url2));
        send_req(&post, &r1);
        send_req(&patch, &r2);
        run_loop();
        cr_assert_eq(r1.status, 200);
        cr_assert_str_eq(r1.body, "hello POST /serve-winner");
        cr_assert_str_eq(r2.body, "hello PATCH /status");
        cr_assert_eq(server.n_seen, 2);
        cr_assert_str_eq(server.seen[0].body, post_body);
        cr_assert_str_eq(server.seen[0].content_type, "application/json");
        cr_assert_str_eq(server.seen[1].method, "PATCH");
        cr_assert_str_eq(server.seen[1].body, patch_body);
        stop();
}

Test(http, status_codes_pass_through, .timeout = 30)
{
        struct result r404 = { 0 }, r500 = { 0 }, r204 = { 0 };

        start(&defaults);
        get("/status/404", &r404);
        get("/status/500", &r500);
        get("/status/204", &r204);
        run_loop();
        cr_assert_eq(r404.status, 404);
        cr_assert_str_eq(r404.body, "status");
        cr_assert_eq(r500.status, 500);
        cr_assert_eq(r204.status, 204);
        cr_assert_eq(r204.body_len, 0);
        cr_assert_eq(r500.curl_code, CURLE_OK);
        stop();
}

Test(http, retry_after_seconds_and_date, .timeout = 30)
{
        struct result secs = { 0 }, date = { 0 };

        start(&defaults);
        get("/retry-seconds", &secs);
        get("/retry-date", &date);
        run_loop();
        cr_assert_eq(secs.status, 429);
        cr_assert_eq(secs.retry_after, 7);
        cr_assert_eq(date.status, 503);
        /* 120 s ahead when the server wrote it, whole seconds. */
        cr_assert(date.retry_after >= 110 && date.retry_after <= 121, "got %ld", date.retry_after);
        stop();
}

Test(http, timeout_reported_in_seconds, .timeout = 30)
{
        struct result res = { 0 };

        start(&(struct http_client_options) { .timeout_ms = 300 });
        get("/slow", &res);
        run_loop();
        cr_assert_eq(res.status, 0);
        cr_assert_eq(res.curl_code, CURLE_OPERATION_TIMEDOUT);
        cr_assert(strstr(res.error, "timed out after 0.3 s"), "%s", res.error);
        cr_assert(strstr(res.error, "/slow"), "names the URL: %s", res.error);
        stop();
}

Test(http, timeout_on_a_reused_connection_is_not_a_connect_timeout, .timeout = 30)
{
        struct result warm = { 0 }, res = { 0 };

        start(&(struct http_client_options) { .timeout_ms = 300, .connect_timeout_ms = 5000 });
        get("/hello", &warm);
        run_loop();
        get("/slow", &res);
        run_loop();
        cr_assert_eq(http_client_connections_opened(client), 1, "the second request reused the connection");
        cr_assert(strstr(res.error, "timed out after 0.3 s"), "%s", res.error);
        stop();
}

/* A listening socket whose accept queue is full drops new SYNs, so the
 * connect itself times out. */
Test(http, connect_timeout_named_as_such, .timeout = 30)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int lfd = socket(AF_INET, SOCK_STREAM, 0), fillers[4];
        char url[128];
        struct http_request req = { .method = HTTP_GET, .url = url };
        struct result res = { 0 };

        cr_assert_eq(bind(lfd, (struct sockaddr *) &a, sizeof(a)), 0);
        cr_assert_eq(getsockname(lfd, (struct sockaddr *) &a, &len), 0);
        cr_assert_eq(listen(lfd, 0), 0);
        for (size_t i = 0; i < 4; i++) {
                fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
                connect(fillers[i], (struct sockaddr *) &a, sizeof(a));
        }
        start(&(struct http_client_options) { .connect_timeout_ms = 300, .timeout_ms = 5000 });
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", (unsigned) ntohs(a.sin_port));
        send_req(&req, &res);
        run_loop();
        cr_assert_eq(res.curl_code, CURLE_OPERATION_TIMEDOUT, "%s", res.error);
        cr_assert(strstr(res.error, "could not connect within 0.3 s"), "%s", res.error);
        stop();
        for (size_t i = 0; i < 4; i++)
                close(fillers[i]);
        close(lfd);
}

Test(http, oversized_response_aborted, .timeout = 30)
{
        struct result exact = { 0 }, sized = { 0 }, chunked = { 0 };

        start(&(struct http_client_options) { .max_response_bytes = 1000 });
        get("/big/1000", &exact);
        get("/big/5000", &sized);
        get("/chunked/300000", &chunked);
        run_loop();
        cr_assert_eq(exact.status, 200, "%s", exact.error);
        cr_assert_eq(exact.body_len, 1000);
        cr_assert_eq(sized.status, 0);
        cr_assert(strstr(sized.error, "response larger than 1000 bytes"), "%s", sized.error);
        cr_assert_eq(chunked.status, 0);
        cr_assert(strstr(chunked.error, "response larger than 1000 bytes"), "%s", chunked.error);
        cr_assert_eq(chunked.body_len, 0);
        stop();
}

Test(http, concurrency_cap_queues_the_rest, .timeout = 30)
{
        struct result res[9] = { 0 };

        start(&(struct http_client_options) { .max_connections = 3 });
        for (size_t i = 0; i < 9; i++)
                get("/hold", &res[i]);
        cr_assert_eq(http_client_in_flight(client), 3);
        cr_assert_eq(http_client_queued(client), 6);
        run_loop();
        for (size_t i = 0; i < 9; i++)
                cr_assert_eq(res[i].status, 200, "request %zu: %s", i, res[i].error);
        cr_assert_eq(server.n_seen, 9);
        cr_assert_leq(server.max_active, 3, "server saw %d at once", server.max_active);
        cr_assert_geq(server.max_active, 2, "requests were never concurrent");
        cr_assert_leq(http_client_connections_opened(client), 3);
        cr_assert_eq(http_client_in_flight(client), 0);
        cr_assert_eq(http_client_queued(client), 0);
        stop();
}

Test(http, rate_cap_spaces_request_starts, .timeout = 30)
{
        struct result res[12] = { 0 };
        uint64_t first, last;
        size_t in_first_window = 0;

        start(&(struct http_client_options) { .max_connections = 12, .max_requests_per_second = 5 });
        for (size_t i = 0; i < 12; i++)
                get("/hello", &res[i]);
        /* A full bucket: five start at once, seven wait for tokens. */
        cr_assert_eq(http_client_in_flight(client), 5);
        cr_assert_eq(http_client_queued(client), 7);
        run_loop();
        cr_assert_eq(server.n_seen, 12);
        first = last = server.seen[0].arrived_usec;
        for (size_t i = 0; i < 12; i++) {
                cr_assert_eq(res[i].status, 200);
                first = server.seen[i].arrived_usec < first ? server.seen[i].arrived_usec : first;
                last = server.seen[i].arrived_usec > last ? server.seen[i].arrived_usec : last;
        }
        for (size_t i = 0; i < 12; i++)
                in_first_window += server.seen[i].arrived_usec < first + 100000;
        /* The remaining 7 need 7 × 200 ms of tokens; allow a wide margin
         * below that (a slow machine only spreads them further). */
        cr_assert_leq(in_first_window, 6, "%zu requests within 100 ms", in_first_window);
        cr_assert_geq(last - first, 700000, "12 requests at 5/s took only %llu µs",
                      (unsigned long long) (last - first));
        stop();
}

static void send_next(const struct http_response *r, void *userdata);

static unsigned chain_left;
static int chain_failures;

static void send_next(const struct http_response *r, void *userdata)
{
        char url[256];
        struct http_request req = { .method = HTTP_GET, .url = test_server_url(&server, "/hello", url, sizeof(url)) };

        chain_failures += r->status != 200;
        if (--chain_left == 0)
                return;
        cr_assert_eq(http_request(client, &req, send_next, NULL, NULL), 0);
}

Test(http, sequential_requests_reuse_one_connection, .timeout = 30)
{
        char url[256];
        struct http_request req = { .method = HTTP_GET };

        start(&defaults);
        req.url = test_server_url(&server, "/hello", url, sizeof(url));
        chain_left = 10;
        cr_assert_eq(http_request(client, &req, send_next, NULL, NULL), 0);
        run_loop_while(&chain_left);
        cr_assert_eq(chain_failures, 0);
        cr_assert_eq(server.n_seen, 10);
        cr_assert_eq(http_client_requests_completed(client), 10);
        cr_assert_eq(http_client_connections_opened(client), 1);
        cr_assert_eq(test_server_connections_seen(&server), 1);
        stop();
}

Test(http, plain_http_refused_unless_loopback, .timeout = 30)
{
        const char *headers[] = { "Authorization: Bearer " API_KEY, NULL };
        struct http_request req = { .method = HTTP_GET, .url = "http://192.0.2.10/v2/projects", .headers = headers };
        struct http_request bad = { .method = HTTP_GET, .url = "not a url" };
        struct http_request ftp = { .method = HTTP_GET, .url = "ftp://127.0.0.1/x" };
        struct result res = { 0 }, bad_res = { 0 }, ftp_res = { 0 };

        start(&defaults);
        send_req(&req, &res);
        send_req(&bad, &bad_res);
        send_req(&ftp, &ftp_res);
        cr_assert(!res.done, "the callback must not run inside http_request()");
        run_loop();
        cr_assert_eq(res.status, 0);
        cr_assert_eq(res.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
        cr_assert(strstr(res.error, "must use https"), "%s", res.error);
        cr_assert(strstr(res.error, "loopback") || strstr(res.error, "127.0.0.0/8"), "%s", res.error);
        cr_assert_null(strstr(res.error, API_KEY));
        cr_assert(strstr(bad_res.error, "not a valid URL"), "%s", bad_res.error);
        cr_assert(strstr(ftp_res.error, "must use https"), "%s", ftp_res.error);
        cr_assert_eq(http_client_connections_opened(client), 0);
        stop();
}

static uint16_t closed_port(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        cr_assert_geq(fd, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        cr_assert_eq(getsockname(fd, (struct sockaddr *) &a, &len), 0);
        close(fd);   /* bound, never listening: connecting is refused */
        return ntohs(a.sin_port);
}

Test(http, connection_refused, .timeout = 30)
{
        char url[128];
        struct http_request req = { .method = HTTP_GET, .url = url };
        struct result res = { 0 };

        start(&defaults);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/v2/x", closed_port());
        send_req(&req, &res);
        run_loop();
        cr_assert_eq(res.status, 0);
        cr_assert_eq(res.curl_code, CURLE_COULDNT_CONNECT);
        cr_assert(strstr(res.error, "connection refused"), "%s", res.error);
        stop();
}

Test(http, errors_never_carry_secrets, .timeout = 30)
{
        const char *headers[] = { "Authorization: Bearer " API_KEY, NULL };
        char refused[128], slow[256], big[256], hook[256];
        struct http_request reqs[4] = {
                { .method = HTTP_GET, .url = refused, .headers = headers },
                { .method = HTTP_GET, .url = slow, .headers = headers },
                { .method = HTTP_POST, .url = big, .headers = headers },
                { .method = HTTP_POST, .url = hook, .headers = headers, .url_is_secret = true },
        };
        struct result res[4] = { 0 };

        start(&(struct http_client_options) { .timeout_ms = 200, .max_response_bytes = 10 });
        snprintf(refused, sizeof(refused), "http://user:PASSWORDX@127.0.0.1:%u/a?api_key=QUERYSECRET#FRAG", closed_port());
        test_server_url(&server, "/slow?token=QUERYSECRET", slow, sizeof(slow));
        test_server_url(&server, "/big/100", big, sizeof(big));
        test_server_url(&server, "/services/T000/B000/SLACKSECRET", hook, sizeof(hook));
        for (size_t i = 0; i < 4; i++)
                send_req(&reqs[i], &res[i]);
        run_loop();
        for (size_t i = 0; i < 4; i++) {
                cr_assert_eq(res[i].status, 0, "request %zu", i);
                cr_assert_null(strstr(res[i].error, "SECRETKEY"), "%s", res[i].error);
                cr_assert_null(strstr(res[i].error, "Bearer"), "%s", res[i].error);
                cr_assert_null(strstr(res[i].error, "QUERYSECRET"), "%s", res[i].error);
                cr_assert_null(strstr(res[i].error, "PASSWORDX"), "%s", res[i].error);
                cr_assert_null(strstr(res[i].error, "SLACKSECRET"), "%s", res[i].error);
        }
        cr_assert(strstr(res[0].error, "127.0.0.1"), "a plain URL is named: %s", res[0].error);
        cr_assert(strstr(res[1].error, "/slow"), "%s", res[1].error);
        cr_assert(strncmp(res[3].error, "the notifier URL: ", 18) == 0, "%s", res[3].error);
        stop();
}

Test(http, cancel_drops_without_callback, .timeout = 30)
{
        char url[256];
        struct http_request req = { .method = HTTP_GET };
        struct http_transfer *running, *queued;
        struct result r1 = { 0 }, r2 = { 0 }, r3 = { 0 };

        start(&(struct http_client_options) { .max_connections = 1 });
        req.url = test_server_url(&server, "/slow", url, sizeof(url));
        cr_assert_eq(http_request(client, &req, on_done, &r1, &running), 0);
        cr_assert_eq(http_request(client, &req, on_done, &r2, &queued), 0);
        req.url = test_server_url(&server, "/hello", url, sizeof(url));
        send_req(&req, &r3);
        cr_assert_eq(http_client_in_flight(client), 1);
        cr_assert_eq(http_client_queued(client), 2);
        http_transfer_cancel(queued);
        cr_assert_eq(http_client_queued(client), 1);
        http_transfer_cancel(running);   /* frees the slot for /hello */
        cr_assert_eq(http_client_in_flight(client), 1);
        cr_assert_eq(http_client_queued(client), 0);
        run_loop();
        cr_assert(!r1.done && !r2.done);
        cr_assert_eq(r3.status, 200);
        stop();
}

Test(http, abort_all_ends_everything_with_callbacks, .timeout = 30)
{
        struct result res[4] = { 0 };
        struct http_request bad = { .method = HTTP_GET, .url = "http://192.0.2.10/" };

        start(&(struct http_client_options) { .max_connections = 2 });
        for (size_t i = 0; i < 3; i++)
                get("/slow", &res[i]);
        send_req(&bad, &res[3]);
        http_client_abort_all(client);
        for (size_t i = 0; i < 3; i++) {
                cr_assert(res[i].done, "request %zu", i);
                cr_assert_eq(res[i].status, 0);
                cr_assert(strstr(res[i].error, "aborted: shutting down"), "%s", res[i].error);
        }
        cr_assert(res[3].done);
        cr_assert(strstr(res[3].error, "must use https"), "keeps its own reason: %s", res[3].error);
        cr_assert_eq(pending, 0);
        cr_assert_eq(http_client_in_flight(client) + http_client_queued(client), 0);
        stop();
}

Test(http, free_with_requests_in_flight_runs_their_callbacks, .timeout = 30)
{
        struct result res = { 0 };

        start(&defaults);
        get("/slow", &res);
        http_client_free(client);
        client = NULL;
        cr_assert(res.done);
        cr_assert(strstr(res.error, "aborted"), "%s", res.error);
        stop();
}

Test(http, bad_arguments_rejected, .timeout = 30)
{
        struct http_request no_url = { .method = HTTP_GET };
        struct http_request bad_method = { .method = (enum http_method) 42, .url = "https://example.com/" };
        struct result res = { 0 };

        start(&defaults);
        cr_assert_eq(http_request(client, &no_url, on_done, &res, NULL), -EINVAL);
        cr_assert_eq(http_request(client, &bad_method, on_done, &res, NULL), -EINVAL);
        cr_assert_eq(http_client_queued(client) + http_client_in_flight(client), 0);
        stop();
}

/* A self-signed certificate for 127.0.0.1, made fresh so it never expires
 * in the repository. */
struct tls_files {
        char dir[64], key_path[128], cert_path[128];
        char *key, *cert;
};

static void make_certificate(struct tls_files *f)
{
        char cmd[1024];
        size_t len;

        if (system("command -v openssl >/dev/null") != 0)
                cr_skip_test("the openssl command is not installed; cannot make a test certificate");
        snprintf(f->dir, sizeof(f->dir), "/tmp/mida-tls-XXXXXX");
        cr_assert_not_null(mkdtemp(f->dir));
        snprintf(f->key_path, sizeof(f->key_path), "%s/key.pem", f->dir);
        snprintf(f->cert_path, sizeof(f->cert_path), "%s/cert.pem", f->dir);
        snprintf(cmd, sizeof(cmd),
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null",
                 f->key_path, f->cert_path);
        cr_assert_eq(system(cmd), 0, "openssl could not make a certificate");
        cr_assert_eq(read_file_limited(f->key_path, 65536, &f->key, &len), 0);
        cr_assert_eq(read_file_limited(f->cert_path, 65536, &f->cert, &len), 0);
}

static void remove_certificate(struct tls_files *f)
{
        unlink(f->key_path);
        unlink(f->cert_path);
        rmdir(f->dir);
        free(f->key);
        free(f->cert);
}

/* trust: give the client the server's certificate as its CA file. */
static void start_tls(struct tls_files *f, bool trust)
{
        make_certificate(f);
        cr_assert_eq(test_server_start_tls(&server, f->key, f->cert), 0, "cannot start the TLS test server");
        cr_assert_geq(sd_event_new(&loop), 0);
        client = http_client_new(loop, &(struct http_client_options) { .ca_file = trust ? f->cert_path : NULL });
        cr_assert_not_null(client);
}

Test(http, tls_untrusted_certificate_rejected, .timeout = 30)
{
        struct tls_files f = { 0 };
        struct result res = { 0 };

        start_tls(&f, false);
        get("/hello", &res);
        run_loop();
        cr_assert_eq(res.status, 0);
        cr_assert_eq(res.curl_code, CURLE_PEER_FAILED_VERIFICATION);
        cr_assert(strstr(res.error, "TLS certificate verification failed: "), "%s", res.error);
        cr_assert_eq(server.n_seen, 0, "no request may pass an unverified connection");
        stop();
        remove_certificate(&f);
}

Test(http, tls_trusted_through_ca_file, .timeout = 30)
{
        struct tls_files f = { 0 };
        struct result res = { 0 };

        start_tls(&f, true);
        get("/hello", &res);
        run_loop();
        cr_assert_eq(res.status, 200, "%s", res.error);
        cr_assert_str_eq(res.body, "hello GET /hello");
        stop();
        remove_certificate(&f);
}

Test(http, idle_client_needs_no_wakeups, .timeout = 30)
{
        struct result res = { 0 };

        start(&defaults);
        get("/hello", &res);
        run_loop();
        cr_assert_eq(res.status, 200);
        /* A kept-alive connection and nothing to do: no timer may fire and
         * no socket may wake us within half a second. */
        cr_assert_eq(sd_event_run(loop, 500000), 0, "the idle client woke the event loop");
        cr_assert_eq(http_client_connections_opened(client), 1);
        stop();
}
