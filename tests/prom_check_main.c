/* tests/prom-check FILE: exit 0 when FILE is a valid exposition (see
 * prom_check.h), else the problem on stderr and exit 1.
 * tests/prom-check FILE SERIES: prints the value of that series. */
#include <stdio.h>
#include <stdlib.h>

#include "prom_check.h"

int main(int argc, char **argv)
{
        char err[512], value[128];
        char *text = NULL;
        size_t len = 0, cap = 0, n;
        FILE *f;

        if (argc != 2 && argc != 3) {
                fprintf(stderr, "usage: prom-check FILE [SERIES]\n");
                return 2;
        }
        f = fopen(argv[1], "r");
        if (!f) {
                perror(argv[1]);
                return 1;
        }
        do {
                if (len + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 65536;
                        text = realloc(text, cap);
                        if (!text)
                                return 1;
                }
                n = fread(text + len, 1, 4096, f);
                len += n;
        } while (n > 0);
        fclose(f);
        text[len] = 0;
        if (argc == 3) {
                if (prom_find(text, argv[2], value, sizeof(value)) < 0) {
                        fprintf(stderr, "%s: no series %s\n", argv[1], argv[2]);
                        free(text);
                        return 1;
                }
                printf("%s\n", value);
                free(text);
                return 0;
        }
        if (prom_check(text, len, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], err);
                free(text);
                return 1;
        }
        free(text);
        return 0;
}
