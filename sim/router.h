/* Top-level routing of one request: control (/__), webhooks (/hooks/) or the
 * API (/v2/project/...), with faults, locking and the request log. */
#pragma once
#include <stdbool.h>

#include "reply.h"
#include "request.h"
#include "sim.h"

/* peer_is_loopback gates the control endpoints. */
void router_handle(struct sim *sim, const struct request *rq, bool peer_is_loopback, struct reply *out);
