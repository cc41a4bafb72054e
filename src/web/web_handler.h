/* One HTTP request, from libmicrohttpd's access handler to a response:
 * GET and HEAD only (405 with Allow otherwise), no request body (413), a
 * bounded URL (414), Basic auth when configured (401, or 429 while the
 * hashing budget is spent), then the site's answer for the path without
 * its query string. Every response, errors included, carries the security
 * headers (a strict Content-Security-Policy, nosniff, no referrer, no
 * caching, no framing). HEAD is answered by libmicrohttpd from the GET
 * response, without its body. */
#pragma once
#include <microhttpd.h>

struct web_site;
struct web_auth;

#define WEB_MAX_URL 2048

struct web_handler {
        struct web_site *site;
        struct web_auth *auth;   /* NULL: no Basic auth */
};

/* An MHD_AccessHandlerCallback; cls is a struct web_handler. */
enum MHD_Result web_handler_request(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version, const char *upload_data,
                                    size_t *upload_data_size, void **con_cls);
