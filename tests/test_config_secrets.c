/* Secrets in the config: from files, from systemd credentials, the
 * permission warning, and that no secret value reaches a message. Each test
 * writes its config and secret files into its own temporary directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

struct scratch {
        char dir[64];
        char config[128];
        char creds[128];   /* a credentials directory inside dir */
};

static struct scratch scratch;

static void write_file(const char *dir, const char *name, const char *content, mode_t mode)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        cr_assert_not_null(f, "cannot create %s", path);
        fputs(content, f);
        fclose(f);
        cr_assert_eq(chmod(path, mode), 0);
}

static void setup(void)
{
        unsetenv("CREDENTIALS_DIRECTORY");
        snprintf(scratch.dir, sizeof(scratch.dir), "/tmp/mida-config-test.XXXXXX");
        cr_assert_not_null(mkdtemp(scratch.dir));
        snprintf(scratch.config, sizeof(scratch.config), "%s/test.conf", scratch.dir);
        snprintf(scratch.creds, sizeof(scratch.creds), "%s/creds", scratch.dir);
        cr_assert_eq(mkdir(scratch.creds, 0700), 0);
}

static void teardown(void)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch.dir);
        cr_expect_eq(system(cmd), 0);
}

TestSuite(secrets, .init = setup, .fini = teardown);

static int load(const char *config_text, unsigned flags, struct config **c, struct config_diag *diag)
{
        write_file(scratch.dir, "test.conf", config_text, 0644);
        return config_load_with_flags(scratch.config, flags, c, diag);
}

/* Loads text that must be valid; returns the config, messages in *d. */
static struct config *load_ok(const char *config_text, unsigned flags, struct config_diag *d)
{
        struct config *c = NULL;
        int r = load(config_text, flags, &c, d);

        cr_assert_eq(r, 0, "load failed (%d): %s", r, d->n_messages ? d->messages[0].text : "");
        return c;
}

static void expect_text(const struct config_diag *d, size_t i, unsigned line, const char *message)
{
        char want[512];

        cr_assert_gt(d->n_messages, i, "no message %zu", i);
        snprintf(want, sizeof(want), "%s:%u: %s", scratch.config, line, message);
        cr_expect_str_eq(d->messages[i].text, want);
}

#define MIDA_WITH(key_line) "mida: {\n  project_key = \"p\";\n  " key_line "\n};\n"

Test(secrets, api_key_file_relative_to_config_and_trimmed)
{
        struct config_diag d = {};
        struct config *c;

        write_file(scratch.dir, "api-key", "key-from-file\n", 0600);
        c = load_ok(MIDA_WITH("api_key_file = \"api-key\";"), 0, &d);
        cr_expect_eq(d.n_messages, 0);
        cr_expect_str_eq(c->mida.api_key, "key-from-file");
        config_free(c);
        config_diag_clear(&d);
}

Test(secrets, readable_secret_file_is_a_warning_only)
{
        struct config_diag d = {};
        char message[256];
        struct config *c;

        write_file(scratch.dir, "api-key", "key-from-file", 0640);
        c = load_ok(MIDA_WITH("api_key_file = \"api-key\";"), 0, &d);
        cr_expect_eq(d.n_errors, 0);
        cr_assert_eq(d.n_warnings, 1);
        cr_expect(d.messages[0].warning);
        snprintf(message, sizeof(message),
                 "warning: 'api_key_file' in mida: %s/api-key is readable by group or others (chmod 600 it)", scratch.dir);
        expect_text(&d, 0, 3, message);
        cr_expect_str_eq(c->mida.api_key, "key-from-file");
        config_free(c);
        config_diag_clear(&d);
}

Test(secrets, default_credential_from_credentials_directory)
{
        struct config_diag d = {};
        struct config *c;

        write_file(scratch.creds, "mida-api-key", "key-from-credential\n", 0400);
        setenv("CREDENTIALS_DIRECTORY", scratch.creds, 1);
        c = load_ok("mida: { project_key = \"p\"; };\n", 0, &d);
        cr_expect_eq(d.n_messages, 0);
        cr_expect_str_eq(c->mida.api_key, "key-from-credential");
        config_free(c);
        config_diag_clear(&d);
}

