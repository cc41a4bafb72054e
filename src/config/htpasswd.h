/* An htpasswd-style file for the status page's Basic auth: one "user:hash"
 * a line, the hash in a crypt(3) format libxcrypt checks — bcrypt
 * ($2y$/$2b$/$2a$, `htpasswd -B`), sha512crypt ($6$), sha256crypt ($5$),
 * yescrypt ($y$, $gy$), scrypt ($7$). Blank lines and lines starting with
 * '#' are skipped. Plain-text passwords, Apache's MD5 ($apr1$, htpasswd's
 * old default), {SHA}, md5crypt and DES are refused: the file is checked
 * by check-config and read again at start and reload (web/).
 *
 * The hashes are wiped on clear; no message ever quotes one. */
#pragma once
#include <stddef.h>

struct htpasswd_user {
        char *name;
        char *hash;
};

struct htpasswd {
        struct htpasswd_user *users;
        size_t n;
};

/* Reads path into *ret (replacing nothing: *ret is filled only on
 * success). Returns 0; -errno when it cannot be read (why: the strerror);
 * -EINVAL when a line is wrong or no user is listed (why: "line 3: user
 * 'ops' has no crypt(3) hash (a plain-text password?): make it with
 * htpasswd -B", or "lists no user"); -ENOMEM. */
int htpasswd_load(const char *path, struct htpasswd *ret, char *why, size_t why_size);
/* The hash of user, or NULL. */
const char *htpasswd_find(const struct htpasswd *h, const char *user);
void htpasswd_clear(struct htpasswd *h);
