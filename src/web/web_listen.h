/* Where the listener listens: the socket systemd passed (socket activation
 * with mida-monitor.socket: sd_listen_fds), or else web.listen's address,
 * bound here. A socket from systemd wins over web.listen; either way an
 * address that is not loopback needs allow_remote and basic_auth_file. */
#pragma once
#include <stdbool.h>
#include <sys/socket.h>

struct config_web;

struct web_listen {
        int fd;                          /* listening, non-blocking, close-on-exec */
        bool from_systemd;
        struct sockaddr_storage local;   /* what it is bound to */
};

/* Whether systemd passed a listening socket. */
bool web_listen_passed(void);
/* Opens (or takes over) the listening socket. Returns 0, or -errno after
 * logging why (-EPERM: a socket from systemd that is not loopback, without
 * allow_remote and basic_auth_file). */
int web_listen_open(const struct config_web *c, struct web_listen *ret);
