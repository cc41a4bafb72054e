/* The `web` group: off when absent, listen addresses (numeric or
 * localhost), the rule that a non-loopback listen needs allow_remote and
 * basic_auth_file, and the auth file itself — every error as FILE:LINE,
 * plain-text and Apache-MD5 passwords refused. Then the listener's check
 * of a password against that file (web/web_auth.c): crypt_r, the
 * remembered credentials, a reload. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <crypt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/htpasswd.h"
#include "config_fixture.h"
#include "web/web_auth.h"

#define MIDA "mida: { project_key = \"p\"; api_key = \"k\"; };\n"
#define PLAIN_TEXT_ERROR "user 'ops' has no crypt(3) hash (a plain-text password?): make it with htpasswd -B"

static char dir[] = "/tmp/mida-web-test.XXXXXX";

static void make_dir(void)
{
        unsetenv("CREDENTIALS_DIRECTORY");
        unsetenv("STATE_DIRECTORY");
        cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_expect_eq(system(cmd), 0);
}

TestSuite(config_web, .init = make_dir, .fini = remove_dir);
TestSuite(web_auth, .init = make_dir, .fini = remove_dir);

/* A hash of password made here with libxcrypt, for prefix "$6$", "$2y$", ... */
static char *hash_of(const char *prefix, const char *password)
{
        struct crypt_data data = { 0 };
        char *salt = crypt_gensalt_ra(prefix, 0, NULL, 0);
        char *h;

        cr_assert_not_null(salt, "crypt_gensalt %s", prefix);
        h = crypt_r(password, salt, &data);
        cr_assert(h && h[0] == '$', "crypt_r %s", prefix);
        free(salt);
        return strdup(h);
}

/* Writes text to DIR/name; returns the path (static). */
static const char *write_file(const char *name, const char *text)
{
        static char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(text, f);
        fclose(f);
        return path;
}

static int load_web(const char *web, struct config **c, struct config_diag *d, char *path, size_t size)
{
        char text[2048];

        snprintf(text, sizeof(text), MIDA "%s\n", web);
        return config_fixture_load(text, c, d, path, size);
}

static void expect_loaded(const char *web, struct config **c)
{
        struct config_diag d = { 0 };
        char path[128];

        cr_assert_eq(load_web(web, c, &d, path, sizeof(path)), 0, "%s: %s", web,
                     d.n_messages ? d.messages[0].text : "");
        config_diag_clear(&d);
}

/* The web group's text fails with text at line (the group's first line is 2). */
static void expect_rejected(const char *web, unsigned line, const char *text)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        char path[128];

        cr_expect_lt(load_web(web, &c, &d, path, sizeof(path)), 0, "%s", web);
        cr_expect(config_fixture_has_error(&d, path, line, text), "%s", text);
        config_diag_clear(&d);
}

static unsigned port_of(const struct config_web *w)
{
        const struct sockaddr *sa = (const struct sockaddr *) &w->address.address;

        return sa->sa_family == AF_INET ? ntohs(((const struct sockaddr_in *) sa)->sin_port)
                                        : ntohs(((const struct sockaddr_in6 *) sa)->sin6_port);
}

Test(config_web, off_without_the_group_and_loopback_by_default)
{
        struct config *c = NULL;
        char where[64];

        expect_loaded("", &c);
        cr_expect_not(c->web.enabled);
        config_free(c);
        expect_loaded("web: { };", &c);
        cr_expect(c->web.enabled);
        cr_expect_str_eq(c->web.listen, "127.0.0.1:9447");
        cr_expect_str_eq(listen_address_format((struct sockaddr *) &c->web.address.address, where, sizeof(where)),
                         "127.0.0.1:9447");
        cr_expect_not(c->web.allow_remote);
        cr_expect_null(c->web.basic_auth_file);
        config_free(c);
}

