/* A real HTTP server on 127.0.0.1 (libmicrohttpd, a thread per
 * connection) for the HTTP client tests. It records what each request
 * carried and when it arrived, and serves a few behaviours by path:
 *   /status/N        status N
 *   /retry-seconds   429 with "Retry-After: 7"
 *   /retry-date      503 with Retry-After as an HTTP-date 120 s ahead
 *   /big/N           N bytes with Content-Length
 *   /chunked/N       N bytes, chunked (no Content-Length)
 *   /slow            answers only once test_server_release() is called
 *   /hold            holds the request 150 ms (to count concurrency)
 *   anything else    200 "hello METHOD PATH" */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEST_SERVER_MAX_SEEN 64

struct seen_request {
        char method[8];
        char path[128];
        char authorization[128];
        char content_type[64];
        char user_agent[64];
        char x_test[64];
        char body[256];
        uint64_t arrived_usec;    /* CLOCK_MONOTONIC, when the headers arrived */
        uint16_t client_port;     /* tells connections apart */
};

struct test_server {
        struct MHD_Daemon *daemon;
        uint16_t port;
        bool tls;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool released;
        int active, max_active;
        struct seen_request seen[TEST_SERVER_MAX_SEEN];
        size_t n_seen;
};

/* Returns 0 or -errno. */
int test_server_start(struct test_server *s);
/* The same over TLS with the given PEM key and certificate. */
int test_server_start_tls(struct test_server *s, const char *key_pem, const char *cert_pem);
void test_server_stop(struct test_server *s);
void test_server_release(struct test_server *s);
/* "http(s)://127.0.0.1:PORT" + path, into buf. */
const char *test_server_url(const struct test_server *s, const char *path, char *buf, size_t size);
/* Distinct client ports among the recorded requests. */
size_t test_server_connections_seen(struct test_server *s);
