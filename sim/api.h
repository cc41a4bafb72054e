/* The documented Mida API v2 endpoints under /v2/project/{project_key}/. */
#pragma once
#include <stdbool.h>

#include "faults.h"
#include "reply.h"
#include "request.h"
#include "sim.h"

#define API_PREFIX "/v2/project/"

struct api_route {
        enum endpoint_kind endpoint;
        char project_key[128];
        char test_id_text[32];
        long test_id;              /* 0 when absent or not a positive integer */
};

/* Splits an API path; -ENOENT when it names no documented endpoint. */
int api_route_parse(const char *path, struct api_route *route);
/* "bearer", "x-api-key", "api-key" or "none"; *key gets the credential. */
const char *api_auth_style(const struct request *rq, const char **key);
/* Answers one API request. Call with sim->lock held. */
void api_handle(struct sim *sim, const struct request *rq, const struct api_route *route,
                struct reply *out);
