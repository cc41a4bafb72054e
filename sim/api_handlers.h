/* Per-endpoint handlers behind api_handle(); the experiment exists and the
 * request is authenticated by the time they run. */
#pragma once
#include "reply.h"
#include "request.h"
#include "sim.h"

void api_result(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
/* The documented status rules for a change to `to` (0, 1 or 9): 0 when
 * allowed, else the HTTP status (400, or 403 at the plan cap) with *why set.
 * PATCH .../status and the control endpoint /__experiment share them. */
unsigned api_status_check(const struct sim *sim, const struct experiment *e, int to, const char **why);
/* Applies an allowed change at the current simulated time: traffic stops
 * unless live, resumes when live again (unless serving a winner). -ENOMEM. */
int api_status_apply(struct sim *sim, struct experiment *e, int to);
void api_set_status(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
void api_serve_winner(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
