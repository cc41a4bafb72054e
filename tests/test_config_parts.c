/* The config's building blocks: durations, "did you mean", the URL
 * transport rule, secret files and Standard Webhooks secrets. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/duration.h"
#include "config/secret.h"
#include "util/suggest.h"
#include "config/url_check.h"

#define SEC DURATION_USEC_PER_SEC

Test(duration, units_and_sums)
{
        static const struct { const char *text; uint64_t seconds; } cases[] = {
                { "90s", 90 }, { "15m", 900 }, { "1h", 3600 }, { "2d", 172800 }, { "1w", 604800 },
                { "1h30m", 5400 }, { "90", 90 }, { "0", 0 }, { "0s", 0 }, { "1d1s", 86401 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t usec = 1;

                cr_expect_eq(duration_parse(cases[i].text, &usec), 0, "%s", cases[i].text);
                cr_expect_eq(usec, cases[i].seconds * SEC, "%s", cases[i].text);
        }
}

Test(duration, rejects_bad_text_and_leaves_result)
{
        static const char *const bad[] = {
                "", "s", "15 m", "15min", "1.5h", "-5s", "1h30", "h1", "15M", " 15m", "15m ",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                uint64_t usec = 42;
                int r = duration_parse(bad[i], &usec);

                cr_expect_eq(r, -EINVAL, "'%s' gave %d", bad[i], r);
                cr_expect_eq(usec, 42, "'%s' changed the result", bad[i]);
        }
        cr_expect_eq(duration_parse(NULL, &(uint64_t) { 0 }), -EINVAL);
}

Test(duration, overflow_is_range_error)
{
        uint64_t usec;

        cr_expect_eq(duration_parse("99999999999999999999s", &usec), -ERANGE);
        cr_expect_eq(duration_parse("30000000000000w", &usec), -ERANGE);
        cr_expect_eq(duration_parse("18446744073709s18446744073709s", &usec), -ERANGE);
        cr_expect_eq(duration_from_seconds(-1, &usec), -ERANGE);
        cr_expect_eq(duration_from_seconds(5, &usec), 0);
        cr_expect_eq(usec, 5 * SEC);
}

Test(duration, format_round_trips)
{
        static const uint64_t seconds[] = { 0, 1, 59, 60, 90, 3600, 5400, 86401, 694861 };
        char buf[64];

        for (size_t i = 0; i < sizeof(seconds) / sizeof(seconds[0]); i++) {
                uint64_t back = 0;

                cr_assert_gt(duration_format(seconds[i] * SEC, buf, sizeof(buf)), 0);
                cr_expect_eq(duration_parse(buf, &back), 0, "%s", buf);
                cr_expect_eq(back, seconds[i] * SEC, "%s", buf);
        }
        duration_format(5400 * SEC, buf, sizeof(buf));
        cr_expect_str_eq(buf, "1h30m");
        cr_expect_eq(duration_format(694861 * SEC, buf, 4), -ENOSPC);
}

Test(suggest, edit_distance)
{
        cr_expect_eq(edit_distance("", ""), 0);
        cr_expect_eq(edit_distance("abc", ""), 3);
        cr_expect_eq(edit_distance("kitten", "sitting"), 3);
        cr_expect_eq(edit_distance("intervall", "interval"), 1);
        cr_expect_eq(edit_distance("flaw", "lawn"), 2);
}

Test(suggest, nearest_or_nothing)
{
        static const char *const keys[] = { "interval", "experiments", "exclude", "dry_run", "spread" };

        cr_expect_str_eq(suggest_nearest("intervall", keys, 5), "interval");
        cr_expect_str_eq(suggest_nearest("experiment", keys, 5), "experiments");
        cr_expect_str_eq(suggest_nearest("dryrun", keys, 5), "dry_run");
        cr_expect_str_eq(suggest_nearest("spread", keys, 5), "spread");
        cr_expect_null(suggest_nearest("frobnicate", keys, 5));
        cr_expect_null(suggest_nearest("x", keys, 5));
        cr_expect_null(suggest_nearest("interval", keys, 0));
}

Test(url_check, transport_rule)
{
        static const struct { const char *url; enum url_verdict verdict; } cases[] = {
                { "https://api-us.mida.so/v2", URL_OK },
                { "HTTPS://hooks.slack.com/services/x", URL_OK },
                { "http://127.0.0.1:8080/v2", URL_OK },
                { "http://127.3.2.1/", URL_OK },
                { "http://localhost:9000/hook", URL_OK },
                { "http://[::1]:9000/hook", URL_OK },
                { "http://api-us.mida.so/v2", URL_HTTP_NOT_LOOPBACK },
                { "http://127.0.0.1.evil.example/", URL_HTTP_NOT_LOOPBACK },
                { "http://128.0.0.1/", URL_HTTP_NOT_LOOPBACK },
                { "http://localhost.evil.example/", URL_HTTP_NOT_LOOPBACK },
                { "ftp://127.0.0.1/", URL_BAD_SCHEME },
                { "hooks.slack.com/services/x", URL_INVALID },
                { "", URL_INVALID },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                cr_expect_eq(url_check_transport(cases[i].url), cases[i].verdict, "%s", cases[i].url);
}

/* A file in a fresh temporary directory; returns its path (static). */
static const char *temp_file(const void *content, size_t size, mode_t mode)
{
        static char path[64];
        int fd;

        snprintf(path, sizeof(path), "/tmp/mida-secret-test.XXXXXX");
        fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, content, size), (ssize_t) size);
        close(fd);
        cr_assert_eq(chmod(path, mode), 0);
        return path;
}

