#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "url_check.h"

static bool is_loopback_host(const char *host)
{
        struct in_addr v4;

        if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
                return true;
        /* inet_pton accepts only the dotted-quad form, so "127.evil.com"
         * is not taken for an address. */
        return inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

enum url_verdict url_check_transport(const char *url)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL;
        enum url_verdict v;

        if (!u)
                return URL_INVALID;
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
                v = URL_INVALID;
        else if (strcasecmp(scheme, "https") == 0)
                v = URL_OK;
        else if (strcasecmp(scheme, "http") != 0)
                v = URL_BAD_SCHEME;
        else
                v = is_loopback_host(host) ? URL_OK : URL_HTTP_NOT_LOOPBACK;
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return v;
}

const char *url_verdict_to_string(enum url_verdict v)
{
        switch (v) {
        case URL_OK: return "OK";
        case URL_INVALID: return "is not a valid URL";
        case URL_BAD_SCHEME: return "must use https";
        case URL_HTTP_NOT_LOOPBACK: return "must use https (plain http is allowed only to 127.0.0.0/8, localhost or [::1])";
        }
        return "is not a valid URL";
}
