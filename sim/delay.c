/* The resume thread for delayed answers. */
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "delay.h"

static size_t earliest(const struct delayer *d)
{
        size_t best = 0;
        for (size_t i = 1; i < d->n; i++)
                if (d->items[i].due < d->items[best].due)
                        best = i;
        return best;
}

static void resume_at(struct delayer *d, size_t i)
{
        MHD_resume_connection(d->items[i].conn);
        d->items[i] = d->items[--d->n];
}

static void wait_until(struct delayer *d, double due)
{
        struct timespec ts = { .tv_sec = (time_t)floor(due) };
        ts.tv_nsec = (long)((due - floor(due)) * 1e9);
        pthread_cond_timedwait(&d->wake, &d->lock, &ts);
}

static void *run(void *arg)
{
        struct delayer *d = arg;
        pthread_mutex_lock(&d->lock);
        while (!d->stop) {
                if (d->n == 0) {
                        pthread_cond_wait(&d->wake, &d->lock);
                        continue;
                }
                size_t i = earliest(d);
                if (d->items[i].due <= clock_real_seconds())
                        resume_at(d, i);
                else
                        wait_until(d, d->items[i].due);
        }
        while (d->n)
                resume_at(d, 0);
        pthread_mutex_unlock(&d->lock);
        return NULL;
}

int delayer_start(struct delayer *d)
{
        pthread_condattr_t attr;
        *d = (struct delayer){ 0 };
        pthread_mutex_init(&d->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&d->wake, &attr);
        pthread_condattr_destroy(&attr);
        int r = pthread_create(&d->thread, NULL, run, d);
        d->started = r == 0;
        return -r;
}

int delayer_add(struct delayer *d, struct MHD_Connection *conn, unsigned delay_ms)
{
        pthread_mutex_lock(&d->lock);
        struct delayed *items = realloc(d->items, (d->n + 1) * sizeof(*items));
        if (!items) {
                pthread_mutex_unlock(&d->lock);
                return -ENOMEM;
        }
        d->items = items;
        items[d->n++] = (struct delayed){ conn, clock_real_seconds() + delay_ms / 1000.0 };
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
        return 0;
}

void delayer_stop(struct delayer *d)
{
        if (d->started) {
                pthread_mutex_lock(&d->lock);
                d->stop = true;
                pthread_cond_signal(&d->wake);
                pthread_mutex_unlock(&d->lock);
                pthread_join(d->thread, NULL);
        }
        free(d->items);
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
}
