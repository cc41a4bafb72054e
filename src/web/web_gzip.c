#include "web_gzip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

int web_gzip(const char *data, size_t len, char **ret, size_t *ret_len)
{
        z_stream z = { 0 };
        uLong bound;
        char *out;
        int r;

        /* windowBits 15 + 16: the gzip wrapper rather than zlib's. */
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        bound = deflateBound(&z, (uLong) len);
        out = malloc(bound);
        if (!out) {
                deflateEnd(&z);
                return -ENOMEM;
        }
        z.next_in = (Bytef *) data;
        z.avail_in = (uInt) len;
        z.next_out = (Bytef *) out;
        z.avail_out = (uInt) bound;
        r = deflate(&z, Z_FINISH);
        *ret_len = z.total_out;
        deflateEnd(&z);
        if (r != Z_STREAM_END) {
                free(out);
                return -ENOMEM;
        }
        *ret = out;
        return 0;
}

/* The q value of one coding ("gzip;q=0.5" → 0.5); 1 without one. */
static double quality(const char *params, size_t n)
{
        const char *q = memchr(params, ';', n);

        while (q && (size_t) (q - params) < n) {
                q++;
                while (*q == ' ')
                        q++;
                if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
                        return strtod(q + 2, NULL);
                q = memchr(q, ';', n - (size_t) (q - params));
        }
        return 1;
}

bool web_accepts_gzip(const char *accept_encoding)
{
        const char *p = accept_encoding;

        while (p && *p) {
                size_t n = strcspn(p, ","), name;

                while (*p == ' ' && n > 0)
                        p++, n--;
                name = strcspn(p, " ;,");
                if (((name == 4 && strncasecmp(p, "gzip", 4) == 0) || (name == 1 && *p == '*')) && quality(p, n) > 0)
                        return true;
                p += n;
                if (*p == ',')
                        p++;
        }
        return false;
}
