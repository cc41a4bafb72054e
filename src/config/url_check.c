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

/* The verdict of check(scheme, loopback) for url, URL_INVALID when
 * libcurl cannot take it apart. */
static enum url_verdict judge(const char *url, enum url_verdict (*check)(const char *scheme, bool loopback))
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL;
        enum url_verdict v;

        if (!u)
                return URL_INVALID;
        if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
                v = URL_INVALID;
        else
                v = check(scheme, is_loopback_host(host));
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return v;
}

static enum url_verdict check_http(const char *scheme, bool loopback)
{
        if (strcasecmp(scheme, "https") == 0)
                return URL_OK;
        if (strcasecmp(scheme, "http") != 0)
                return URL_BAD_SCHEME;
        return loopback ? URL_OK : URL_HTTP_NOT_LOOPBACK;
}

static enum url_verdict check_mail(const char *scheme, bool loopback)
{
        (void) loopback;
        return strcasecmp(scheme, "smtps") == 0 || strcasecmp(scheme, "smtp") == 0 ? URL_OK : URL_NOT_MAIL;
}

static enum url_verdict check_loopback(const char *scheme, bool loopback)
{
        (void) scheme;
        return loopback ? URL_OK : URL_BAD_SCHEME;
}

enum url_verdict url_check_transport(const char *url)
{
        return judge(url, check_http);
}

enum url_verdict url_check_mail(const char *url)
{
        return judge(url, check_mail);
}

bool url_is_loopback(const char *url)
{
        return judge(url, check_loopback) == URL_OK;
}

const char *url_verdict_to_string(enum url_verdict v)
{
        switch (v) {
        case URL_OK: return "OK";
        case URL_INVALID: return "is not a valid URL";
        case URL_BAD_SCHEME: return "must use https";
        case URL_HTTP_NOT_LOOPBACK: return "must use https (plain http is allowed only to 127.0.0.0/8, localhost or [::1])";
        case URL_NOT_MAIL: return "must be smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT]";
        }
        return "is not a valid URL";
}
