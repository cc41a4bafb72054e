/* The meta table's typed values: numbers, the salt, the generation. */
#include "meta.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* Strictly decimal digits: no sign, blank or base prefix that strtoull
 * would let through. */
static int parse_u64(const char *text, uint64_t *ret)
{
        unsigned long long v;
        char *end;

        if (!isdigit((unsigned char) text[0]))
                return -EBADMSG;
        errno = 0;
        v = strtoull(text, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EBADMSG;
        *ret = (uint64_t) v;
        return 0;
}

int store_meta_get_u64(struct store *s, const char *key, uint64_t *ret)
{
        char *text = NULL;
        int r;

        *ret = 0;
        if (!s || !key)
                return -EINVAL;
        r = store_meta_get(s, key, &text);
        if (r < 0 || !text)
                return r;
        r = parse_u64(text, ret);
        free(text);
        return r < 0 ? r : 1;
}

int store_meta_set_u64(struct store *s, const char *key, uint64_t value)
{
        char text[24];

        if (!s || !key)
                return -EINVAL;
        snprintf(text, sizeof(text), "%" PRIu64, value);
        return store_meta_set(s, key, text);
}

int store_salt_get(struct store *s, char salt[static STORE_SALT_SIZE])
{
        char *text = NULL;
        int r;

        salt[0] = '\0';
        if (!s)
                return -EINVAL;
        r = store_meta_get(s, STORE_META_SALT, &text);
        if (r >= 0 && text && strlen(text) >= STORE_SALT_SIZE)
                r = -EBADMSG;
        if (r >= 0 && text)
                memcpy(salt, text, strlen(text) + 1);
        free(text);
        return r;
}

int store_salt_set(struct store *s, const char *salt)
{
        if (!s || !salt || strlen(salt) >= STORE_SALT_SIZE)
                return -EINVAL;
        return store_meta_set(s, STORE_META_SALT, salt);
}

int store_generation_get(struct store *s, uint64_t *ret)
{
        int r = store_meta_get_u64(s, STORE_META_GENERATION, ret);

        return r < 0 ? r : 0;
}

int store_generation_set(struct store *s, uint64_t generation)
{
        return store_meta_set_u64(s, STORE_META_GENERATION, generation);
}