Test(config_web, listen_addresses)
{
        static const struct { const char *listen; int family; unsigned port; const char *shown; } ok[] = {
                { "127.0.0.1:9447", AF_INET, 9447, "127.0.0.1:9447" },
                { "localhost:8080", AF_INET, 8080, "127.0.0.1:8080" },
                { "127.3.2.1:1", AF_INET, 1, "127.3.2.1:1" },
                { "[::1]:65535", AF_INET6, 65535, "[::1]:65535" },
                { "[::ffff:127.0.0.1]:9447", AF_INET6, 9447, "[::ffff:127.0.0.1]:9447" },
        };

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                struct config *c = NULL;
                char web[128], where[64];
                const struct sockaddr *sa;

                snprintf(web, sizeof(web), "web: { listen = \"%s\"; };", ok[i].listen);
                expect_loaded(web, &c);
                sa = (const struct sockaddr *) &c->web.address.address;
                cr_expect_eq(sa->sa_family, ok[i].family, "%s", ok[i].listen);
                cr_expect_eq(port_of(&c->web), ok[i].port, "%s", ok[i].listen);
                cr_expect(listen_address_is_loopback(sa), "%s", ok[i].listen);
                cr_expect_str_eq(listen_address_format(sa, where, sizeof(where)), ok[i].shown);
                config_free(c);
        }
}

Test(config_web, a_listen_that_does_not_parse)
{
        static const char *const bad[] = {
                "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x", "127.0.0.1:-1",
                ":9447", "example.com:80", "::1:9447", "[::1]9447", "[::1:9447", "[]:80", "[localhost]:80",
                "256.0.0.1:80", "",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char web[128], text[256];

                snprintf(web, sizeof(web), "web: {\n listen = \"%s\"; };", bad[i]);
                snprintf(text, sizeof(text), "'listen' in web must be ADDRESS:PORT, the address numeric or localhost, "
                         "e.g. \"127.0.0.1:9447\" or \"[::1]:9447\"; not \"%s\"", bad[i]);
                expect_rejected(web, 3, text);
        }
        expect_rejected("web: { listen = 9447; };", 2, "'listen' in web must be a string, not an integer");
        expect_rejected("web: { lisen = \"127.0.0.1:1\"; };", 2, "unknown setting 'lisen' in web (did you mean 'listen'?)");
        expect_rejected("web = 1;", 2, "'web' must be a group: web: { ... };");
}

Test(config_web, not_loopback_needs_allow_remote_and_auth)
{
        char *hash = hash_of("$6$", "s3cret");
        char users[256], web[512];
        const char *file;
        struct config *c = NULL;

        snprintf(users, sizeof(users), "ops:%s\n", hash);
        file = write_file("htpasswd", users);
        expect_rejected("web: {\n listen = \"0.0.0.0:9447\"; };", 3,
                        "web.listen 0.0.0.0:9447 is not loopback: set allow_remote = true and basic_auth_file, "
                        "and put TLS in front (a reverse proxy)");
        expect_rejected("web: {\n listen = \"[::]:9447\";\n allow_remote = true; };", 3,
                        "web.listen [::]:9447 is not loopback: set allow_remote = true and basic_auth_file, "
                        "and put TLS in front (a reverse proxy)");
        snprintf(web, sizeof(web), "web: {\n listen = \"192.0.2.1:443\";\n basic_auth_file = \"%s\"; };", file);
        expect_rejected(web, 3, "web.listen 192.0.2.1:443 is not loopback: set allow_remote = true and "
                        "basic_auth_file, and put TLS in front (a reverse proxy)");
        snprintf(web, sizeof(web), "web: { listen = \"0.0.0.0:9447\"; allow_remote = true; basic_auth_file = \"%s\"; };",
                 file);
        expect_loaded(web, &c);
        cr_expect(c->web.allow_remote);
        cr_expect_str_eq(c->web.basic_auth_file, file);
        cr_expect_not(listen_address_is_loopback((struct sockaddr *) &c->web.address.address));
        config_free(c);
        free(hash);
}

