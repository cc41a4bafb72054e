/* Per-endpoint handlers behind api_handle(); the experiment exists and the
 * request is authenticated by the time they run. */
#pragma once
#include "reply.h"
#include "request.h"
#include "sim.h"

void api_result(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
void api_set_status(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
void api_serve_winner(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
