/* The HTTP client's pure helpers: failure texts, URL redaction, Retry-After. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <string.h>

#include "mida/http.h"
#include "mida/http_error.h"

static void describe(const struct http_failure *f, char *buf, size_t size)
{
        http_describe_failure(f, buf, size);
}

Test(http_error, redact_drops_credentials_query_and_fragment)
{
        char buf[256];

        cr_assert_eq(http_redact_url("https://u:p@api.mida.so:8443/v2/project/k/experiments?limit=500&key=S#f",
                                     buf, sizeof(buf)), 0);
        cr_assert_str_eq(buf, "https://api.mida.so:8443/v2/project/k/experiments");
        cr_assert_eq(http_redact_url("not a url", buf, sizeof(buf)), -EINVAL);
}

Test(http_error, timeout_says_which_limit)
{
        char buf[256];
        struct http_failure f = { .curl_code = CURLE_OPERATION_TIMEDOUT, .url = "https://api.mida.so/v2/x",
                                  .connected = true, .timeout_ms = 30000, .connect_timeout_ms = 10000 };

        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://api.mida.so/v2/x: timed out after 30 s");
        f.connected = false;
        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://api.mida.so/v2/x: could not connect within 10 s");
        f.connected = true;
        f.timeout_ms = 2500;
        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://api.mida.so/v2/x: timed out after 2.5 s");
}

Test(http_error, each_failure_has_a_plain_reason)
{
        char buf[512];
        struct http_failure f = { .url = "https://h/p" };

        f.curl_code = CURLE_COULDNT_CONNECT;
        f.os_errno = ECONNREFUSED;
        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://h/p: connection refused");
        f.os_errno = ENETUNREACH;
        describe(&f, buf, sizeof(buf));
        cr_assert(strstr(buf, "cannot connect: ") && strstr(buf, strerror(ENETUNREACH)), "%s", buf);
        f = (struct http_failure) { .url = "https://h/p", .curl_code = CURLE_PEER_FAILED_VERIFICATION,
                                    .tls_detail = "SSL certificate problem: self-signed certificate" };
        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://h/p: TLS certificate verification failed: SSL certificate problem: self-signed certificate");
        f = (struct http_failure) { .url = "https://h/p", .curl_code = CURLE_WRITE_ERROR,
                                    .response_too_large = true, .max_response_bytes = 8388608 };
        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://h/p: response larger than 8388608 bytes");
        f = (struct http_failure) { .url = "https://h/p", .curl_code = CURLE_PARTIAL_FILE };
        describe(&f, buf, sizeof(buf));
        cr_assert(strstr(buf, "truncated"), "%s", buf);
        f = (struct http_failure) { .url = "https://h/p", .curl_code = CURLE_RECV_ERROR, .os_errno = ECONNRESET };
        describe(&f, buf, sizeof(buf));
        cr_assert(strstr(buf, "connection lost: ") && strstr(buf, strerror(ECONNRESET)), "%s", buf);
        f = (struct http_failure) { .url = "http://example.com/p", .verdict = URL_HTTP_NOT_LOOPBACK,
                                    .curl_code = CURLE_UNSUPPORTED_PROTOCOL };
        describe(&f, buf, sizeof(buf));
        cr_assert(strncmp(buf, "http://example.com/p: must use https", 36) == 0, "%s", buf);
}

Test(http_error, tls_detail_only_for_tls_errors)
{
        char buf[256];
        struct http_failure f = { .url = "https://h/p", .curl_code = CURLE_COULDNT_RESOLVE_HOST,
                                  .tls_detail = "curl detail text" };

        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "https://h/p: cannot resolve the host name");
}

Test(http_error, secret_url_is_never_named)
{
        char buf[256];
        struct http_failure f = { .url = "https://hooks.slack.com/services/T0/B0/XYZSECRET",
                                  .url_is_secret = true, .curl_code = CURLE_COULDNT_CONNECT,
                                  .os_errno = ECONNREFUSED };

        describe(&f, buf, sizeof(buf));
        cr_assert_str_eq(buf, "the notifier URL: connection refused");
}

Test(http_error, retry_after_delta_seconds_and_dates)
{
        time_t now = curl_getdate("Wed, 21 Oct 2015 07:28:00 GMT", NULL);

        cr_assert_neq(now, (time_t) -1);
        cr_assert_eq(http_parse_retry_after("120", now), 120);
        cr_assert_eq(http_parse_retry_after("0", now), 0);
        cr_assert_eq(http_parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30);
        /* The other two HTTP-date forms. */
        cr_assert_eq(http_parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60);
        cr_assert_eq(http_parse_retry_after("Wed Oct 21 07:28:05 2015", now), 5);
        cr_assert_eq(http_parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0, "a past date means now");
        cr_assert_eq(http_parse_retry_after("12abc", now), -1);
        cr_assert_eq(http_parse_retry_after("-5", now), -1);
        cr_assert_eq(http_parse_retry_after("soon", now), -1);
        cr_assert_eq(http_parse_retry_after("", now), -1);
        cr_assert_eq(http_parse_retry_after(NULL, now), -1);
}
