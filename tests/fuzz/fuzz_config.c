/* libFuzzer harness: the config loader. The input is written to a config
 * file in a private directory and loaded the way the daemon (flags 0,
 * credentials from $CREDENTIALS_DIRECTORY) and check-config
 * (CONFIG_LOAD_CHECK_ONLY) load it. *_file settings may name any path: the
 * directory holds a readable secret file and a credential so that relative
 * names find something. */
#include <errno.h>

#include "config/config.h"
#include "fuzz.h"

#define CONFIG_NAME "mida-monitor.conf"

static char path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        const char *dir = fuzz_tmpdir();

        fuzz_quiet_log();
        snprintf(path, sizeof(path), "%s/" CONFIG_NAME, dir);
        fuzz_write_file(dir, "api.key", "secret-key\n", 11);
        fuzz_write_file(dir, "mida-api-key", "secret-key", 10);
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        return 0;
}

static void load(unsigned flags)
{
        struct config_diag diag = { 0 };
        struct config *c = NULL;
        int r = config_load_with_flags(path, flags, &c, &diag);

        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM || r == -ENOENT);
        FUZZ_CHECK(r != 0 || c);
        FUZZ_CHECK(r != -EINVAL || diag.n_errors > 0);
        for (size_t i = 0; i < diag.n_messages; i++)
                FUZZ_CHECK(diag.messages[i].text != NULL);
        config_diag_print(&diag, fuzz_devnull());
        config_diag_clear(&diag);
        config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fuzz_write_file(fuzz_tmpdir(), CONFIG_NAME, data, size);
        load(0);
        load(CONFIG_LOAD_CHECK_ONLY);
        return 0;
}
