/* Durable state-file I/O: replace atomically, fail without damage, read
 * with a limit, keep corrupt files aside. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/atomic_file.h"

static char dir[64];

static void make_dir(void)
{
        snprintf(dir, sizeof(dir), "/tmp/mida-atomic-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
}

static void remove_tree(const char *path)
{
        char cmd[256];

        chmod(path, 0700);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
        cr_assert_eq(system(cmd), 0);
}

static char *read_text(const char *name)
{
        char path[256];
        char *text = NULL;
        size_t len = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        cr_assert_eq(read_file_limited(path, 1 << 20, &text, &len), 0, "cannot read %s", path);
        cr_assert_eq(strlen(text), len);
        return text;
}

static void assert_content(const char *name, const char *expected)
{
        char *text = read_text(name);

        cr_assert_str_eq(text, expected, "%s", name);
        free(text);
}

/* Counts the entries of dir (without . and ..); the last one starting
 * with prefix goes into match. */
static size_t list_dir(const char *prefix, char *match, size_t size)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t n = 0;

        cr_assert_not_null(d);
        if (match)
                match[0] = '\0';
        while ((e = readdir(d))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                n++;
                if (match && prefix && strncmp(e->d_name, prefix, strlen(prefix)) == 0)
                        snprintf(match, size, "%s", e->d_name);
        }
        closedir(d);
        return n;
}

Test(atomic_file, writes_replaces_and_sets_mode)
{
        struct stat st;
        char path[256];

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "mida.prom", "{\"v\":1}", 7, 0600), 0);
        assert_content("mida.prom", "{\"v\":1}");
        cr_assert_eq(atomic_write_file(dir, "mida.prom", "{\"v\":22}", 8, 0640), 0);
        assert_content("mida.prom", "{\"v\":22}");
        snprintf(path, sizeof(path), "%s/mida.prom", dir);
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
        cr_assert_eq(list_dir(NULL, NULL, 0), 1, "no temporary file left behind");
        remove_tree(dir);
}

Test(atomic_file, empty_content_and_bad_names)
{

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "empty", "", 0, 0600), 0);
        assert_content("empty", "");
        cr_assert_eq(atomic_write_file(dir, "a/b", "x", 1, 0600), -EINVAL);
        cr_assert_eq(atomic_write_file(dir, "", "x", 1, 0600), -EINVAL);
        cr_assert_eq(atomic_write_file(dir, "..", "x", 1, 0600), -EINVAL);
        remove_tree(dir);
}

Test(atomic_file, missing_directory_or_parent_is_a_file)
{
        char file_as_dir[256];

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "f", "x", 1, 0600), 0);
        snprintf(file_as_dir, sizeof(file_as_dir), "%s/f", dir);
        cr_assert_eq(atomic_write_file(file_as_dir, "mida.prom", "x", 1, 0600), -ENOTDIR);
        cr_assert_eq(atomic_write_file("/nonexistent/mida-x", "mida.prom", "x", 1, 0600), -ENOENT);
        remove_tree(dir);
}

/* A write that fails half-way (here: the file-size limit, which binds even
 * root, like a full disk would) must leave the old state as it was. */
Test(atomic_file, failed_write_keeps_old_content_and_leaves_no_temp)
{
        struct rlimit lim = { .rlim_cur = 4096, .rlim_max = 4096 };
        static char big[65536];

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "mida.prom", "old", 3, 0600), 0);
        signal(SIGXFSZ, SIG_IGN);
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
        memset(big, 'n', sizeof(big));
        cr_assert_eq(atomic_write_file(dir, "mida.prom", big, sizeof(big), 0600), -EFBIG);
        assert_content("mida.prom", "old");
        cr_assert_eq(list_dir(NULL, NULL, 0), 1, "the temporary file was removed");
        remove_tree(dir);
}

/* The write from a child process that is not root when we are: root
 * ignores directory permissions. Returns the child's result (as -errno). */
static int write_as_unprivileged_child(const char *name)
{
        int status;
        pid_t pid = fork();

        cr_assert_geq(pid, 0);
        if (pid == 0) {
                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(255);
                _exit(-atomic_write_file(dir, name, "new", 3, 0644));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        return -WEXITSTATUS(status);
}

Test(atomic_file, read_only_directory_gives_eacces_and_keeps_old)
{
        int r;

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "mida.prom", "old", 3, 0644), 0);
        cr_assert_eq(chmod(dir, 0555), 0);
        r = write_as_unprivileged_child("mida.prom");
        if (r == -255) {
                remove_tree(dir);
                cr_skip_test("running as root and cannot drop to uid 65534, so permissions would not bind");
        }
        cr_assert_eq(r, -EACCES, "got %d", r);
        assert_content("mida.prom", "old");
        cr_assert_eq(list_dir(NULL, NULL, 0), 1);
        remove_tree(dir);
}

