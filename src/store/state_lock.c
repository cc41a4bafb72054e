#include "state_lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "util/log.h"

/* atomic_write_file()'s temporaries: ".<name>.tmp-<16 hex>". */
static bool is_stale_temp(const char *name)
{
        return name[0] == '.' && strstr(name, ".tmp-") != NULL;
}

static void remove_stale_temps(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        unsigned n = 0;

        if (!d)
                return;
        while ((e = readdir(d)))
                if (is_stale_temp(e->d_name) && unlinkat(dirfd(d), e->d_name, 0) == 0)
                        n++;
        closedir(d);
        if (n > 0)
                log_info("%s: removed %u temporary file%s left by an interrupted write", dir, n, n == 1 ? "" : "s");
}

int state_directory_lock(const char *dir)
{
        char path[4096];
        int r = ensure_directory(dir, 0700), fd;

        if (r < 0)
                return r;
        if ((size_t) snprintf(path, sizeof(path), "%s/.lock", dir) >= sizeof(path))
                return -ENAMETOOLONG;
        /* Read-only: flock needs no write access, and a file held open for
         * writing would keep the file system from being remounted read-only. */
        fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                close(fd);
                return r;
        }
        remove_stale_temps(dir);
        if ((size_t) snprintf(path, sizeof(path), "%s/outbox", dir) < sizeof(path))
                remove_stale_temps(path);
        return fd;
}
