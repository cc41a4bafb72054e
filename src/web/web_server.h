/* Room web/: the optional status page and /metrics over HTTP — the listener
 * (libmicrohttpd driven by the daemon's sd-event loop, without a thread of
 * its own: limits, methods, security headers, Basic auth, systemd socket
 * activation) and the site it serves (web_site.h: routes, pages, JSON and
 * static files, read from state.db read-only).
 * May use: report/, daemon/ (the health conditions' texts), store/ (read-only),
 * stats/, config/, util/.
 * Used by: cli (`run` starts it next to the manager: the daemon includes
 * nothing of web/, and reports cycles and reloads through the hooks cli/
 * registers in its manager_options).
 *
 * This header is the room's door for cli/. The listener runs on the
 * daemon's loop: libmicrohttpd's epoll descriptor is one io source and its
 * next timeout one timer, both at a lower priority than the daemon's own
 * sources, so a page never goes before a poll's response. What a client
 * can take is bounded: WEB_MAX_CONNECTIONS connections at a time (more
 * wait in the kernel's backlog or are refused; the daemon's descriptors
 * are never exhausted), WEB_MAX_CONNECTIONS_PER_IP from one address,
 * WEB_CONNECTION_MEMORY bytes each for the request (a longer request line
 * or header gets 414 or 431), WEB_TIMEOUT_SEC of idleness, no request
 * body at all. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

struct config;
struct web_server;

#define WEB_MAX_CONNECTIONS 64
#define WEB_MAX_CONNECTIONS_PER_IP 32
#define WEB_TIMEOUT_SEC 10
#define WEB_CONNECTION_MEMORY (16 * 1024)

struct web_server_options {
        sd_event *event;                 /* the daemon's loop */
        const struct config *config;     /* web, statistics, state_directory: read at start */
        const char *chartjs_dir;         /* where chart.min.js is (CHARTJS_DIR) */
        /* The daemon's metrics exposition now (malloc'd, *len set), or NULL. */
        char *(*metrics_text)(void *userdata, size_t *len);
        void *userdata;
};

/* Whether `run` serves the page: the config has a web group, or systemd
 * passed a socket (mida-monitor.socket). */
bool web_server_wanted(const struct config *c);
/* Starts listening and logs "web: listening on http://ADDRESS/". Returns
 * 0, or -errno after logging why (the daemon goes on without the page). */
int web_server_new(const struct web_server_options *o, struct web_server **ret);
void web_server_free(struct web_server *s);

/* A cycle ended and its results are in state.db: the pages rebuild. */
void web_server_cycle_finished(struct web_server *s);
/* A reload applied c: the statistics settings and the auth file are taken
 * up now; a changed listen address, or an auth file removed, applies at
 * the next start (logged). */
void web_server_config_reloaded(struct web_server *s, const struct config *c);
