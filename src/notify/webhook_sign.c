#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config/secret.h"
#include "webhook_sign.h"

#define SHA256_SIZE 32

/* HMAC over "id.timestamp.body". The one-shot HMAC() works in OpenSSL 1.1
 * and 3.x alike (HMAC_CTX is deprecated in 3.0), so the text is joined. */
static int mac_message(const unsigned char *key, size_t key_size, const char *msg_id, long long timestamp,
                       const char *body, size_t body_len, unsigned char mac[SHA256_SIZE])
{
        char *text = NULL;
        size_t head_len;
        unsigned mac_len = 0;
        int n = asprintf(&text, "%s.%lld.", msg_id, timestamp);
        char *joined;
        bool ok;

        if (n < 0)
                return -ENOMEM;
        head_len = (size_t) n;
        joined = realloc(text, head_len + body_len + 1);
        if (!joined) {
                free(text);
                return -ENOMEM;
        }
        memcpy(joined + head_len, body, body_len);
        ok = HMAC(EVP_sha256(), key, (int) key_size, (const unsigned char *) joined, head_len + body_len,
                  mac, &mac_len) && mac_len == SHA256_SIZE;
        free(joined);
        return ok ? 0 : -EIO;
}

int webhook_sign_key(const unsigned char *key, size_t key_size, const char *msg_id, long long timestamp,
                     const char *body, size_t body_len, char *out, size_t out_size)
{
        unsigned char mac[SHA256_SIZE];
        int r;

        if (!key || key_size == 0 || !msg_id || (!body && body_len > 0) || !out)
                return -EINVAL;
        /* The id is part of the signed text: a '.' would make it ambiguous. */
        if (strchr(msg_id, '.'))
                return -EINVAL;
        if (out_size < WEBHOOK_SIGNATURE_SIZE)
                return -ENOSPC;
        r = mac_message(key, key_size, msg_id, timestamp, body ? body : "", body_len, mac);
        if (r < 0)
                return r;
        memcpy(out, "v1,", 3);
        /* EVP_EncodeBlock writes 44 characters and a NUL for 32 bytes. */
        EVP_EncodeBlock((unsigned char *) out + 3, mac, SHA256_SIZE);
        OPENSSL_cleanse(mac, sizeof(mac));
        return 0;
}

int webhook_sign(const char *secret_whsec, const char *msg_id, long long timestamp,
                 const char *body, size_t body_len, char *out, size_t out_size)
{
        unsigned char *key = NULL;
        size_t key_size = 0;
        int r;

        if (!secret_whsec)
                return -EINVAL;
        r = secret_decode_whsec(secret_whsec, &key, &key_size);
        if (r < 0)
                return r;
        r = webhook_sign_key(key, key_size, msg_id, timestamp, body, body_len, out, out_size);
        secret_free(key, key_size);
        return r;
}