Test(config_web, every_supported_hash_is_accepted)
{
        static const char *const prefixes[] = { "$2y$", "$2b$", "$6$", "$5$", "$y$", "$gy$", "$7$" };
        char users[4096] = "# made by htpasswd -B and friends\n\n", web[512];
        struct htpasswd h;
        struct config *c = NULL;
        char why[256];
        const char *file;

        for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                char *hash = hash_of(prefixes[i], "pw");
                size_t n = strlen(users);
                snprintf(users + n, sizeof(users) - n, "user%zu:%s\r\n", i, hash);
                free(hash);
        }
        file = write_file("htpasswd", users);
        snprintf(web, sizeof(web), "web: { basic_auth_file = \"%s\"; };", file);
        expect_loaded(web, &c);
        config_free(c);
        cr_assert_eq(htpasswd_load(file, &h, why, sizeof(why)), 0, "%s", why);
        cr_expect_eq(h.n, 7);
        cr_expect_str_eq(h.users[2].name, "user2");
        cr_expect(strncmp(htpasswd_find(&h, "user4"), "$y$", 3) == 0);
        cr_expect_null(htpasswd_find(&h, "nobody"));
        htpasswd_clear(&h);
}

/* The auth file's line holds hash; the error names line 3 of it. */
static void expect_bad_hash(const char *hash, const char *problem)
{
        char users[512], web[512], text[1024];
        const char *file;

        snprintf(users, sizeof(users), "# users\nadmin:%s\nops:%s\n",
                 "$2y$05$IZvtIVb0vHKQ0XAnL5zzcOKus/EK1NBUFG4IA3OpmYjJdNvAIDoPe", hash);
        file = write_file("htpasswd", users);
        snprintf(web, sizeof(web), "web: {\n basic_auth_file = \"%s\"; };", file);
        snprintf(text, sizeof(text), "line 3 of %s: %s", file, problem);
        expect_rejected(web, 3, text);
}

Test(config_web, plain_text_and_unsupported_hashes_are_refused)
{
        expect_bad_hash("hunter2", PLAIN_TEXT_ERROR);
        expect_bad_hash("", PLAIN_TEXT_ERROR);
        expect_bad_hash("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", PLAIN_TEXT_ERROR);
        expect_bad_hash("$apr1$ftBJZ6EL$heGrSZlPUO0y1SUZ6sQdU.",
                        "user 'ops' has an Apache MD5 hash ($apr1$, the old default of htpasswd), which crypt(3) "
                        "cannot check: make it with htpasswd -B");
        expect_bad_hash("$1$1aPPi7G7$82uuq2FLbwRYAdYwM2diw.",
                        "user 'ops' has a crypt(3) hash of a kind not accepted here (md5crypt, DES or unknown): use "
                        "bcrypt ($2y$), sha512crypt ($6$) or yescrypt ($y$): make it with htpasswd -B");
        /* A salt without its hash, a cut hash, a character crypt never writes. */
        expect_bad_hash("$6$O.MvJeQF.Nf0SHqT",
                        "user 'ops' has a malformed crypt(3) hash, or one this system's libcrypt does not support: "
                        "make it with htpasswd -B");
        expect_bad_hash("$2y$05$IZvtIVb0vHKQ0XAnL5zzcOKus/EK1NBUFG4IA3OpmYjJdNvAIDo",
                        "user 'ops' has a malformed crypt(3) hash, or one this system's libcrypt does not support: "
                        "make it with htpasswd -B");
        expect_bad_hash("$y$j9T$g5/2RZAAUA.KGcruqalmb1$8rq/BOtrgKMWLGIV2yrcpYGCUdCBuOJ6l8wjwqnhAc!",
                        "user 'ops' has a malformed crypt(3) hash, or one this system's libcrypt does not support: "
                        "make it with htpasswd -B");
}

