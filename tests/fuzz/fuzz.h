/* Helpers shared by the libFuzzer harnesses of tests/fuzz (see local.mk):
 * a private temporary directory for the harnesses whose code under test
 * reads files, and a quiet log. Header-only so that each harness is one
 * translation unit. */
#pragma once
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test must keep: abort (a crash for libFuzzer)
 * with a message when it does not. */
#define FUZZ_CHECK(cond)                                                                     \
        do {                                                                                 \
                if (!(cond)) {                                                               \
                        fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, \
                                #cond);                                                      \
                        abort();                                                             \
                }                                                                            \
        } while (0)

static char fuzz_dir[256];

/* Removes every file in dir (not recursive: the harnesses make no subdirectories). */
static inline void fuzz_empty_dir(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
}

static inline void fuzz_remove_dir(void)
{
        if (fuzz_dir[0]) {
                fuzz_empty_dir(fuzz_dir);
                (void) rmdir(fuzz_dir);
        }
}

/* The harness's temporary directory, made on first use and removed at exit. */
static inline const char *fuzz_tmpdir(void)
{
        if (!fuzz_dir[0]) {
                const char *tmp = getenv("TMPDIR");

                snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/mida-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
                if (!mkdtemp(fuzz_dir)) {
                        perror("mkdtemp");
                        abort();
                }
                atexit(fuzz_remove_dir);
        }
        return fuzz_dir;
}

/* Writes data to dir/name (mode 0600), replacing it; aborts on failure
 * (the harness, not the code under test, would be broken). */
static inline void fuzz_write_file(const char *dir, const char *name, const void *data, size_t size)
{
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size) || close(fd) < 0) {
                perror(path);
                abort();
        }
}

/* A NUL-terminated copy of the input (for APIs that take a C string). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* Warnings about bad input are the expected outcome: keep them off the
 * fuzzer's output. */
static inline void fuzz_quiet_log(void)
{
        log_setup(LOG_TARGET_STDERR, LOG_CRIT);
}

static inline FILE *fuzz_devnull(void)
{
        static FILE *f;

        if (!f && !(f = fopen("/dev/null", "we")))
                abort();
        return f;
}
