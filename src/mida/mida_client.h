/* The request half of the Mida API: builds each documented request, sends it
 * through http.c, and turns failures into messages an operator can act on.
 * Response bodies are parsed by mida.c. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "http.h"

struct config_mida;

enum mida_call {
        MIDA_CALL_LIST,          /* GET  /experiments */
        MIDA_CALL_RESULT,        /* GET  /experiment/{id}/result */
        MIDA_CALL_STATUS,        /* PATCH /experiment/{id}/status */
        MIDA_CALL_SERVE_WINNER,  /* POST /experiment/{id}/serve-winner */
};

#define MIDA_LIST_PAGE_SIZE 500   /* the documented maximum */

int mida_list_experiments(struct http_client *http, const struct config_mida *api, long offset,
                          http_done_fn done, void *userdata, struct http_transfer **ret);
int mida_get_result(struct http_client *http, const struct config_mida *api, long long id,
                    http_done_fn done, void *userdata, struct http_transfer **ret);
int mida_set_status(struct http_client *http, const struct config_mida *api, long long id,
                    int status, http_done_fn done, void *userdata, struct http_transfer **ret);
int mida_serve_winner(struct http_client *http, const struct config_mida *api, long long id,
                      const char *variant_id, int traffic_allocation,
                      http_done_fn done, void *userdata, struct http_transfer **ret);

/* Each returns 0 (done will run) or a negative errno; *ret (may be NULL)
 * is the handle for http_transfer_cancel() until done runs. */

/* Whether retrying later may help: transport errors, 408, 429 and 5xx. */
bool mida_failure_is_transient(int http_status);
/* The same without the status code, for records that keep it apart:
 * "API key rejected: invalid key". */
void mida_failure_reason(enum mida_call call, const struct http_response *r, char *buf, size_t size);
/* One line for the journal and `status`, e.g. "API key rejected (HTTP 401)"
 * or "timed out after 30 s". Never contains the API key. */
void mida_describe_failure(enum mida_call call, const struct http_response *r,
                           char *buf, size_t size);
