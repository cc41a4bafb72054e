/* Request routing. All simulator state is touched under sim->lock. */
#include <string.h>

#include "api.h"
#include "control.h"
#include "router.h"

#define HOOKS_PREFIX "/hooks/"

static void api_request(struct sim *sim, const struct request *rq, const struct api_route *route,
                        struct reply *out)
{
        struct fault fault;
        bool faulted = fault_list_take(&sim->faults, route->endpoint, route->test_id, &fault);
        if (faulted && fault_replaces_handler(&fault, out))
                return;
        api_handle(sim, rq, route, out);
        if (faulted)
                fault_alter_reply(&fault, out);
}

static void log_request(struct sim *sim, const struct request *rq, const struct reply *out)
{
        const char *key;
        reqlog_add(sim->log, rq->method, rq->path, request_query_json(rq), api_auth_style(rq, &key),
                   rq->body, out->kind == REPLY_CLOSE ? 0 : out->status, sim_now(sim));
}

void router_handle(struct sim *sim, const struct request *rq, bool peer_is_loopback, struct reply *out)
{
        struct api_route route;
        if (!strncmp(rq->path, CONTROL_PREFIX, strlen(CONTROL_PREFIX))) {
                if (!peer_is_loopback) {
                        reply_error(out, 403, "control endpoints answer loopback peers only");
                        return;
                }
                pthread_mutex_lock(&sim->lock);
                control_handle(sim, rq, out);
                pthread_mutex_unlock(&sim->lock);
                return;
        }
        pthread_mutex_lock(&sim->lock);
        if (!strncmp(rq->path, HOOKS_PREFIX, strlen(HOOKS_PREFIX)))
                hooks_receive(&sim->hooks, rq, sim_now(sim), out);
        else if (api_route_parse(rq->path, &route) == 0)
                api_request(sim, rq, &route, out);
        else
                reply_error(out, 404, "Not found");
        log_request(sim, rq, out);
        pthread_mutex_unlock(&sim->lock);
}