Test(config_web, auth_file_structure)
{
        static const char *const hash = "$2y$05$IZvtIVb0vHKQ0XAnL5zzcOKus/EK1NBUFG4IA3OpmYjJdNvAIDoPe";
        char users[512], web[512], text[512];
        const char *file;

        snprintf(web, sizeof(web), "web: {\n basic_auth_file = \"%s/missing\"; };", dir);
        snprintf(text, sizeof(text), "cannot read 'basic_auth_file' in web (%s/missing): No such file or directory", dir);
        expect_rejected(web, 3, text);

        file = write_file("empty", "# nobody yet\n\n");
        snprintf(web, sizeof(web), "web: {\n basic_auth_file = \"%s\"; };", file);
        snprintf(text, sizeof(text), "%s lists no user: nobody could log in", file);
        expect_rejected(web, 3, text);

        file = write_file("nocolon", "ops\n");
        snprintf(web, sizeof(web), "web: {\n basic_auth_file = \"%s\"; };", file);
        snprintf(text, sizeof(text), "line 1 of %s: no ':' between a user name and its hash", file);
        expect_rejected(web, 3, text);

        snprintf(users, sizeof(users), "ops:%s\n:%s\n", hash, hash);
        file = write_file("nouser", users);
        snprintf(web, sizeof(web), "web: {\n basic_auth_file = \"%s\"; };", file);
        snprintf(text, sizeof(text), "line 2 of %s: the user name is empty, too long or has control characters", file);
        expect_rejected(web, 3, text);

        snprintf(users, sizeof(users), "ops:%s\nops:%s\n", hash, hash);
        file = write_file("twice", users);
        snprintf(web, sizeof(web), "web: {\n basic_auth_file = \"%s\"; };", file);
        snprintf(text, sizeof(text), "line 2 of %s: user 'ops' is listed twice", file);
        expect_rejected(web, 3, text);

        expect_rejected("web: {\n basic_auth_file = \"\"; };", 3, "'basic_auth_file' in web must not be empty");
}

Test(config_web, no_message_quotes_a_password_or_hash)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        char web[512], path[128];
        const char *file = write_file("htpasswd", "ops:correct-horse-battery\n");

        snprintf(web, sizeof(web), "web: { basic_auth_file = \"%s\"; };", file);
        cr_assert_lt(load_web(web, &c, &d, path, sizeof(path)), 0);
        for (size_t i = 0; i < d.n_messages; i++)
                cr_expect_null(strstr(d.messages[i].text, "correct-horse"), "%s", d.messages[i].text);
        config_diag_clear(&d);
}

/* web_auth: a file with ops (password "s3cret") and dev (a bcrypt hash). */
static struct web_auth *new_auth(const char **file)
{
        char *six = hash_of("$6$", "s3cret"), *bcrypt = hash_of("$2y$", "dev-pw");
        char users[512];
        struct web_auth *a = NULL;

        snprintf(users, sizeof(users), "ops:%s\ndev:%s\n", six, bcrypt);
        *file = write_file("htpasswd", users);
        cr_assert_eq(web_auth_new(*file, &a), 0);
        free(six);
        free(bcrypt);
        return a;
}

Test(web_auth, the_right_password_only)
{
        const char *file;
        struct web_auth *a = new_auth(&file);

        cr_expect_eq(web_auth_check(a, "ops", "s3cret"), WEB_AUTH_OK);
        cr_expect_eq(web_auth_check(a, "ops", "s3cret"), WEB_AUTH_OK);   /* remembered */
        cr_expect_eq(web_auth_check(a, "dev", "dev-pw"), WEB_AUTH_OK);
        cr_expect_eq(web_auth_check(a, "ops", "s3cre"), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, "ops", "dev-pw"), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, "dev", "s3cret"), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, "nobody", "s3cret"), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, "ops", ""), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, NULL, NULL), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, "ops", NULL), WEB_AUTH_DENIED);
        web_auth_free(a);
}

Test(web_auth, a_reload_forgets_who_passed)
{
        const char *file;
        struct web_auth *a = new_auth(&file);
        char *other = hash_of("$6$", "new-pw");
        char users[512];

        cr_expect_eq(web_auth_check(a, "ops", "s3cret"), WEB_AUTH_OK);
        snprintf(users, sizeof(users), "ops:%s\n", other);
        write_file("htpasswd", users);
        cr_expect_eq(web_auth_reload(a, file), 0);
        cr_expect_eq(web_auth_check(a, "ops", "s3cret"), WEB_AUTH_DENIED);
        cr_expect_eq(web_auth_check(a, "ops", "new-pw"), WEB_AUTH_OK);
        /* A file broken since: the users read before stay. */
        write_file("htpasswd", "ops:plain\n");
        cr_expect_lt(web_auth_reload(a, file), 0);
        cr_expect_eq(web_auth_check(a, "ops", "new-pw"), WEB_AUTH_OK);
        web_auth_free(a);
        free(other);
}
