/* The listener on the daemon's loop: see web_server.h. libmicrohttpd runs
 * in its "external epoll" mode: MHD_USE_EPOLL without an internal thread,
 * its epoll descriptor polled by sd-event, MHD_run() when it is readable or
 * when MHD_get_timeout()'s time has come (connection timeouts). */
#include "web_server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <microhttpd.h>

#include "config/config.h"
#include "util/log.h"
#include "web_auth.h"
#include "web_handler.h"
#include "web_listen.h"
#include "web_site.h"

/* After the daemon's own sources (SD_EVENT_PRIORITY_NORMAL): when both
 * are ready, a poll's response goes first. */
#define WEB_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)
/* MHD_get_timeout() may say "in a long while"; looking again hourly is free. */
#define MAX_WAIT_MSEC (3600 * 1000ULL)

struct web_server {
        sd_event *event;
        struct MHD_Daemon *mhd;
        sd_event_source *io, *timer;
        struct web_site *site;
        struct web_auth *auth;                  /* NULL: no Basic auth */
        struct web_handler handler;
        struct statistics_settings statistics;  /* the site's, replaced at reload */
        char *state_directory;                  /* the site's: fixed until restart, as the daemon's */
        char *listen;                           /* web.listen as started; NULL: systemd's socket */
};

bool web_server_wanted(const struct config *c)
{
        return c->web.enabled || web_listen_passed();
}

/* libmicrohttpd's own messages (a client that sent garbage, a refused
 * connection): for debugging only, as any client can cause them. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        char text[512];
        size_t n;

        if (!log_enabled(LOG_DEBUG))
                return;
        vsnprintf(text, sizeof(text), fmt, ap);
        n = strlen(text);
        while (n > 0 && text[n - 1] == '\n')
                text[--n] = '\0';
        log_debug("web: libmicrohttpd: %s", text);
}

/* Runs what is ready, then arms the timer for libmicrohttpd's next timeout. */
static void run(struct web_server *s)
{
        MHD_UNSIGNED_LONG_LONG msec;
        uint64_t now;

        (void) MHD_run(s->mhd);
        if (MHD_get_timeout(s->mhd, &msec) != MHD_YES) {
                (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        if (msec > MAX_WAIT_MSEC)
                msec = MAX_WAIT_MSEC;
        (void) sd_event_now(s->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(s->timer, now + msec * 1000);
        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        run(userdata);
        return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        run(userdata);
        return 0;
}

static int start_mhd(struct web_server *s, int fd)
{
        s->mhd = MHD_start_daemon(
                MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, web_handler_request, &s->handler,
                MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,   /* first: it takes the messages of the others */
                MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned) WEB_MAX_CONNECTIONS,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) WEB_MAX_CONNECTIONS_PER_IP,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) WEB_TIMEOUT_SEC,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) WEB_CONNECTION_MEMORY,
                MHD_OPTION_END);
        return s->mhd ? 0 : -EIO;
}

