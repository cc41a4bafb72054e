#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Opens dir for the *at() calls on name, a plain file name. Returns the
 * descriptor or -errno. */
static int open_dir_for(const char *dir, const char *name)
{
        int dfd;

        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dfd < 0 ? -errno : dfd;
}

/* write(2) until all of data is written (EINTR retried): 0 or -errno. */
static int write_all(int fd, const void *data, size_t len)
{
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Creates ".<name>.tmp-<random>" in the target directory: the same file
 * system, so the rename is atomic; hidden, so nobody takes it for state. */
static int create_temp(int dfd, const char *name, mode_t mode, char *tmp, size_t size)
{
        for (int attempt = 0; attempt < 16; attempt++) {
                uint64_t rnd = 0;
                int fd;

                (void) getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK);
                rnd ^= (uint64_t) getpid() << 32 ^ (uint64_t) attempt;
                if ((size_t) snprintf(tmp, size, ".%s.tmp-%016llx", name, (unsigned long long) rnd) >= size)
                        return -ENAMETOOLONG;
                fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
                if (fd >= 0 || errno != EEXIST)
                        return fd >= 0 ? fd : -errno;
        }
        return -EEXIST;
}

/* Everything that happens to the temporary file before the rename. */
static int fill_temp(int fd, const void *data, size_t len, mode_t mode)
{
        int r = write_all(fd, data, len);

        /* Apply the mode exactly, whatever the umask. */
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        /* close() can report a delayed write error (NFS); it counts. */
        if (close(fd) < 0 && r >= 0 && errno != EINTR)
                r = -errno;
        return r;
}

static int write_in_dir(int dfd, const char *name, const void *data, size_t len, mode_t mode)
{
        char tmp[NAME_MAX + 1];
        int fd, r;

        fd = create_temp(dfd, name, mode, tmp, sizeof(tmp));
        if (fd < 0)
                return fd;
        r = fill_temp(fd, data, len, mode);
        if (r >= 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dfd, tmp, 0);
                return r;
        }
        /* The rename itself is durable only once the directory is. */
        return fsync(dfd) < 0 ? -errno : 0;
}

int atomic_write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
        int dfd = open_dir_for(dir, name), r;

        if (dfd < 0)
                return dfd;
        r = write_in_dir(dfd, name, data, len, mode);
        close(dfd);
        return r;
}

/* Reads until EOF into a buffer of at most max + 2 bytes: room for one
 * byte too many (to tell "exactly max" from "larger") and the NUL. */
static int read_all(int fd, size_t max, char **ret, size_t *ret_len)
{
        size_t len = 0, cap = 0;
        char *buf = NULL;
        ssize_t n = 1;
        int r = 0;

        while (n > 0 && len <= max) {
                if (len + 1 >= cap) {
                        size_t want = cap ? cap * 2 : 4096;
                        char *p;

                        p = realloc(buf, want < max + 2 ? want : max + 2);
                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        buf = p;
                        cap = want < max + 2 ? want : max + 2;
                }
                n = read(fd, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        n = 1;
                else if (n < 0)
                        r = -errno;
                else
                        len += (size_t) n;
        }
        if (r >= 0 && len > max)
                r = -EFBIG;
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return 0;
}

int read_file_limited(const char *path, size_t max, char **ret, size_t *ret_len)
{
        struct stat st;
        int fd, r;

        if (max > SIZE_MAX / 2)
                max = SIZE_MAX / 2;   /* "no limit": keeps max + 2 from wrapping */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (S_ISDIR(st.st_mode))
                r = -EISDIR;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else if ((uint64_t) st.st_size > max)
                r = -EFBIG;
        else
                r = read_all(fd, max, ret, ret_len);   /* the file may grow meanwhile */
        close(fd);
        return r;
}

/* Renames without ever replacing an existing file. */
static int rename_noreplace(int dfd, const char *from, const char *to)
{
        if (renameat2(dfd, from, dfd, to, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS)
                return -errno;
        /* File systems without RENAME_NOREPLACE: check, then rename. */
        if (faccessat(dfd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return -EEXIST;
        return renameat(dfd, from, dfd, to) < 0 ? -errno : 0;
}

/* Renames each name<suffix> there is to target<suffix>. */
static int rename_companions(int dfd, const char *name, const char *target, const char *const *suffixes, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char from[NAME_MAX + 1], to[NAME_MAX + 1];
                int r;

                if ((size_t) snprintf(from, sizeof(from), "%s%s", name, suffixes[i]) >= sizeof(from) ||
                    (size_t) snprintf(to, sizeof(to), "%s%s", target, suffixes[i]) >= sizeof(to))
                        return -ENAMETOOLONG;
                r = rename_noreplace(dfd, from, to);
                if (r < 0 && r != -ENOENT)   /* a companion that is not there: nothing to move */
                        return r;
        }
        return 0;
}

static int move_aside_in(int dfd, const char *name, const char *const *suffixes, size_t n, char *moved,
                         size_t size)
{
        char stamp[32], target[NAME_MAX + 1];
        time_t now = time(NULL);
        struct tm tm;

        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
        for (int i = 0; i < 100; i++) {
                int len = i == 0 ? snprintf(target, sizeof(target), "%s.corrupt-%s", name, stamp)
                                 : snprintf(target, sizeof(target), "%s.corrupt-%s-%d", name, stamp, i);
                int r;

                if ((size_t) len >= sizeof(target))
                        return -ENAMETOOLONG;
                r = rename_noreplace(dfd, name, target);
                if (r == -EEXIST)
                        continue;   /* an earlier copy has that name: the next */
                if (r >= 0)
                        r = rename_companions(dfd, name, target, suffixes, n);
                if (r >= 0 && moved)
                        snprintf(moved, size, "%s", target);
                return r < 0 ? r : (fsync(dfd) < 0 ? -errno : 0);
        }
        return -EEXIST;
}

int move_aside_with(const char *dir, const char *name, const char *const *suffixes, size_t n, char *moved,
                    size_t size)
{
        int dfd = open_dir_for(dir, name), r;

        if (dfd < 0)
                return dfd;
        r = move_aside_in(dfd, name, suffixes, n, moved, size);
        close(dfd);
        return r;
}

int move_aside(const char *dir, const char *name)
{
        return move_aside_with(dir, name, NULL, 0, NULL, 0);
}

static int make_one(const char *path, mode_t mode)
{
        struct stat st;

        if (mkdir(path, mode) == 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (stat(path, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int ensure_directory(const char *path, mode_t mode)
{
        char *copy;
        int r = 0;

        if (!path || !*path)
                return -EINVAL;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        /* Each parent in turn: "/a/b/c" makes "/a", "/a/b", then "/a/b/c". */
        for (char *p = strchr(copy + 1, '/'); p && r >= 0; p = strchr(p + 1, '/')) {
                if (p[-1] == '/' || p[1] == '\0')   /* "//" or a trailing "/" */
                        continue;
                *p = '\0';
                r = make_one(copy, 0755);
                *p = '/';
        }
        if (r >= 0)
                r = make_one(path, mode);
        free(copy);
        return r;
}