Test(atomic_file, read_limited_enforces_the_limit)
{
        char path[256];
        char *text = NULL;
        size_t len = 0;

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "ten", "0123456789", 10, 0600), 0);
        snprintf(path, sizeof(path), "%s/ten", dir);
        cr_assert_eq(read_file_limited(path, 10, &text, &len), 0);
        cr_assert_eq(len, 10);
        cr_assert_str_eq(text, "0123456789");
        free(text);
        cr_assert_eq(read_file_limited(path, 9, &text, &len), -EFBIG);
        cr_assert_eq(read_file_limited(dir, 100, &text, &len), -EISDIR);
        cr_assert_eq(read_file_limited("/dev/null", 100, &text, &len), -EINVAL);
        snprintf(path, sizeof(path), "%s/missing", dir);
        cr_assert_eq(read_file_limited(path, 100, &text, &len), -ENOENT);
        remove_tree(dir);
}

Test(atomic_file, read_limited_reads_large_files_whole)
{
        static char data[200000];
        char path[256];
        char *text = NULL;
        size_t len = 0;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (char) ('a' + i % 26);
        make_dir();
        cr_assert_eq(atomic_write_file(dir, "big", data, sizeof(data), 0600), 0);
        snprintf(path, sizeof(path), "%s/big", dir);
        cr_assert_eq(read_file_limited(path, sizeof(data), &text, &len), 0);
        cr_assert_eq(len, sizeof(data));
        cr_assert_eq(memcmp(text, data, len), 0);
        cr_assert_eq(text[len], '\0');
        free(text);
        remove_tree(dir);
}

Test(atomic_file, move_aside_keeps_every_corrupt_copy)
{
        char first[256];

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "mida.prom", "bad1", 4, 0600), 0);
        cr_assert_eq(move_aside(dir, "mida.prom"), 0);
        cr_assert_eq(list_dir("mida.prom.corrupt-", first, sizeof(first)), 1);
        cr_assert_neq(first[0], '\0');
        assert_content(first, "bad1");
        /* Same second again: a second name, the first copy untouched. */
        cr_assert_eq(atomic_write_file(dir, "mida.prom", "bad2", 4, 0600), 0);
        cr_assert_eq(move_aside(dir, "mida.prom"), 0);
        cr_assert_eq(list_dir(NULL, NULL, 0), 2);
        assert_content(first, "bad1");
        cr_assert_eq(move_aside(dir, "mida.prom"), -ENOENT);
        remove_tree(dir);
}

/* A database and its companions move together, under one new name each
 * time, never over an earlier set. */
Test(atomic_file, move_aside_with_companions_keeps_each_set_whole)
{
        static const char *const companions[] = { "-wal", "-shm" };
        char moved[256], again[256], path[512];

        make_dir();
        cr_assert_eq(atomic_write_file(dir, "s.db", "db1", 3, 0600), 0);
        cr_assert_eq(atomic_write_file(dir, "s.db-wal", "wal1", 4, 0600), 0);
        cr_assert_eq(move_aside_with(dir, "s.db", companions, 2, moved, sizeof(moved)), 0, "no -shm: nothing to move");
        assert_content(moved, "db1");
        snprintf(path, sizeof(path), "%s-wal", moved);
        assert_content(path, "wal1");
        cr_assert_eq(list_dir(NULL, NULL, 0), 2);

        cr_assert_eq(atomic_write_file(dir, "s.db", "db2", 3, 0600), 0);
        cr_assert_eq(atomic_write_file(dir, "s.db-wal", "wal2", 4, 0600), 0);
        cr_assert_eq(move_aside_with(dir, "s.db", companions, 2, again, sizeof(again)), 0);
        cr_expect_str_neq(again, moved);
        assert_content(moved, "db1");
        assert_content(path, "wal1");
        assert_content(again, "db2");
        snprintf(path, sizeof(path), "%s-wal", again);
        assert_content(path, "wal2");
        cr_assert_eq(list_dir(NULL, NULL, 0), 4);
        remove_tree(dir);
}

Test(atomic_file, ensure_directory_makes_parents_and_accepts_existing)
{
        char path[256];
        struct stat st;

        make_dir();
        snprintf(path, sizeof(path), "%s/a/b//c/", dir);
        cr_assert_eq(ensure_directory(path, 0700), 0);
        cr_assert_eq(stat(path, &st), 0);
        cr_assert(S_ISDIR(st.st_mode));
        cr_assert_eq(st.st_mode & 0777, 0700);
        cr_assert_eq(ensure_directory(path, 0700), 0, "an existing directory is fine");
        cr_assert_eq(atomic_write_file(dir, "file", "x", 1, 0600), 0);
        snprintf(path, sizeof(path), "%s/file", dir);
        cr_assert_eq(ensure_directory(path, 0700), -ENOTDIR);
        snprintf(path, sizeof(path), "%s/file/sub", dir);
        cr_assert_eq(ensure_directory(path, 0700), -ENOTDIR);
        remove_tree(dir);
}
