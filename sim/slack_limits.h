/* Slack incoming-webhook payload checks, answering what Slack answers. */
#pragma once

#define SLACK_MAX_BLOCKS 50
#define SLACK_MAX_HEADER_TEXT 150
#define SLACK_MAX_SECTION_TEXT 3000
#define SLACK_MAX_SECTION_FIELDS 10
#define SLACK_MAX_FIELD_TEXT 2000

/* NULL when the payload is acceptable, else Slack's error string:
 * "invalid_payload" (not a JSON object), "no_text" (neither text nor
 * blocks) or "invalid_blocks" (a block breaks a limit). */
const char *slack_check_payload(const char *body);
