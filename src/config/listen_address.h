/* A listen address as the config writes it: "127.0.0.1:9447",
 * "[::1]:9447", "localhost:9447" (127.0.0.1) — a numeric host or
 * localhost, never a name to resolve (a listener must not depend on DNS at
 * start), and a port 1..65535. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct listen_address {
        struct sockaddr_storage address;
        socklen_t length;
};

/* Returns 0 and fills *ret, or -EINVAL. */
int listen_address_parse(const char *text, struct listen_address *ret);

/* Whether sa is a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
bool listen_address_is_loopback(const struct sockaddr *sa);

/* "127.0.0.1:9447" or "[::1]:9447" into buf; "?" for another family. */
const char *listen_address_format(const struct sockaddr *sa, char *buf, size_t size);
