/* Per-endpoint handlers behind api_handle(); the experiment exists and the
 * request is authenticated by the time they run. */
#pragma once
#include "api.h"

void api_result(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
void api_set_status(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
void api_serve_winner(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out);
/* A number rounded to 2 decimals, written as such (8.0, 10.25). */
struct json_object *api_percent(double x);