Test(secrets, notifier_url_and_signing_secret_from_credentials)
{
        static const unsigned char decoded[24] = {
                0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
                0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0,
        };
        struct config_diag d = {};
        struct config *c = NULL;

        write_file(scratch.creds, "hook-url", "https://example.com/hook\n", 0400);
        write_file(scratch.creds, "hook-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0400);
        setenv("CREDENTIALS_DIRECTORY", scratch.creds, 1);
        cr_assert_eq(load(MIDA_WITH("api_key = \"k\";")
                          "notifiers = ( { name = \"hook\"; type = \"webhook\";\n"
                          "  url_credential = \"hook-url\"; secret_credential = \"hook-secret\"; } );\n",
                          0, &c, &d), 0);
        cr_expect_eq(d.n_messages, 0);
        cr_expect_str_eq(c->notifiers[0].url, "https://example.com/hook");
        cr_assert_eq(c->notifiers[0].secret_size, sizeof(decoded));
        cr_expect_arr_eq(c->notifiers[0].secret, decoded, sizeof(decoded));
        config_free(c);
        config_diag_clear(&d);
}

Test(secrets, no_api_key_anywhere)
{
        struct config_diag d = {};
        struct config *c = NULL;

        setenv("CREDENTIALS_DIRECTORY", scratch.creds, 1);   /* present, but without mida-api-key */
        cr_expect_eq(load("# no key\nmida: {\n  project_key = \"p\";\n};\n", 0, &c, &d), -EINVAL);
        cr_assert_eq(d.n_errors, 1);
        expect_text(&d, 0, 2, "no API key: set api_key_file or provide the systemd credential mida-api-key");
        config_diag_clear(&d);

        unsetenv("CREDENTIALS_DIRECTORY");   /* the daemon outside systemd */
        cr_expect_eq(load("# no key\nmida: {\n  project_key = \"p\";\n};\n", 0, &c, &d), -EINVAL);
        cr_assert_eq(d.n_errors, 1);
        expect_text(&d, 0, 2, "no API key: set api_key_file or provide the systemd credential mida-api-key");
        config_diag_clear(&d);
}

Test(secrets, check_only_outside_service_warns_about_credentials)
{
        struct config_diag d = {};
        struct config *c = NULL;

        cr_assert_eq(load("mida: {\n  project_key = \"p\";\n};\n"
                          "notifiers = ( { name = \"s\"; type = \"slack\";\n  url_credential = \"slack-url\"; } );\n",
                          CONFIG_LOAD_CHECK_ONLY, &c, &d), 0);
        cr_expect_eq(d.n_errors, 0);
        cr_assert_eq(d.n_warnings, 1);
        expect_text(&d, 0, 1, "warning: systemd credentials not checked, $CREDENTIALS_DIRECTORY is set only "
                              "inside the service: mida-api-key, slack-url");
        cr_expect_null(c->mida.api_key);
        cr_expect_null(c->notifiers[0].url);
        config_free(c);
        config_diag_clear(&d);
}

Test(secrets, named_credential_missing_is_an_error)
{
        struct config_diag d = {};
        struct config *c = NULL;
        char message[256];

        setenv("CREDENTIALS_DIRECTORY", scratch.creds, 1);
        cr_expect_eq(load(MIDA_WITH("api_key_credential = \"other-key\";"), CONFIG_LOAD_CHECK_ONLY, &c, &d), -EINVAL);
        snprintf(message, sizeof(message),
                 "cannot read credential 'other-key' in mida (%s/other-key): No such file or directory", scratch.creds);
        cr_assert_eq(d.n_errors, 1);
        expect_text(&d, 0, 3, message);
        config_diag_clear(&d);
}

Test(secrets, two_sources_for_one_secret)
{
        struct config_diag d = {};
        struct config *c = NULL;

        cr_expect_eq(load("mida: { project_key = \"p\";\n  api_key = \"k\";\n  api_key_credential = \"x\"; };\n",
                          0, &c, &d), -EINVAL);
        cr_assert_eq(d.n_errors, 1);
        expect_text(&d, 0, 3, "mida sets both 'api_key' and 'api_key_credential'; set only one");
        config_diag_clear(&d);
}

Test(secrets, values_never_appear_in_messages)
{
        struct config_diag d = {};
        struct config *c = NULL;

        write_file(scratch.dir, "url", "http://hooks.example.com/SEKRIT1\n", 0644);
        cr_expect_eq(load(MIDA_WITH("api_key = \"SEKRIT0\r\n\";")
                          "notifiers = (\n"
                          "  { name = \"a\"; type = \"slack\"; url_file = \"url\"; },\n"
                          "  { name = \"b\"; type = \"webhook\"; url = \"https://example.com/\";\n"
                          "    secret = \"whsec_SEKRIT2!\"; },\n"
                          "  { name = \"c\"; type = \"slack\"; url = \"not a url SEKRIT3\"; } );\n",
                          0, &c, &d), -EINVAL);
        cr_expect_eq(d.n_errors, 4, "api key, url a, secret b, url c");
        for (size_t i = 0; i < d.n_messages; i++) {
                cr_log_info("%s", d.messages[i].text);
                cr_expect_null(strstr(d.messages[i].text, "SEKRIT"), "secret in: %s", d.messages[i].text);
        }
        config_diag_clear(&d);
}
