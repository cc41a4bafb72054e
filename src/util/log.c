/* Logging backend. Under systemd (stderr connected to the journal, as
 * announced by $JOURNAL_STREAM) records go through sd_journal_sendv so that
 * their fields can be queried; elsewhere they are single readable lines. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#define LOG_MAX_FIELDS 24

static bool use_journal;
static int max_level = LOG_INFO;

static bool stderr_is_journal(void)
{
        const char *stream = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(enum log_target target, int max_priority)
{
        use_journal = target == LOG_TARGET_JOURNAL ||
                      (target == LOG_TARGET_AUTO && stderr_is_journal());
        max_level = max_priority;
}

int log_level_from_string(const char *s)
{
        static const struct { const char *name; int prio; } levels[] = {
                { "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
                { "info", LOG_INFO }, { "debug", LOG_DEBUG },
        };
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(s, levels[i].name) == 0)
                        return levels[i].prio;
        return -1;
}

bool log_enabled(int priority)
{
        return priority <= max_level;
}

static const char *priority_name(int priority)
{
        switch (priority) {
        case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
        case LOG_WARNING: return "warning";
        case LOG_NOTICE: return "notice";
        case LOG_INFO: return "info";
        default: return "debug";
        }
}

static void send_journal(int priority, const char *message_id,
                         const struct log_field *fields, size_t n_fields, const char *message)
{
        char *strings[LOG_MAX_FIELDS + 3] = { NULL };
        struct iovec iov[LOG_MAX_FIELDS + 3];
        size_t n = 0;

        if (n_fields > LOG_MAX_FIELDS)
                n_fields = LOG_MAX_FIELDS;
        if (asprintf(&strings[n++], "MESSAGE=%s", message) < 0 ||
            asprintf(&strings[n++], "PRIORITY=%d", priority) < 0)
                goto out;
        if (message_id && asprintf(&strings[n++], "MESSAGE_ID=%s", message_id) < 0)
                goto out;
        for (size_t i = 0; i < n_fields; i++)
                if (fields[i].value && asprintf(&strings[n++], "%s=%s", fields[i].key, fields[i].value) < 0)
                        goto out;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { strings[i], strlen(strings[i]) };
        sd_journal_sendv(iov, (int) n);
out:
        for (size_t i = 0; i < n; i++)
                free(strings[i]);
}

void log_event(int priority, const char *message_id,
               const struct log_field *fields, size_t n_fields, const char *fmt, ...)
{
        char message[2048];
        va_list ap;

        if (!log_enabled(priority))
                return;
        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);

        if (use_journal)
                send_journal(priority, message_id, fields, n_fields, message);
        else
                fprintf(stderr, "mida-monitor: %s: %s\n", priority_name(priority), message);
}
