/* Chart.js for /static/chart.js, from the directory it is installed in
 * (Debian's libjs-chart.js: /usr/share/javascript/chart.js; configure
 * --with-chartjs=PATH elsewhere): the first of chart.min.js, chart.umd.js
 * and Chart.min.js there. */
#pragma once
#include <stddef.h>

#define WEB_CHARTJS_MAX_SIZE (8u << 20)

/* 0 with *body (malloc'd) and *len; -ENOENT when dir has none of them,
 * -EFBIG when larger than WEB_CHARTJS_MAX_SIZE, or another -errno. */
int web_chartjs_read(const char *dir, char **body, size_t *len);
