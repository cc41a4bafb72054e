/* Config diagnostics: the list of "FILE:LINE: message" lines that
 * check-config prints and a reload logs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static char *format_location(const char *file, unsigned line, unsigned column)
{
        char *s = NULL;
        int n;

        if (line == 0)
                n = asprintf(&s, "%s", file);
        else if (column == 0)
                n = asprintf(&s, "%s:%u", file, line);
        else
                n = asprintf(&s, "%s:%u:%u", file, line, column);
        return n < 0 ? NULL : s;
}

void config_diag_add(struct config_diag *d, bool warning, const char *file, unsigned line,
                     unsigned column, const char *fmt, ...)
{
        struct config_message *grown;
        char *where, *message = NULL, *text = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&message, fmt, ap);
        va_end(ap);
        where = format_location(file, line, column);
        if (n >= 0 && where &&
            asprintf(&text, "%s: %s%s", where, warning ? "warning: " : "", message) < 0)
                text = NULL;
        free(where);
        if (n >= 0)
                free(message);
        grown = text ? realloc(d->messages, (d->n_messages + 1) * sizeof(*d->messages)) : NULL;
        if (!grown) {
                free(text);
                d->out_of_memory = true;
                if (!warning)
                        d->n_errors++;   /* the load must still fail */
                return;
        }
        d->messages = grown;
        d->messages[d->n_messages++] = (struct config_message) {
                .warning = warning, .line = line, .text = text,
        };
        if (warning)
                d->n_warnings++;
        else
                d->n_errors++;
}

void config_diag_print(const struct config_diag *d, FILE *out)
{
        for (size_t i = 0; i < d->n_messages; i++)
                fprintf(out, "%s\n", d->messages[i].text);
        if (d->out_of_memory)
                fprintf(out, "(some config messages were lost: out of memory)\n");
}

void config_diag_clear(struct config_diag *d)
{
        for (size_t i = 0; i < d->n_messages; i++)
                free(d->messages[i].text);
        free(d->messages);
        *d = (struct config_diag) {};
}
