/* One message sent at once through the same request code the outbox uses,
 * in a private event loop (nothing is queued on disk), and its result
 * printed: `test-notify` and `digest --send`. The URL is never printed. */
#pragma once
#include "config/config.h"

/* Sends body to n under id and prints "WHAT NAME: delivered (HTTP 200 in
 * 0.12 s)" on stdout or "WHAT NAME: failed: ..." on stderr (what: the
 * command, "test-notify"). Returns EXIT_OK or EXIT_FAIL. */
int send_now_and_report(const char *what, const struct config_notifier *n, const char *id, const char *body);
