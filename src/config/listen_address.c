/* Listen addresses: see listen_address.h. */
#include "listen_address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, in_port_t *ret)
{
        char *end;
        unsigned long n;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        n = strtoul(s, &end, 10);
        if (errno || *end || n == 0 || n > 65535)
                return -EINVAL;
        *ret = htons((in_port_t) n);
        return 0;
}

/* "[v6]:port" */
static int parse_v6(const char *text, struct listen_address *ret)
{
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ret->address;
        const char *close = strchr(text, ']');
        char host[INET6_ADDRSTRLEN];
        size_t n = close ? (size_t) (close - text - 1) : 0;

        if (!close || close[1] != ':' || n == 0 || n >= sizeof(host))
                return -EINVAL;
        memcpy(host, text + 1, n);
        host[n] = '\0';
        *a = (struct sockaddr_in6) { .sin6_family = AF_INET6 };
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1 || parse_port(close + 2, &a->sin6_port) < 0)
                return -EINVAL;
        ret->length = sizeof(*a);
        return 0;
}

/* "a.b.c.d:port" or "localhost:port" */
static int parse_v4(const char *text, struct listen_address *ret)
{
        struct sockaddr_in *a = (struct sockaddr_in *) &ret->address;
        const char *colon = strrchr(text, ':');
        char host[INET_ADDRSTRLEN];
        size_t n = colon ? (size_t) (colon - text) : 0;

        if (!colon || n == 0)
                return -EINVAL;
        *a = (struct sockaddr_in) { .sin_family = AF_INET };
        if (n == strlen("localhost") && strncmp(text, "localhost", n) == 0)
                a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        else if (n >= sizeof(host))
                return -EINVAL;
        else {
                memcpy(host, text, n);
                host[n] = '\0';
                if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
                        return -EINVAL;
        }
        if (parse_port(colon + 1, &a->sin_port) < 0)
                return -EINVAL;
        ret->length = sizeof(*a);
        return 0;
}

int listen_address_parse(const char *text, struct listen_address *ret)
{
        struct listen_address a = { 0 };
        int r = text[0] == '[' ? parse_v6(text, &a) : parse_v4(text, &a);

        if (r == 0)
                *ret = a;
        return r;
}

bool listen_address_is_loopback(const struct sockaddr *sa)
{
        if (sa->sa_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;
                return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
        }
        return false;
}

const char *listen_address_format(const struct sockaddr *sa, char *buf, size_t size)
{
        char host[INET6_ADDRSTRLEN];

        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *a = (const struct sockaddr_in *) sa;
                inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
                snprintf(buf, size, "%s:%u", host, ntohs(a->sin_port));
        } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) sa;
                inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
                snprintf(buf, size, "[%s]:%u", host, ntohs(a->sin6_port));
        } else {
                snprintf(buf, size, "?");
        }
        return buf;
}
