/* Standard Webhooks signatures (https://www.standardwebhooks.com/):
 * HMAC-SHA256, keyed with the base64-decoded secret after "whsec_", over
 * "<msg_id>.<timestamp>.<body>", sent as
 * "webhook-signature: v1,<base64 of the MAC>". */
#pragma once
#include <stddef.h>

/* "v1," + 44 base64 characters + NUL */
#define WEBHOOK_SIGNATURE_SIZE 48

/* Writes the signature header value into out. Returns 0, -EINVAL for a
 * secret not of the form "whsec_<base64>" or an id holding '.', -ENOSPC when
 * out_size < WEBHOOK_SIGNATURE_SIZE, -ENOMEM, or -EIO when OpenSSL fails.
 * The secret never appears in out or in any message. */
int webhook_sign(const char *secret_whsec, const char *msg_id, long long timestamp,
                 const char *body, size_t body_len, char *out, size_t out_size);

/* The same with the key already decoded (config.h keeps notifier secrets
 * decoded). -EINVAL for an empty key; otherwise as webhook_sign(). */
int webhook_sign_key(const unsigned char *key, size_t key_size, const char *msg_id, long long timestamp,
                     const char *body, size_t body_len, char *out, size_t out_size);
