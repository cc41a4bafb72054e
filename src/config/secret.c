#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

void secret_free(void *secret, size_t size)
{
        if (!secret)
                return;
        explicit_bzero(secret, size);
        free(secret);
}

void secret_free_string(char *secret)
{
        if (secret)
                secret_free(secret, strlen(secret));
}

const char *secret_strerror(int r)
{
        switch (r) {
        case -EFBIG: return "file too large for a secret";
        case -ENODATA: return "file is empty";
        case -EBADMSG: return "file contains a NUL byte";
        case -EINVAL: return "not a regular file";
        default: return strerror(-r);
        }
}

/* Reads at most SECRET_MAX_SIZE bytes plus one, to detect oversize files. */
static int read_all(int fd, char *buf, size_t *ret_len)
{
        size_t len = 0;

        while (len <= SECRET_MAX_SIZE) {
                ssize_t n = read(fd, buf + len, SECRET_MAX_SIZE + 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (len > SECRET_MAX_SIZE)
                return -EFBIG;
        *ret_len = len;
        return 0;
}

static void trim_one_newline(char *s, size_t *len)
{
        if (*len > 0 && s[*len - 1] == '\n')
                s[--*len] = '\0';
        if (*len > 0 && s[*len - 1] == '\r')
                s[--*len] = '\0';
}

int secret_read_file(const char *path, char **ret, bool *ret_exposed)
{
        struct stat st;
        char *buf;
        size_t len = 0;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        }
        buf = calloc(1, SECRET_MAX_SIZE + 2);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        r = read_all(fd, buf, &len);
        close(fd);
        if (r == 0 && memchr(buf, '\0', len))
                r = -EBADMSG;
        if (r == 0)
                trim_one_newline(buf, &len);
        if (r == 0 && len == 0)
                r = -ENODATA;
        if (r < 0) {
                secret_free(buf, SECRET_MAX_SIZE + 2);
                return r;
        }
        *ret_exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
        *ret = buf;
        return 0;
}

int secret_credential_path(const char *name, char **ret_path)
{
        const char *dir = getenv("CREDENTIALS_DIRECTORY");

        if (!name || !*name || strchr(name, '/'))
                return -EINVAL;
        if (!dir || !*dir)
                return -ENXIO;
        if (asprintf(ret_path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return 0;
}

static const char base64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int secret_decode_whsec(const char *text, unsigned char **ret, size_t *ret_size)
{
        static const char prefix[] = "whsec_";
        const char *b64;
        size_t len, padding, padded_len;
        char *padded;
        unsigned char *out;
        int n;

        if (strncmp(text, prefix, sizeof(prefix) - 1) != 0)
                return -EINVAL;
        b64 = text + sizeof(prefix) - 1;
        len = strspn(b64, base64_alphabet);
        padding = strspn(b64 + len, "=");
        if (len == 0 || b64[len + padding] != '\0' || padding > 2 || (len + padding) % 4 == 1)
                return -EINVAL;
        /* EVP_DecodeBlock wants whole 4-character groups: pad if the
         * secret was written without its '='. */
        padded_len = (len + 3) / 4 * 4;
        if (padding > 0 && len + padding != padded_len)
                return -EINVAL;
        padded = malloc(padded_len + 1);
        out = malloc(padded_len / 4 * 3 + 1);
        if (!padded || !out) {
                free(padded);
                free(out);
                return -ENOMEM;
        }
        memcpy(padded, b64, len);
        memset(padded + len, '=', padded_len - len);
        padded[padded_len] = '\0';
        n = EVP_DecodeBlock(out, (const unsigned char *) padded, (int) padded_len);
        secret_free(padded, padded_len + 1);
        if (n < 0) {
                secret_free(out, padded_len / 4 * 3 + 1);
                return -EINVAL;
        }
        /* EVP_DecodeBlock counts the bytes the padding stands for. */
        *ret_size = (size_t) n - (padded_len - len);
        *ret = out;
        return 0;
}
