/* E-mail notifications (pure formatting): one RFC 5322 message per event,
 * plain text in UTF-8, quoted-printable, with CRLF line ends as SMTP wants
 * them. Date and Message-ID derive from the event, so a retried message is
 * the same message. */
#pragma once
#include <time.h>

#include "config/config.h"
#include "notify_payload.h"

/* What a message says besides its addresses. */
struct email_parts {
        const char *id;          /* Message-ID <id@instance>: the same for every retry */
        time_t date;             /* 0: ctx->now */
        const char *event;       /* X-Mida-Monitor-Event: "fired", "digest" */
        const char *subject;     /* made one line and cut here */
        const char *text;        /* the plain-text body, "\n" line ends */
};

/* An RFC 5322 message of m to n's recipients: headers, then the text as
 * quoted-printable. malloc'd, NULL on ENOMEM. */
char *email_compose(const struct config_notifier *n, const struct notify_context *ctx, const struct email_parts *m);

/* The message for ev to n's recipients. malloc'd, NULL on ENOMEM. */
char *email_message(const struct config_notifier *n, const struct alert_event *ev, const struct notify_context *ctx);

/* The Subject's text before encoding: "[mida-monitor] critical | winner
 * fired | Checkout redesign". malloc'd, NULL on ENOMEM. */
char *email_subject(const struct alert_event *ev);

/* s as quoted-printable (RFC 2045) with CRLF line ends, lines of at most 76
 * characters; the text's own line breaks ("\n") become CRLF. malloc'd. */
char *quoted_printable(const char *s);
