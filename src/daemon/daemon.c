/* The manager: event loop, cycle timer, signals, reload, systemd notify.
 * What one cycle does lives in cycle.c; what is persisted, in store/ (state.db). */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "config/config.h"
#include "cycle.h"
#include "util/log.h"
#include "manager.h"

#define USEC_PER_SEC 1000000ULL
/* SIGTERM: in-flight requests get this long before they are abandoned. */
#define STOP_GRACE_USEC (4 * USEC_PER_SEC)

static void manager_notify_status(struct manager *m)
{
        char line[256];

        manager_format_status(m, line, sizeof(line));
        if (m->mode == MANAGER_DAEMON)
                sd_notifyf(false, "STATUS=%s", line);
}

static int schedule_tick(struct manager *m, uint64_t when_usec);

static void on_cycle_done(struct manager *m)
{
        manager_notify_status(m);
        if (m->mode == MANAGER_ONCE || m->stopping) {
                sd_event_exit(m->event, m->exit_code);
                return;
        }
        manager_idle_check(m);
}

static void start_cycle(struct manager *m, bool spread)
{
        manager_start_cycle(m, spread, on_cycle_done);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;

        /* Fixed rate: the next tick is one interval after this one was due,
         * so cycles do not drift by their own duration. */
        schedule_tick(m, usec + m->config->monitor.interval_usec);
        start_cycle(m, true);
        return 0;
}

static int schedule_tick(struct manager *m, uint64_t when_usec)
{
        if (m->tick)
                return sd_event_source_set_time(m->tick, when_usec) < 0 ? -EIO :
                       sd_event_source_set_enabled(m->tick, SD_EVENT_ONESHOT);
        return sd_event_add_time(m->event, &m->tick, CLOCK_MONOTONIC, when_usec,
                                 USEC_PER_SEC, on_tick, m);
}

static int on_stop_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;

        log_warning("in-flight requests did not finish in time; abandoning them");
        cycle_abort(m->cycle);   /* clears m->cycle */
        sd_event_exit(m->event, m->exit_code);
        return 0;
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        uint64_t now;

        if (m->stopping)
                return 0;
        m->stopping = true;
        m->alerting.actions.stopping = true;   /* no more retries of actions */
        if (m->mode == MANAGER_DAEMON)
                sd_notify(false, "STOPPING=1\nSTATUS=Stopping: finishing in-flight requests");
        log_info("received %s, stopping", strsignal((int) si->ssi_signo));
        if (!m->cycle) {
                sd_event_exit(m->event, m->exit_code);
                return 0;
        }
        cycle_stop_starting(m->cycle);
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        return sd_event_add_time(m->event, NULL, CLOCK_MONOTONIC, now + STOP_GRACE_USEC, 0,
                                 on_stop_timeout, m);
}

static int on_reload_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;

        /* At once, also mid-cycle (requests not yet started take the new
         * config and client); only an action request in flight, which holds
         * the config's rule, makes it wait. */
        m->reload_pending = true;
        manager_idle_check(m);
        return 0;
}

static int on_poll_now(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;

        log_info("SIGUSR1: polling now");
        start_cycle(m, false);
        return 0;
}

static int add_signals(struct manager *m)
{
        static const struct { int sig; sd_event_signal_handler_t fn; } handlers[] = {
                { SIGTERM, on_terminate }, { SIGINT, on_terminate },
                { SIGHUP, on_reload_signal }, { SIGUSR1, on_poll_now },
        };

        for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
                int r = sd_event_add_signal(m->event, NULL, handlers[i].sig | SD_EVENT_SIGNAL_PROCMASK,
                                            handlers[i].fn, m);
                if (r < 0)
                        return r;
        }
        return 0;
}

int manager_run(struct manager *m)
{
        uint64_t now;
        int r;

        r = add_signals(m);
        if (r < 0) {
                log_error("cannot set up signal handling: %s", strerror(-r));
                return EXIT_FAILURE;
        }
        if (m->mode == MANAGER_ONCE) {
                start_cycle(m, false);
        } else {
                sd_event_set_watchdog(m->event, true);
                sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                r = schedule_tick(m, now + m->config->monitor.interval_usec);
                if (r < 0)
                        return EXIT_FAILURE;
                log_event(LOG_INFO, MIDA_MSGID_STARTED, NULL, 0, "mida-monitor %s started, polling every %llu s",
                          PACKAGE_VERSION, (unsigned long long) (m->config->monitor.interval_usec / USEC_PER_SEC));
                sd_notify(false, "READY=1\nSTATUS=Started, first poll cycle running");
                action_runner_resume(&m->alerting.actions);
                /* The first cycle runs at once and unspread, so that an
                 * operator sees the state right after a (re)start. */
                start_cycle(m, false);
        }
        r = sd_event_loop(m->event);
        manager_save_state(m);   /* what the last group holds, committed */
        if (m->mode == MANAGER_DAEMON)
                log_event(LOG_INFO, MIDA_MSGID_STOPPED, NULL, 0, "mida-monitor stopped, state saved");
        return r < 0 ? EXIT_FAILURE : r;
}
