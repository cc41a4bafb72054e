/* One attempt to deliver a notification: the POST with its headers
 * (Standard Webhooks signature for a webhook notifier with a secret) and
 * what its result means. The outbox and `test-notify` both send through
 * here, so a test message takes exactly the path a real alert takes. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mida/http.h"

#include "config/config.h"

enum delivery_outcome {
        DELIVERY_DELIVERED,     /* 2xx */
        DELIVERY_TRANSIENT,     /* 408, 429, 5xx, no response: retry later */
        DELIVERY_PERMANENT,     /* any other status: retrying cannot help */
};

/* What an HTTP status (0: no response) means for a delivery. */
enum delivery_outcome delivery_classify(int status);
/* The same for a notifier of type: for e-mail, status is the SMTP reply
 * code (2xx delivered, 4xx transient, 5xx permanent). */
enum delivery_outcome delivery_classify_for(enum notifier_type type, int status);
const char *delivery_outcome_name(enum delivery_outcome o);

/* Whether the server's Retry-After counts for this status (429, 503). */
bool delivery_honours_retry_after(int status);

/* Starts the POST of body to n->url (for e-mail: sends the message over
 * SMTP to n's recipients). A webhook notifier's request carries
 * webhook-id (`id`) and webhook-timestamp (`now`, the time of this attempt),
 * and webhook-signature when it has a secret; an Alertmanager one its
 * Authorization; a PagerDuty one gets its routing_key added to the body. The URL is marked secret,
 * so no error text ever holds it. Returns 0 (cb will run, see
 * http_request()), -EINVAL for an id unfit to sign, or -ENOMEM. */
int delivery_start(struct http_client *http, const struct config_notifier *n, const char *id,
                   const char *body, size_t body_len, time_t now,
                   http_done_fn cb, void *userdata, struct http_transfer **ret_transfer);

/* "HTTP 404" or the transport error (which never holds the URL). */
void delivery_describe(const struct http_response *r, char *buf, size_t size);
/* The same, "SMTP 550" for an e-mail notifier. */
void delivery_describe_for(enum notifier_type type, const struct http_response *r, char *buf, size_t size);
