/* libFuzzer harness: the List Experiments parser (mida_experiment_list_parse). */
#include <errno.h>

#include "fuzz.h"
#include "mida/mida.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        fuzz_quiet_log();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mida_experiment_list list;
        char *error = NULL;
        int r = mida_experiment_list_parse((const char *) data, size, &list, &error);

        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(r != -EINVAL || (error && strchr(error, '\n') == NULL));
        if (r == 0) {
                FUZZ_CHECK(list.n == 0 || list.experiments);
                for (size_t i = 0; i < list.n; i++) {
                        const struct mida_experiment *e = &list.experiments[i];

                        if (e->test_name)
                                (void) strlen(e->test_name);
                }
                mida_experiment_list_free(&list);
        }
        free(error);
        return 0;
}
