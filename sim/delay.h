/* Delayed answers without blocking a server thread: the connection is
 * suspended and a timer thread resumes it when its delay is over. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;

struct delayed {
        struct MHD_Connection *conn;
        double due;                /* CLOCK_MONOTONIC seconds */
};

struct delayer {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct delayed *items;
        size_t n;
        bool stop;
        bool started;
};

int delayer_start(struct delayer *d);
/* Resumes conn (already suspended) after delay_ms. */
int delayer_add(struct delayer *d, struct MHD_Connection *conn, unsigned delay_ms);
/* Resumes everything still waiting and joins the thread. */
void delayer_stop(struct delayer *d);
