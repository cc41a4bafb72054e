#include "delivery.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "notify_payload.h"
#include "webhook_sign.h"

enum delivery_outcome delivery_classify_for(enum notifier_type type, int status)
{
        if (type != NOTIFIER_EMAIL)
                return delivery_classify(status);
        /* SMTP: 2xx accepted, 4xx try again later, 5xx refused for good. */
        if (status >= 200 && status <= 299)
                return DELIVERY_DELIVERED;
        return status >= 500 && status <= 599 ? DELIVERY_PERMANENT : DELIVERY_TRANSIENT;
}

enum delivery_outcome delivery_classify(int status)
{
        if (status >= 200 && status <= 299)
                return DELIVERY_DELIVERED;
        /* Alertmanager's rule: the receiver or the network may recover from
         * these; any other answer means our request or URL is wrong. */
        if (status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599))
                return DELIVERY_TRANSIENT;
        return DELIVERY_PERMANENT;
}

const char *delivery_outcome_name(enum delivery_outcome o)
{
        switch (o) {
        case DELIVERY_DELIVERED: return "delivered";
        case DELIVERY_TRANSIENT: return "transient";
        case DELIVERY_PERMANENT: return "permanent";
        }
        return NULL;
}

bool delivery_honours_retry_after(int status)
{
        return status == 429 || status == 503;
}

/* The Standard Webhooks headers: id and timestamp for every webhook (the
 * receiver dedupes by id), the signature when there is a secret. Returns
 * the number of lines added to headers, or -errno. */
static int webhook_headers(const struct config_notifier *n, const char *id, const char *body,
                           size_t body_len, time_t now, char lines[3][160], const char **headers)
{
        char signature[WEBHOOK_SIGNATURE_SIZE];
        int r;

        if ((size_t) snprintf(lines[0], 160, "webhook-id: %s", id) >= 160)
                return -EINVAL;
        snprintf(lines[1], 160, "webhook-timestamp: %lld", (long long) now);
        headers[0] = lines[0];
        headers[1] = lines[1];
        if (!n->secret)
                return 2;
        r = webhook_sign_key(n->secret, n->secret_size, id, (long long) now, body, body_len,
                             signature, sizeof(signature));
        if (r < 0)
                return r;
        snprintf(lines[2], 160, "webhook-signature: %s", signature);
        headers[2] = lines[2];
        return 3;
}

static int start_mail(struct http_client *http, const struct config_notifier *n, const char *body, size_t body_len,
                      http_done_fn cb, void *userdata, struct http_transfer **ret_transfer)
{
        const char **to = calloc(n->n_mail_to + 1, sizeof(*to));
        struct http_mail mail = { .from = n->mail_from, .to = to, .username = n->username, .password = n->password };
        struct http_request req = {
                .method = HTTP_MAIL, .url = n->url, .body = body, .body_len = body_len,
                .url_is_secret = true, .mail = &mail,
        };
        int r;

        if (!to)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_mail_to; i++)
                to[i] = n->mail_to[i];
        r = http_request(http, &req, cb, userdata, ret_transfer);
        free(to);
        return r;
}

/* POSTs text, a JSON body built as it is sent, with an Authorization
 * header when authorization is not NULL. Both may hold a secret: they are
 * wiped once http_request has its copies (and never reach an error text).
 * text is taken; NULL (it could not be built) gives -EINVAL. */
static int post_built(struct http_client *http, const struct config_notifier *n, char *text, const char *authorization,
                      http_done_fn cb, void *userdata, struct http_transfer **ret_transfer)
{
        char *line = NULL;
        const char *headers[3] = { "Content-Type: application/json", NULL };
        struct http_request req = {
                .method = HTTP_POST, .url = n->url, .headers = headers, .body = text,
                .body_len = text ? strlen(text) : 0, .url_is_secret = true,
        };
        int r = text ? 0 : -EINVAL;

        if (r >= 0 && authorization && asprintf(&line, "Authorization: %s", authorization) < 0) {
                line = NULL;
                r = -ENOMEM;
        }
        headers[1] = line;
        if (r >= 0)
                r = http_request(http, &req, cb, userdata, ret_transfer);
        if (line)
                explicit_bzero(line, strlen(line));
        if (text)
                explicit_bzero(text, strlen(text));
        free(line);
        free(text);
        return r;
}

int delivery_start(struct http_client *http, const struct config_notifier *n, const char *id,
                   const char *body, size_t body_len, time_t now,
                   http_done_fn cb, void *userdata, struct http_transfer **ret_transfer)
{
        char lines[3][160];
        const char *headers[5] = { "Content-Type: application/json", NULL };
        struct http_request req = {
                .method = HTTP_POST, .url = n->url, .headers = headers,
                .body = body, .body_len = body_len, .url_is_secret = true,
        };

        if (!id || !body)
                return -EINVAL;
        if (n->type == NOTIFIER_EMAIL)
                return start_mail(http, n, body, body_len, cb, userdata, ret_transfer);
        /* The queued body holds no secret (it lives in state.db): PagerDuty's
         * routing key joins it only here. */
        if (n->type == NOTIFIER_PAGERDUTY)
                return post_built(http, n, pagerduty_add_routing_key(body, n->routing_key ? n->routing_key : ""),
                                  NULL, cb, userdata, ret_transfer);
        /* A firing alert ends, for Alertmanager, one alert lifetime after
         * this post; the next cycle's post pushes it out again. */
        if (n->type == NOTIFIER_ALERTMANAGER) {
                time_t ends = now + (time_t) (n->alert_lifetime_usec / 1000000);

                return post_built(http, n, alertmanager_set_ends_at(body, ends), n->authorization, cb, userdata,
                                  ret_transfer);
        }
        if (n->type == NOTIFIER_WEBHOOK) {
                int r = webhook_headers(n, id, body, body_len, now, lines, headers + 1);

                if (r < 0)
                        return r;
        }
        /* http_request copies headers and body. */
        return http_request(http, &req, cb, userdata, ret_transfer);
}

void delivery_describe_for(enum notifier_type type, const struct http_response *r, char *buf, size_t size)
{
        if (type == NOTIFIER_EMAIL && r->status != 0)
                snprintf(buf, size, "SMTP %d", r->status);
        else
                delivery_describe(r, buf, size);
}

void delivery_describe(const struct http_response *r, char *buf, size_t size)
{
        if (r->status != 0)
                snprintf(buf, size, "HTTP %d", r->status);
        else
                snprintf(buf, size, "%s", r->error ? r->error : "no response");
}
