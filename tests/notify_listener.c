/* Test helper: plays systemd's side of the notify protocol. Binds a
 * datagram socket at argv[1] and appends each message it receives to
 * argv[2], one message per line (newlines inside become spaces). argv[2]
 * is created before the socket is bound. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        char buf[4096];
        FILE *out;
        int fd;

        if (argc != 3 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "usage: notify-listener SOCKET OUTPUT\n");
                return 2;
        }
        strcpy(addr.sun_path, argv[1]);
        /* The output exists before the socket does: callers wait for the
         * socket, then count lines of the output (harness.sh ready_count). */
        out = fopen(argv[2], "a");
        if (!out) {
                fprintf(stderr, "notify-listener: %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        unlink(argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
                fprintf(stderr, "notify-listener: %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return 1;
                buf[n] = 0;
                for (char *p = buf; *p; p++)
                        if (*p == '\n')
                                *p = ' ';
                fprintf(out, "%s\n", buf);
                fflush(out);
        }
}
