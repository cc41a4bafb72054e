/* htpasswd files: see htpasswd.h. Only the file's structure and the shape
 * of each hash are checked here (crypt_checksalt and the length of the
 * hash part): verifying a password is web/'s, with crypt_r. */
#include "htpasswd.h"

#include <crypt.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_USER 255
#define HASH_CHARS "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* The formats accepted: the hash part (after the last '$') has a fixed
 * length, and a full hash has at least this many '$' (a bare salt
 * setting such as "$6$salt" has one fewer). */
static const struct {
        const char *prefix;
        size_t tail;
        unsigned dollars;
} formats[] = {
        { "$2y$", 53, 3 }, { "$2b$", 53, 3 }, { "$2a$", 53, 3 }, { "$6$", 86, 3 }, { "$5$", 43, 3 },
        { "$y$", 43, 4 }, { "$gy$", 43, 4 }, { "$7$", 43, 3 },
};

static bool starts_with(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static unsigned count_dollars(const char *s)
{
        unsigned n = 0;

        for (; *s; s++)
                n += *s == '$';
        return n;
}

static bool well_formed(const char *hash, size_t tail, unsigned dollars)
{
        const char *last = strrchr(hash, '$') + 1;

        return count_dollars(hash) >= dollars && strlen(last) == tail && strspn(last, HASH_CHARS) == tail &&
               crypt_checksalt(hash) != CRYPT_SALT_INVALID;
}

/* What is wrong with hash, or NULL. Never quotes the hash. */
static const char *hash_problem(const char *hash)
{
        if (hash[0] != '$')
                return "has no crypt(3) hash (a plain-text password?)";
        if (starts_with(hash, "$apr1$"))
                return "has an Apache MD5 hash ($apr1$, the old default of htpasswd), which crypt(3) cannot check";
        for (size_t i = 0; i < N_ELEMENTS(formats); i++)
                if (starts_with(hash, formats[i].prefix))
                        return well_formed(hash, formats[i].tail, formats[i].dollars) ? NULL :
                               "has a malformed crypt(3) hash, or one this system's libcrypt does not support";
        return "has a crypt(3) hash of a kind not accepted here (md5crypt, DES or unknown): "
               "use bcrypt ($2y$), sha512crypt ($6$) or yescrypt ($y$)";
}

static bool valid_user(const char *name, size_t n)
{
        if (n == 0 || n > MAX_USER)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
                        return false;
        return true;
}

static void wipe_free(char *s)
{
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

void htpasswd_clear(struct htpasswd *h)
{
        for (size_t i = 0; i < h->n; i++) {
                free(h->users[i].name);
                wipe_free(h->users[i].hash);
        }
        free(h->users);
        *h = (struct htpasswd) { 0 };
}

const char *htpasswd_find(const struct htpasswd *h, const char *user)
{
        for (size_t i = 0; i < h->n; i++)
                if (strcmp(h->users[i].name, user) == 0)
                        return h->users[i].hash;
        return NULL;
}

static int add_user(struct htpasswd *h, size_t *cap, const char *name, size_t name_len, const char *hash)
{
        struct htpasswd_user *grown = grow_array(h->users, cap, h->n, sizeof(*grown));
        struct htpasswd_user u = { strndup(name, name_len), strdup(hash) };

        if (grown)
                h->users = grown;
        if (!grown || !u.name || !u.hash) {
                free(u.name);
                wipe_free(u.hash);
                return -ENOMEM;
        }
        h->users[h->n++] = u;
        return 0;
}

/* One line without its line break. Returns 0, 1 (skipped: blank or a
 * comment), -EINVAL (why set) or -ENOMEM. */
static int parse_line(struct htpasswd *h, size_t *cap, char *line, const char *path, unsigned number,
                      char *why, size_t why_size)
{
        char *colon = strchr(line, ':');
        const char *problem;
        size_t n;

        if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
                return 1;
        if (!colon) {
                snprintf(why, why_size, "line %u of %s: no ':' between a user name and its hash", number, path);
                return -EINVAL;
        }
        n = (size_t) (colon - line);
        if (!valid_user(line, n)) {
                snprintf(why, why_size, "line %u of %s: the user name is empty, too long or has control characters",
                         number, path);
                return -EINVAL;
        }
        *colon = '\0';
        if (htpasswd_find(h, line)) {
                snprintf(why, why_size, "line %u of %s: user '%s' is listed twice", number, path, line);
                return -EINVAL;
        }
        if ((problem = hash_problem(colon + 1))) {
                snprintf(why, why_size, "line %u of %s: user '%s' %s: make it with htpasswd -B", number, path, line,
                         problem);
                return -EINVAL;
        }
        return add_user(h, cap, line, n, colon + 1);
}

static int parse_file(FILE *f, const char *path, struct htpasswd *h, char *why, size_t why_size)
{
        char *line = NULL;
        size_t size = 0, cap = 0;
        unsigned number = 0;
        ssize_t len;
        int r = 0;

        while (r >= 0 && (len = getline(&line, &size, f)) >= 0) {
                number++;
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                r = parse_line(h, &cap, line, path, number, why, why_size);
        }
        if (r >= 0 && ferror(f)) {
                r = -EIO;
                snprintf(why, why_size, "cannot read %s: %s", path, strerror(EIO));
        }
        if (line) {
                explicit_bzero(line, size);   /* it held a hash */
                free(line);
        }
        return r < 0 ? r : 0;
}

int htpasswd_load(const char *path, struct htpasswd *ret, char *why, size_t why_size)
{
        struct htpasswd h = { 0 };
        FILE *f = fopen(path, "re");
        int r;

        if (!f) {
                r = -errno;
                snprintf(why, why_size, "cannot read %s: %s", path, strerror(-r));
                return r;
        }
        r = parse_file(f, path, &h, why, why_size);
        fclose(f);
        if (r == 0 && h.n == 0) {
                snprintf(why, why_size, "%s lists no user: nobody could log in", path);
                r = -EINVAL;
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        snprintf(why, why_size, "out of memory reading %s", path);
                htpasswd_clear(&h);
                return r;
        }
        *ret = h;
        return 0;
}