static int read_secret(const char *content, size_t size, mode_t mode, char **value, bool *exposed)
{
        const char *path = temp_file(content, size, mode);
        int r = secret_read_file(path, value, exposed);

        unlink(path);
        return r;
}

Test(secret, trims_exactly_one_newline)
{
        char *v = NULL;
        bool exposed = true;

        cr_assert_eq(read_secret("abc\n\n", 5, 0600, &v, &exposed), 0);
        cr_expect_str_eq(v, "abc\n");
        cr_expect_not(exposed);
        secret_free_string(v);
        cr_assert_eq(read_secret("abc\r\n", 5, 0600, &v, &exposed), 0);
        cr_expect_str_eq(v, "abc");
        secret_free_string(v);
        cr_assert_eq(read_secret("abc", 3, 0604, &v, &exposed), 0);
        cr_expect_str_eq(v, "abc");
        cr_expect(exposed);
        secret_free_string(v);
}

Test(secret, rejects_empty_binary_large_and_directories)
{
        char *v = NULL, *big = malloc(SECRET_MAX_SIZE + 1);
        bool exposed;

        cr_expect_eq(read_secret("\n", 1, 0600, &v, &exposed), -ENODATA);
        cr_expect_eq(read_secret("a\0b", 3, 0600, &v, &exposed), -EBADMSG);
        memset(big, 'x', SECRET_MAX_SIZE + 1);
        cr_expect_eq(read_secret(big, SECRET_MAX_SIZE + 1, 0600, &v, &exposed), -EFBIG);
        cr_expect_eq(read_secret(big, SECRET_MAX_SIZE, 0600, &v, &exposed), 0);
        cr_expect_eq(strlen(v), SECRET_MAX_SIZE);
        secret_free_string(v);
        free(big);
        cr_expect_eq(secret_read_file("/tmp", &v, &exposed), -EISDIR);
        cr_expect_eq(secret_read_file("/nonexistent/secret", &v, &exposed), -ENOENT);
}

Test(secret, credential_path)
{
        char *p = NULL;

        unsetenv("CREDENTIALS_DIRECTORY");
        cr_expect_eq(secret_credential_path("mida-api-key", &p), -ENXIO);
        setenv("CREDENTIALS_DIRECTORY", "/run/credentials/mida-monitor.service", 1);
        cr_assert_eq(secret_credential_path("mida-api-key", &p), 0);
        cr_expect_str_eq(p, "/run/credentials/mida-monitor.service/mida-api-key");
        free(p);
        cr_expect_eq(secret_credential_path("../etc/shadow", &p), -EINVAL);
        cr_expect_eq(secret_credential_path("", &p), -EINVAL);
}

Test(secret, whsec_decoding)
{
        unsigned char *key = NULL;
        size_t size = 0;

        cr_assert_eq(secret_decode_whsec("whsec_YWJj", &key, &size), 0);
        cr_expect_eq(size, 3);
        cr_expect_arr_eq(key, "abc", 3);
        secret_free(key, size);
        cr_assert_eq(secret_decode_whsec("whsec_YWI=", &key, &size), 0);
        cr_expect_eq(size, 2);
        cr_expect_arr_eq(key, "ab", 2);
        secret_free(key, size);
        cr_assert_eq(secret_decode_whsec("whsec_YWI", &key, &size), 0, "padding is optional");
        cr_expect_eq(size, 2);
        secret_free(key, size);
        cr_assert_eq(secret_decode_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key, &size), 0);
        cr_expect_eq(size, 24);
        secret_free(key, size);

        cr_expect_eq(secret_decode_whsec("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key, &size), -EINVAL);
        cr_expect_eq(secret_decode_whsec("whsec_", &key, &size), -EINVAL);
        cr_expect_eq(secret_decode_whsec("whsec_YWJj!", &key, &size), -EINVAL);
        cr_expect_eq(secret_decode_whsec("whsec_Y", &key, &size), -EINVAL);
        cr_expect_eq(secret_decode_whsec("whsec_YW==x", &key, &size), -EINVAL);
        cr_expect_eq(secret_decode_whsec("whsec_YWJj=", &key, &size), -EINVAL);
        cr_expect_eq(secret_decode_whsec("whsec_YWJj ", &key, &size), -EINVAL);
}
