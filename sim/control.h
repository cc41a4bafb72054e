/* Control endpoints under /__ (no auth; the server listens on loopback and
 * refuses other peers): clock, rates, weights, dashboard changes to
 * experiments, faults, request log, hooks, reset. */
#pragma once
#include "reply.h"
#include "request.h"
#include "sim.h"

#define CONTROL_PREFIX "/__"

/* Answers one control request. Call with sim->lock held. */
void control_handle(struct sim *sim, const struct request *rq, struct reply *out);
