/* API path routing and authentication styles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"

static bool copy_segment(char *dst, size_t len, const char *start, size_t n)
{
        if (n == 0 || n >= len)
                return false;
        memcpy(dst, start, n);
        dst[n] = '\0';
        return true;
}

static long parse_id(const char *s)
{
        char *end;
        long v = strtol(s, &end, 10);
        return *s >= '0' && *s <= '9' && !*end && v > 0 ? v : 0;
}

static enum endpoint_kind experiment_suffix(const char *s, bool *ok)
{
        *ok = true;
        if (!*s)
                return EP_DETAILS;
        if (!strcmp(s, "/result"))
                return EP_RESULT;
        if (!strcmp(s, "/status"))
                return EP_STATUS;
        if (!strcmp(s, "/serve-winner"))
                return EP_SERVE_WINNER;
        *ok = false;
        return EP_ANY;
}

int api_route_parse(const char *path, struct api_route *route)
{
        *route = (struct api_route){ 0 };
        if (strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0)
                return -ENOENT;
        const char *key = path + strlen(API_PREFIX), *slash = strchr(key, '/');
        if (!slash || !copy_segment(route->project_key, sizeof(route->project_key), key, (size_t)(slash - key)))
                return -ENOENT;
        const char *rest = slash + 1;
        if (!strcmp(rest, "experiments")) {
                route->endpoint = EP_LIST;
                return 0;
        }
        if (strncmp(rest, "experiment/", 11) != 0)
                return -ENOENT;
        const char *id = rest + 11, *end = strchr(id, '/');
        size_t n = end ? (size_t)(end - id) : strlen(id);
        if (!copy_segment(route->test_id_text, sizeof(route->test_id_text), id, n))
                return -ENOENT;
        bool ok;
        route->endpoint = experiment_suffix(id + n, &ok);
        route->test_id = parse_id(route->test_id_text);
        return ok ? 0 : -ENOENT;
}

const char *api_auth_style(const struct request *rq, const char **key)
{
        const char *v = request_header(rq, "Authorization");
        if (v && !strncasecmp(v, "Bearer ", 7)) {
                *key = v + 7;
                return "bearer";
        }
        if ((v = request_header(rq, "x-api-key"))) {
                *key = v;
                return "x-api-key";
        }
        if ((v = request_header(rq, "api-key"))) {
                *key = v;
                return "api-key";
        }
        *key = NULL;
        return "none";
}
