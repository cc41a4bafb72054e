/* Secrets (the API key, notifier URLs, webhook signing secrets): read from a
 * file or a systemd credential, wiped on free. Nothing here ever prints a
 * secret; callers must not either. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define SECRET_MAX_SIZE 65536

/* Reads a secret file: a regular file of at most SECRET_MAX_SIZE bytes, one
 * trailing "\n" (or "\r\n") removed. *ret_exposed tells whether the group or
 * others may read it (a warning, not an error). Returns 0 or -errno; -EFBIG
 * for a file too large, -ENODATA for an empty one, -EBADMSG when it holds a
 * NUL byte, -EISDIR/-EINVAL for a directory or other non-regular file. */
int secret_read_file(const char *path, char **ret, bool *ret_exposed);

/* The path of the systemd credential NAME ($CREDENTIALS_DIRECTORY/NAME).
 * Returns 0, -ENXIO when $CREDENTIALS_DIRECTORY is not set (outside a
 * service with credentials), -EINVAL for an empty name or one with '/'. */
int secret_credential_path(const char *name, char **ret_path);

/* Decodes a signing secret of the Standard Webhooks form "whsec_<base64>"
 * (padding optional). Returns 0, -EINVAL when it is not of that form, or
 * -ENOMEM. The error never says which character was wrong. */
int secret_decode_whsec(const char *text, unsigned char **ret, size_t *ret_size);

/* Zeroes and frees; NULL is fine. */
void secret_free(void *secret, size_t size);
void secret_free_string(char *secret);

/* Message for a secret_* error code, for "cannot read X: <reason>". */
const char *secret_strerror(int r);
