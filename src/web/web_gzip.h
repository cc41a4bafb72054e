/* gzip (RFC 1952) of a page, made once when the page is built and sent to
 * every browser that accepts it: at 1,000 experiments the status page is
 * ~0.8 MB of HTML and ~70 KB compressed, which is what a page load costs
 * the daemon's loop to send. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Pages shorter than this go out as they are. */
#define WEB_GZIP_MIN_SIZE 1024

/* data compressed into *ret (malloc'd, *ret_len bytes). 0 or -ENOMEM. */
int web_gzip(const char *data, size_t len, char **ret, size_t *ret_len);

/* Whether an Accept-Encoding header value takes gzip: the token "gzip"
 * (or "*") present and not given q=0. NULL: no. */
bool web_accepts_gzip(const char *accept_encoding);
