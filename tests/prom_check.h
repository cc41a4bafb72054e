/* A strict checker of the Prometheus text exposition format (0.0.4) as
 * node_exporter's textfile collector reads it, stricter where mida-monitor
 * promises more: every family has HELP and TYPE before its samples and
 * appears once, samples of a family are contiguous, no duplicate series or
 * label, valid names and UTF-8, only the three escapes in label values,
 * counters end in _total, no timestamps, no NaN, no blank lines, a final
 * newline. Used by test_metrics and, as tests/prom-check, by the
 * integration tests. */
#pragma once
#include <stddef.h>

/* Returns 0 when text is valid, else -1 with "line N: problem" in err. */
int prom_check(const char *text, size_t len, char *err, size_t err_size);

/* The value of the sample whose name and labels are exactly series (e.g.
 * "mida_visitors{experiment_id=\"1\",experiment_name=\"A\",variant_id=\"0\"}"),
 * as text in buf. Returns 0, or -1 when there is no such sample. */
int prom_find(const char *text, const char *series, char *buf, size_t size);
