/* Requests to the Mida API v2 as documented in shared/mida-api: URLs,
 * authentication, bodies, and failure messages. */
#include "mida_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define MIDA_URL_MAX 2048

/* base_url + "/project/" + escaped key + the formatted rest. */
static int build_url(const struct config_mida *api, char *buf, size_t size, const char *rest)
{
        char *key = curl_easy_escape(NULL, api->project_key, 0);
        int n;

        if (!key)
                return -ENOMEM;
        n = snprintf(buf, size, "%s/project/%s/%s", api->base_url, key, rest);
        curl_free(key);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int send_request(struct http_client *http, const struct config_mida *api, enum http_method method,
                const char *rest, const char *body, http_done_fn done, void *userdata,
                        struct http_transfer **ret)
{
        char url[MIDA_URL_MAX];
        char *auth = NULL;
        const char *headers[3] = { NULL };
        struct http_request req = { .method = method, .url = url, .headers = headers };
        int r = build_url(api, url, sizeof(url), rest);

        if (r < 0)
                return r;
        /* The documented, recommended header. */
        if (asprintf(&auth, "Authorization: Bearer %s", api->api_key ? api->api_key : "") < 0)
                return -ENOMEM;
        headers[0] = auth;
        if (body) {
                headers[1] = "Content-Type: application/json";
                req.body = body;
                req.body_len = strlen(body);
        }
        r = http_request(http, &req, done, userdata, ret);
        /* The key must not linger in freed heap memory longer than needed. */
        explicit_bzero(auth, strlen(auth));
        free(auth);
        return r;
}

int mida_list_experiments(struct http_client *http, const struct config_mida *api, long offset,
                          http_done_fn done, void *userdata, struct http_transfer **ret)
{
        char rest[96];

        snprintf(rest, sizeof(rest), "experiments?limit=%d&offset=%ld", MIDA_LIST_PAGE_SIZE, offset);
        return send_request(http, api, HTTP_GET, rest, NULL, done, userdata, ret);
}

int mida_get_result(struct http_client *http, const struct config_mida *api, long long id,
                    http_done_fn done, void *userdata, struct http_transfer **ret)
{
        char rest[64];

        snprintf(rest, sizeof(rest), "experiment/%lld/result", id);
        return send_request(http, api, HTTP_GET, rest, NULL, done, userdata, ret);
}

int mida_set_status(struct http_client *http, const struct config_mida *api, long long id,
                    int status, http_done_fn done, void *userdata, struct http_transfer **ret)
{
        char rest[64], body[32];

        snprintf(rest, sizeof(rest), "experiment/%lld/status", id);
        snprintf(body, sizeof(body), "{\"status\": %d}", status);
        return send_request(http, api, HTTP_PATCH, rest, body, done, userdata, ret);
}

int mida_serve_winner(struct http_client *http, const struct config_mida *api, long long id,
                      const char *variant_id, int traffic_allocation,
                      http_done_fn done, void *userdata, struct http_transfer **ret)
{
        json_object *body = json_object_new_object();
        char rest[64];
        int r;

        json_object_object_add(body, "variant_id", json_object_new_string(variant_id));
        json_object_object_add(body, "traffic_allocation", json_object_new_int(traffic_allocation));
        snprintf(rest, sizeof(rest), "experiment/%lld/serve-winner", id);
        r = send_request(http, api, HTTP_POST, rest,
                 json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), done, userdata, ret);
        json_object_put(body);
        return r;
}

bool mida_failure_is_transient(int http_status)
{
        return http_status == 0 || http_status == 408 || http_status == 429 || http_status >= 500;
}

static const char *status_meaning(enum mida_call call, int status)
{
        switch (status) {
        case 400: return "request rejected as invalid";
        case 401: return "API key rejected";
        case 403: return call == MIDA_CALL_STATUS ? "status change refused (plan limit, or the key lacks permission)"
                                                  : "API key not allowed to do this";
        case 404: return call == MIDA_CALL_LIST ? "project key not found" : "experiment not found";
        case 409: return "experiment cannot serve a winner (draft, already serving, or not allowed)";
        case 429: return "rate limited by the Mida API";
        default: return status >= 500 ? "Mida API server error" : "unexpected HTTP status";
        }
}

/* The API's own {"error": "..."} text, if any, cut short and printable. */
static void api_error_text(const struct http_response *r, char *buf, size_t size)
{
        json_object *root = r->body ? json_tokener_parse(r->body) : NULL;
        json_object *err;

        buf[0] = 0;
        if (root && json_object_object_get_ex(root, "error", &err) && json_object_is_type(err, json_type_string))
                snprintf(buf, size, "%s", json_object_get_string(err));
        json_object_put(root);
        for (char *p = buf; *p; p++)
                if ((unsigned char) *p < 0x20)
                        *p = ' ';
}

void mida_failure_reason(enum mida_call call, const struct http_response *r, char *buf, size_t size)
{
        char detail[120];

        if (r->status == 0) {
                snprintf(buf, size, "%s", r->error ? r->error : "no response");
                return;
        }
        api_error_text(r, detail, sizeof(detail));
        snprintf(buf, size, "%s%s%s", status_meaning(call, r->status), detail[0] ? ": " : "", detail);
}

void mida_describe_failure(enum mida_call call, const struct http_response *r,
                           char *buf, size_t size)
{
        char detail[120];

        if (r->status == 0) {
                snprintf(buf, size, "%s", r->error ? r->error : "no response");
                return;
        }
        api_error_text(r, detail, sizeof(detail));
        if (detail[0])
                snprintf(buf, size, "%s (HTTP %d: %s)", status_meaning(call, r->status), r->status, detail);
        else
                snprintf(buf, size, "%s (HTTP %d)", status_meaning(call, r->status), r->status);
}
