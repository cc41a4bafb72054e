/* Basic auth against the htpasswd file: see web_auth.h. */
#include "web_auth.h"

#include <crypt.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config/htpasswd.h"
#include "util/log.h"

#define DIGEST_SIZE 32
#define REMEMBERED 16
/* Hashing may take a tenth of the loop's time, in bursts of up to 0.5 s. */
#define BUDGET_PER_SEC_USEC 100000
#define BUDGET_MAX_USEC 500000

struct web_auth {
        struct htpasswd users;
        unsigned char key[DIGEST_SIZE];              /* random, for the remembered digests */
        unsigned char remembered[REMEMBERED][DIGEST_SIZE];
        size_t n_remembered, next_slot;
        int64_t budget_usec;
        uint64_t budget_at_usec;
        struct crypt_data crypt;                     /* 32 KiB: kept, not on the stack */
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int load(const char *path, struct htpasswd *ret)
{
        char why[512];
        int r = htpasswd_load(path, ret, why, sizeof(why));

        if (r < 0)
                log_error("web: basic_auth_file: %s", why);
        return r;
}

int web_auth_new(const char *path, struct web_auth **ret)
{
        struct web_auth *a = calloc(1, sizeof(*a));
        int r;

        if (!a)
                return -ENOMEM;
        if (getrandom(a->key, sizeof(a->key), 0) != (ssize_t) sizeof(a->key)) {
                free(a);
                return -EIO;
        }
        r = load(path, &a->users);
        if (r < 0) {
                web_auth_free(a);
                return r;
        }
        a->budget_usec = BUDGET_MAX_USEC;
        a->budget_at_usec = now_usec();
        *ret = a;
        return 0;
}

int web_auth_reload(struct web_auth *a, const char *path)
{
        struct htpasswd fresh;
        int r = load(path, &fresh);

        if (r < 0)
                return r;
        htpasswd_clear(&a->users);
        a->users = fresh;
        /* Who passed was checked against the old hashes. */
        explicit_bzero(a->remembered, sizeof(a->remembered));
        a->n_remembered = a->next_slot = 0;
        return 0;
}

void web_auth_free(struct web_auth *a)
{
        if (!a)
                return;
        htpasswd_clear(&a->users);
        explicit_bzero(a, sizeof(*a));
        free(a);
}

/* SHA-256 of key, user, NUL, password. */
static bool digest(const struct web_auth *a, const char *user, const char *password, unsigned char *out)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
                  EVP_DigestUpdate(ctx, a->key, sizeof(a->key)) &&
                  EVP_DigestUpdate(ctx, user, strlen(user) + 1) &&
                  EVP_DigestUpdate(ctx, password, strlen(password)) &&
                  EVP_DigestFinal_ex(ctx, out, NULL);

        EVP_MD_CTX_free(ctx);
        return ok;
}

static bool remembered(const struct web_auth *a, const unsigned char *d)
{
        bool found = false;

        for (size_t i = 0; i < a->n_remembered; i++)
                found |= CRYPTO_memcmp(a->remembered[i], d, DIGEST_SIZE) == 0;
        return found;
}

static void remember(struct web_auth *a, const unsigned char *d)
{
        memcpy(a->remembered[a->next_slot], d, DIGEST_SIZE);
        a->next_slot = (a->next_slot + 1) % REMEMBERED;
        if (a->n_remembered < REMEMBERED)
                a->n_remembered++;
}

/* Refills the budget for the time since the last check; whether any is left. */
static bool budget_left(struct web_auth *a, uint64_t now)
{
        uint64_t refill = (now - a->budget_at_usec) / (1000000 / BUDGET_PER_SEC_USEC);

        a->budget_at_usec = now;
        a->budget_usec = refill >= BUDGET_MAX_USEC ? BUDGET_MAX_USEC : a->budget_usec + (int64_t) refill;
        if (a->budget_usec > BUDGET_MAX_USEC)
                a->budget_usec = BUDGET_MAX_USEC;
        return a->budget_usec > 0;
}

/* Whether password hashes to hash; the time it took comes off the budget. */
static bool hash_matches(struct web_auth *a, const char *password, const char *hash)
{
        uint64_t start = now_usec();
        const char *out = crypt_r(password, hash, &a->crypt);
        size_t n = strlen(hash);
        bool ok = out && out[0] != '*' && strlen(out) == n && CRYPTO_memcmp(out, hash, n) == 0;

        explicit_bzero(&a->crypt, sizeof(a->crypt));
        a->budget_usec -= (int64_t) (now_usec() - start);
        return ok;
}

enum web_auth_verdict web_auth_check(struct web_auth *a, const char *user, const char *password)
{
        unsigned char d[DIGEST_SIZE];
        const char *hash;
        bool ok;

        if (!user || !password || a->users.n == 0)
                return WEB_AUTH_DENIED;
        if (!digest(a, user, password, d))
                return WEB_AUTH_DENIED;
        if (remembered(a, d))
                return WEB_AUTH_OK;
        if (!budget_left(a, now_usec()))
                return WEB_AUTH_BUSY;
        hash = htpasswd_find(&a->users, user);
        /* An unknown user costs the same hash as a known one. */
        ok = hash_matches(a, password, hash ? hash : a->users.users[0].hash) && hash;
        if (ok)
                remember(a, d);
        explicit_bzero(d, sizeof(d));
        return ok ? WEB_AUTH_OK : WEB_AUTH_DENIED;
}