static int attach(struct web_server *s)
{
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        int r;

        if (!info || info->epoll_fd < 0)
                return -EIO;
        r = sd_event_add_io(s->event, &s->io, info->epoll_fd, EPOLLIN, on_io, s);
        if (r >= 0)
                r = sd_event_add_time(s->event, &s->timer, CLOCK_MONOTONIC, 0, 0, on_timer, s);
        /* Not sd-event's default of 250 ms: a timeout of 0 means libmicrohttpd
         * has buffered data to process now. */
        if (r >= 0)
                r = sd_event_source_set_time_accuracy(s->timer, 1);
        if (r >= 0)
                r = sd_event_source_set_priority(s->io, WEB_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_priority(s->timer, WEB_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        return r;
}

static int new_site(struct web_server *s, const struct web_server_options *o)
{
        const struct web_site_options so = {
                .state_directory = s->state_directory, .statistics = &s->statistics, .chartjs_dir = o->chartjs_dir,
                .metrics_text = o->metrics_text, .userdata = o->userdata,
        };

        return web_site_new(&so, &s->site);
}

static void log_listening(const struct web_listen *l, const struct config_web *c)
{
        char where[80];

        listen_address_format((const struct sockaddr *) &l->local, where, sizeof(where));
        if (l->from_systemd)
                log_info("web: listening on the socket systemd passed, http://%s/%s", where,
                         c->enabled ? " (web.listen is not used)" : "");
        else
                log_info("web: listening on http://%s/", where);
}

/* The parts that need no socket: copies of what the site keeps, the site,
 * the users of the auth file. */
static int prepare(struct web_server *s, const struct web_server_options *o)
{
        const struct config *c = o->config;

        s->event = sd_event_ref(o->event);
        s->statistics = c->statistics;
        s->state_directory = strdup(c->monitor.state_directory);
        if (!s->state_directory || (c->web.listen && !(s->listen = strdup(c->web.listen))))
                return -ENOMEM;
        if (c->web.basic_auth_file) {
                int r = web_auth_new(c->web.basic_auth_file, &s->auth);
                if (r < 0) {
                        log_error("web: not serving the status page without the users of its basic_auth_file");
                        return r;
                }
        }
        s->handler.auth = s->auth;
        return new_site(s, o);
}

int web_server_new(const struct web_server_options *o, struct web_server **ret)
{
        struct web_server *s = calloc(1, sizeof(*s));
        struct web_listen l = { .fd = -1 };
        int r;

        if (!s)
                return -ENOMEM;
        r = prepare(s, o);
        s->handler.site = s->site;
        if (r >= 0)
                r = web_listen_open(&o->config->web, &l);
        if (r >= 0 && (r = start_mhd(s, l.fd)) < 0 && !l.from_systemd)
                close(l.fd);   /* libmicrohttpd owns it once started */
        if (r >= 0)
                r = attach(s);
        if (r < 0) {
                if (r == -ENOMEM || r == -EIO)
                        log_error("web: cannot start the listener: %s; not serving the status page", strerror(-r));
                web_server_free(s);
                return r;
        }
        if (l.from_systemd) {
                free(s->listen);
                s->listen = NULL;
        }
        log_listening(&l, &o->config->web);
        *ret = s;
        return 0;
}

void web_server_free(struct web_server *s)
{
        if (!s)
                return;
        sd_event_source_disable_unref(s->io);
        sd_event_source_disable_unref(s->timer);
        if (s->mhd)
                MHD_stop_daemon(s->mhd);   /* closes its connections and the listening socket */
        web_site_free(s->site);
        web_auth_free(s->auth);
        sd_event_unref(s->event);
        free(s->state_directory);
        free(s->listen);
        free(s);
}

void web_server_cycle_finished(struct web_server *s)
{
        if (s)
                web_site_cycle_finished(s->site);
}

static bool same(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

/* Auth is never switched off by a reload: the listener may be bound to a
 * remote address the new config no longer names. */
static void reload_auth(struct web_server *s, const struct config_web *w)
{
        int r;

        if (!w->basic_auth_file) {
                if (s->auth)
                        log_warning("web: basic_auth_file removed; the status page asks for a password until "
                                    "the next restart");
                return;
        }
        if (s->auth) {
                if (web_auth_reload(s->auth, w->basic_auth_file) < 0)   /* logs why */
                        log_warning("web: keeping the users of basic_auth_file read before");
                return;
        }
        r = web_auth_new(w->basic_auth_file, &s->auth);
        if (r >= 0)
                s->handler.auth = s->auth;
}

void web_server_config_reloaded(struct web_server *s, const struct config *c)
{
        if (!s)
                return;
        s->statistics = c->statistics;
        web_site_set_statistics(s->site, &s->statistics);
        web_site_invalidate(s->site);
        reload_auth(s, &c->web);
        if (s->listen && !same(s->listen, c->web.enabled ? c->web.listen : NULL))
                log_notice("web: listen changed from %s to %s; it applies at the next restart", s->listen,
                           c->web.enabled ? c->web.listen : "nothing (no web group)");
        if (!same(s->state_directory, c->monitor.state_directory))
                log_notice("web: the status page reads %s until the next restart", s->state_directory);
}
