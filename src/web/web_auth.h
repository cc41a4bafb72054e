/* HTTP Basic auth for the status page: a user and password checked against
 * the basic_auth_file's hashes (config/htpasswd.h) with crypt_r, the
 * results compared in constant time.
 *
 * A hash costs milliseconds (bcrypt, yescrypt: by design) and runs on the
 * daemon's one loop, so two things keep clients from turning it into a
 * delay of the polls: credentials that passed are remembered (a keyed
 * SHA-256 of user and password, never the password) so that a browser's
 * every request does not pay again, until the file is reloaded; and
 * hashing may take at most a tenth of the loop's time (a budget refilled
 * at 100 ms a second): past it, a request gets WEB_AUTH_BUSY (429) without
 * any hashing. An unknown user costs a hash like a known one.
 *
 * Nothing here logs a user name, a password or a hash. */
#pragma once

struct web_auth;

enum web_auth_verdict {
        WEB_AUTH_OK,
        WEB_AUTH_DENIED,   /* no, or wrong, credentials: 401 */
        WEB_AUTH_BUSY,     /* the hashing budget is spent: 429, try again shortly */
};

/* Reads path. Returns 0, or -errno after logging why (a file that passed
 * check-config can still have changed since). */
int web_auth_new(const char *path, struct web_auth **ret);
/* Reads path again (a reload): on failure the users read before stay, and
 * why is logged. Returns 0 or -errno. */
int web_auth_reload(struct web_auth *a, const char *path);
void web_auth_free(struct web_auth *a);

/* user and password may be NULL (no Authorization header). */
enum web_auth_verdict web_auth_check(struct web_auth *a, const char *user, const char *password);
