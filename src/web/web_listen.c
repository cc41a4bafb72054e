/* The listening socket: see web_listen.h. */
#include "web_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "config/config.h"
#include "util/log.h"

/* Connections the kernel holds before the listener accepts them (it takes
 * WEB_MAX_CONNECTIONS at a time); more are dropped (the client retries),
 * never queued in the daemon. 200 page loads at once all get in (issue
 * 21's load; with 128, ~1 % were refused); the kernel caps it at
 * net.core.somaxconn. */
#define LISTEN_BACKLOG 512

bool web_listen_passed(void)
{
        return sd_listen_fds(0) > 0;
}

static int set_nonblocking(int fd)
{
        int flags = fcntl(fd, F_GETFL);

        return flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
}

/* The first socket systemd passed; a loopback one, unless the config
 * allows remote clients with a password. */
static int take_passed(const struct config_web *c, struct web_listen *ret)
{
        int fd = SD_LISTEN_FDS_START, n = sd_listen_fds(0);
        socklen_t len = sizeof(ret->local);
        char where[80];

        if (n > 1)
                log_warning("web: systemd passed %d sockets; listening on the first only", n);
        if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0) {
                log_error("web: the socket systemd passed is not a listening TCP socket (ListenStream= of "
                          "mida-monitor.socket); not serving the status page");
                return -ENOTSOCK;
        }
        if (getsockname(fd, (struct sockaddr *) &ret->local, &len) < 0) {
                log_error("web: cannot read the address of the socket systemd passed: %s", strerror(errno));
                return -ENOTSOCK;
        }
        listen_address_format((struct sockaddr *) &ret->local, where, sizeof(where));
        if (!listen_address_is_loopback((struct sockaddr *) &ret->local) && (!c->allow_remote || !c->basic_auth_file)) {
                log_error("web: the socket systemd passed (%s) is not loopback: set allow_remote = true and "
                          "basic_auth_file in the web group, and put TLS in front (a reverse proxy); "
                          "not serving the status page", where);
                return -EPERM;
        }
        ret->fd = fd;
        ret->from_systemd = true;
        return set_nonblocking(fd);
}

static int bind_listen(const struct config_web *c, struct web_listen *ret)
{
        const struct sockaddr *sa = (const struct sockaddr *) &c->address.address;
        int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, r;

        if (fd < 0)
                return -errno;
        /* A restart must not wait for the old connections' TIME_WAIT. */
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa->sa_family == AF_INET6)   /* [::] means IPv6 only, as written */
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, sa, c->address.length) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        memcpy(&ret->local, sa, c->address.length);
        ret->fd = fd;
        ret->from_systemd = false;
        return 0;
}

int web_listen_open(const struct config_web *c, struct web_listen *ret)
{
        int r;

        *ret = (struct web_listen) { .fd = -1 };
        if (web_listen_passed())
                return take_passed(c, ret);
        r = bind_listen(c, ret);
        if (r < 0)
                log_error("web: cannot listen on %s: %s; not serving the status page", c->listen, strerror(-r));
        return r;
}
