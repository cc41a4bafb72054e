#include "config_fixture.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int config_fixture_load(const char *text, struct config **c, struct config_diag *d, char *path, size_t size)
{
        char dir[] = "/tmp/mida-config.XXXXXX";
        FILE *f;
        int r;

        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, size, "%s/test.conf", dir);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(text, f);
        fclose(f);
        r = config_load(path, c, d);
        unlink(path);
        rmdir(dir);
        return r;
}

bool config_fixture_has_error(const struct config_diag *d, const char *path, unsigned line, const char *text)
{
        char want[512];

        snprintf(want, sizeof(want), "%s:%u: %s", path, line, text);
        for (size_t i = 0; i < d->n_messages; i++)
                if (strcmp(d->messages[i].text, want) == 0)
                        return true;
        for (size_t i = 0; i < d->n_messages; i++)
                cr_log_error("%s", d->messages[i].text);
        return false;
}
