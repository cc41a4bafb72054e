/* The transport rule for every URL the daemon calls (the Mida API and the
 * notifiers): https, or plain http only to the loopback interface, so that
 * neither the API key nor alert contents cross a network in clear text. */
#pragma once
#include <stdbool.h>

enum url_verdict {
        URL_OK,
        URL_INVALID,          /* not a URL libcurl can parse */
        URL_BAD_SCHEME,       /* neither https nor http */
        URL_HTTP_NOT_LOOPBACK,/* http to a host other than 127.0.0.0/8, localhost, [::1] */
        URL_NOT_MAIL,         /* an e-mail notifier's URL is neither smtp nor smtps */
};

enum url_verdict url_check_transport(const char *url);

/* An e-mail notifier's server: smtps://, or smtp:// (then STARTTLS is
 * required unless url_is_loopback()). */
enum url_verdict url_check_mail(const char *url);

/* Whether the URL's host is 127.0.0.0/8, localhost or [::1]. */
bool url_is_loopback(const char *url);

/* One-line explanation for the config error message; never quotes the URL. */
const char *url_verdict_to_string(enum url_verdict v);
