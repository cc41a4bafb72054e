/* The HTTP side: a libmicrohttpd daemon on a loopback port. */
#pragma once
#include <stdbool.h>

#include "delay.h"
#include "sim.h"

struct MHD_Daemon;

struct server {
        struct sim *sim;
        struct MHD_Daemon *daemon;
        struct delayer delayer;
        unsigned port;
};

/* Listens on 127.0.0.1:port (0 picks a free port, see srv->port).
 * log_errors: libmicrohttpd's own messages on stderr (they include the
 * connection drops that fault injection causes on purpose). */
int server_start(struct server *srv, struct sim *sim, unsigned port, unsigned threads, bool log_errors);
void server_stop(struct server *srv);
