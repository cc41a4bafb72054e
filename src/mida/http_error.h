/* Pure helpers of the HTTP client: the one-line text for a failed transfer
 * and the Retry-After value. Kept apart from the event-loop glue so that
 * every message can be tested without a network. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/url_check.h"

/* What is known about a failed transfer. */
struct http_failure {
        long curl_code;               /* CURLcode */
        const char *url;
        bool url_is_secret;           /* say "the notifier URL" instead */
        enum url_verdict verdict;     /* != URL_OK: refused before sending */
        bool response_too_large;      /* our write callback stopped it */
        bool connected;               /* a connection was established */
        int os_errno;                 /* CURLINFO_OS_ERRNO, 0 if none */
        long timeout_ms;
        long connect_timeout_ms;
        uint64_t max_response_bytes;
        const char *tls_detail;       /* libcurl's error buffer; quoted only for TLS errors */
};

/* "<url without credentials, query or fragment>: <reason>". Never contains
 * header values; with url_is_secret, no part of the URL at all. */
void http_describe_failure(const struct http_failure *f, char *buf, size_t size);

/* The URL without user, password, query string and fragment, or -EINVAL
 * when libcurl cannot parse it. */
int http_redact_url(const char *url, char *buf, size_t size);
