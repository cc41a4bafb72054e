#include "http_error.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

int http_redact_url(const char *url, char *buf, size_t size)
{
        CURLU *u = curl_url();
        char *clean = NULL;
        int r = -EINVAL;

        if (!u)
                return -ENOMEM;
        /* Credentials and query strings may carry secrets; the path of a
         * Mida URL does not (secret URLs are not printed at all). */
        if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_OPTIONS, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &clean, 0) == CURLUE_OK) {
                snprintf(buf, size, "%s", clean);
                r = 0;
        }
        curl_free(clean);
        curl_url_cleanup(u);
        return r;
}

static void format_seconds(long ms, char *buf, size_t size)
{
        if (ms % 1000 == 0)
                snprintf(buf, size, "%ld s", ms / 1000);
        else
                snprintf(buf, size, "%.3g s", (double) ms / 1000.0);
}

static void describe_connect_failure(const struct http_failure *f, char *buf, size_t size)
{
        if (f->os_errno == ECONNREFUSED)
                snprintf(buf, size, "connection refused");
        else if (f->os_errno != 0)
                snprintf(buf, size, "cannot connect: %s", strerror(f->os_errno));
        else
                snprintf(buf, size, "cannot connect");
}

static void describe_timeout(const struct http_failure *f, char *buf, size_t size)
{
        char t[32];

        format_seconds(f->connected ? f->timeout_ms : f->connect_timeout_ms, t, sizeof(t));
        snprintf(buf, size, f->connected ? "timed out after %s" : "could not connect within %s", t);
}

static void describe_tls(const char *what, const struct http_failure *f, char *buf, size_t size)
{
        const char *detail = f->tls_detail && f->tls_detail[0] ? f->tls_detail : NULL;

        snprintf(buf, size, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static void describe_lost_connection(const struct http_failure *f, char *buf, size_t size)
{
        snprintf(buf, size, "connection lost%s%s",
                 f->os_errno ? ": " : "", f->os_errno ? strerror(f->os_errno) : "");
}

static const char *fixed_reason(long code)
{
        switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST: return "cannot resolve the host name";
        case CURLE_GOT_NOTHING: return "the server closed the connection without a response";
        case CURLE_PARTIAL_FILE: return "response truncated: the connection closed before the whole body arrived";
        case CURLE_WEIRD_SERVER_REPLY: return "malformed HTTP response";
        case CURLE_URL_MALFORMAT: return "is not a valid URL";
        case CURLE_UNSUPPORTED_PROTOCOL: return "must use https";
        case CURLE_SSL_CACERT_BADFILE: return "cannot read the CA file";
        case CURLE_ABORTED_BY_CALLBACK: return "aborted: shutting down";
        case CURLE_OUT_OF_MEMORY: return "out of memory";
        case CURLE_USE_SSL_FAILED:
                return "the mail server offers no STARTTLS (required unless it is on this host: use smtps://)";
        case CURLE_LOGIN_DENIED: return "the server refused the login";
        }
        return NULL;
}

static void describe_reason(const struct http_failure *f, char *buf, size_t size)
{
        const char *fixed = fixed_reason(f->curl_code);

        if (f->verdict != URL_OK)
                snprintf(buf, size, "%s", url_verdict_to_string(f->verdict));
        else if (f->response_too_large || f->curl_code == CURLE_FILESIZE_EXCEEDED)
                snprintf(buf, size, "response larger than %llu bytes",
                         (unsigned long long) f->max_response_bytes);
        else if (f->curl_code == CURLE_OPERATION_TIMEDOUT)
                describe_timeout(f, buf, size);
        else if (f->curl_code == CURLE_COULDNT_CONNECT)
                describe_connect_failure(f, buf, size);
        else if (f->curl_code == CURLE_PEER_FAILED_VERIFICATION)
                describe_tls("TLS certificate verification failed", f, buf, size);
        else if (f->curl_code == CURLE_SSL_CONNECT_ERROR)
                describe_tls("TLS handshake failed", f, buf, size);
        else if (f->curl_code == CURLE_RECV_ERROR || f->curl_code == CURLE_SEND_ERROR)
                describe_lost_connection(f, buf, size);
        else if (fixed)
                snprintf(buf, size, "%s", fixed);
        else
                /* libcurl's generic text: it names no header or URL. */
                snprintf(buf, size, "%s", curl_easy_strerror((CURLcode) f->curl_code));
}

void http_describe_failure(const struct http_failure *f, char *buf, size_t size)
{
        char where[1024], reason[512];

        if (f->url_is_secret)
                snprintf(where, sizeof(where), "the notifier URL");
        else if (!f->url || http_redact_url(f->url, where, sizeof(where)) < 0)
                snprintf(where, sizeof(where), "the request URL");
        describe_reason(f, reason, sizeof(reason));
        snprintf(buf, size, "%s: %s", where, reason);
}

long http_parse_retry_after(const char *value, time_t now)
{
        char *end;
        long seconds;
        time_t when;

        if (!value || !*value)
                return -1;
        if (*value >= '0' && *value <= '9') {
                errno = 0;
                seconds = strtol(value, &end, 10);
                return errno == 0 && *end == '\0' ? seconds : -1;
        }
        /* curl_getdate understands the three HTTP-date forms. */
        when = curl_getdate(value, NULL);
        if (when == (time_t) -1)
                return -1;
        return when > now ? (long) (when - now) : 0;
}
