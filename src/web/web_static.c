/* Reading Chart.js: see web_static.h. */
#include "web_static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The whole of fd (a regular file of at most max bytes). 0 or -errno. */
static int read_all(int fd, size_t max, char **body, size_t *len)
{
        struct stat st;
        size_t size, got = 0;
        char *data;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((uintmax_t) st.st_size > max)
                return -EFBIG;
        size = (size_t) st.st_size;
        if (!(data = malloc(size + 1)))
                return -ENOMEM;
        while (got < size) {
                ssize_t n = read(fd, data + got, size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        free(data);
                        return n < 0 ? -errno : -EIO;   /* shrank while read */
                }
                got += (size_t) n;
        }
        data[size] = '\0';
        *body = data;
        *len = size;
        return 0;
}

int web_chartjs_read(const char *dir, char **body, size_t *len)
{
        static const char *const names[] = { "chart.min.js", "chart.umd.js", "Chart.min.js" };
        char path[4096];
        int r = -ENOENT;

        for (size_t i = 0; dir && i < sizeof(names) / sizeof(names[0]) && r == -ENOENT; i++) {
                int fd;
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        r = errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
                        continue;
                }
                r = read_all(fd, WEB_CHARTJS_MAX_SIZE, body, len);
                close(fd);
        }
        return r;
}
