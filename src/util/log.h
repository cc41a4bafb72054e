/* Room util/: what every room shares and nothing in it decides — logging,
 * growth by doubling, numbers and text as JSON and people read them
 * (double_format, text_format), typed json-c reads whose errors name the
 * field, atomic files, "did you mean" suggestions.
 * May use: no other room (libc, json-c, sd-journal only).
 * Used by: every room.
 *
 * Logging: structured records to the systemd journal, or readable lines on
 * stderr when not running under journald. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* Stable MESSAGE_IDs, one per kind of event (see systemd/mida-monitor.catalog). */
#define MIDA_MSGID_STARTED            "70ade8a78614430da9c5d16307e0b96b"
#define MIDA_MSGID_STOPPED            "46058be668704f25b37fd7523db47296"
#define MIDA_MSGID_POLL_FAILED        "86e1afccd2a44a799773e7801024d1da"
#define MIDA_MSGID_EXPERIMENT_ADDED   "d00459dbc11844aab564f8636d318881"
#define MIDA_MSGID_EXPERIMENT_DROPPED "83a284b58fdc4c9d9ccc306c135a3729"
#define MIDA_MSGID_ANALYSIS           "2a13443e15ff401883dd4d89be1fcc75"
#define MIDA_MSGID_CONFIG_RELOADED    "d7317d3cb90f4a5bb49cd45984077f0c"
#define MIDA_MSGID_ALERT_PENDING      "5ed430a493ea4ee8954af113f321b7ab"
#define MIDA_MSGID_ALERT_FIRED        "39ad6446edbe42f4a7e352e61c7c6318"
#define MIDA_MSGID_ALERT_RESOLVED     "1f1e918f08634cad9064ec126cbe48a7"
#define MIDA_MSGID_ACTION_TAKEN       "3848392e6c924d8f94faed9682e7742b"
#define MIDA_MSGID_ACTION_FAILED      "65d63d9b87474a9698a9f4316077d1bd"
#define MIDA_MSGID_DELIVERY_FAILED    "e035e381620343efae964f8d63b3720e"
#define MIDA_MSGID_ALERT_HELD         "df0ea01c52944de2a5d98f2b7c0fca13"
#define MIDA_MSGID_ALERT_RELEASED     "3c8d154dfbf04b11b3a100b2136b6f19"
#define MIDA_MSGID_ACTION_WITHHELD    "5151b0383b134145b70fd0699fbccc04"
#define MIDA_MSGID_LIFECYCLE          "f5df832efc7642108741e47697f62731"
#define MIDA_MSGID_DIGEST_SENT        "586418e903304c9b90a32e971c00aba1"
#define MIDA_MSGID_DIGEST_SKIPPED     "897966060e5d4e709fb80dc29e15af31"
#define MIDA_MSGID_HEALTH_DEGRADED    "4586bd92aa0f4d99853adecbbbd1282e"
#define MIDA_MSGID_HEALTH_RECOVERED   "fe01f359d18b42fa9b1f4fe3e2435179"
/* A health condition first detected (health.h), one MESSAGE_ID per condition. */
#define MIDA_MSGID_HEALTH_API_KEY_REJECTED   "cf59b3c94e2b41b7b995d80eca84ffda"
#define MIDA_MSGID_HEALTH_API_FAILING        "bbdbd2969854409e93b91a0076bc6683"
#define MIDA_MSGID_HEALTH_EXPERIMENT_FAILING "79a74b5b29544412b925f0feb3142865"
#define MIDA_MSGID_HEALTH_DELIVERY_FAILING   "6f6ab4c4935c47449457eceb3336f614"
#define MIDA_MSGID_HEALTH_STATE_NOT_WRITABLE "b99c2bf523194e79a18ddd07796bf1a8"
#define MIDA_MSGID_HEALTH_EXPERIMENT_STALLED "836ec1e558a847ba86098dcace1ba94a"

/* One structured journal field, e.g. { "MIDA_EXPERIMENT_ID", "1234" }. */
struct log_field {
        const char *key;
        const char *value;
};

enum log_target { LOG_TARGET_AUTO, LOG_TARGET_STDERR, LOG_TARGET_JOURNAL };

void log_setup(enum log_target target, int max_priority);
/* Parses "error|warning|notice|info|debug"; returns the syslog priority or -1. */
int log_level_from_string(const char *s);
bool log_enabled(int priority);

/* Sends one record. message_id and fields may be NULL/0. */
void log_event(int priority, const char *message_id,
               const struct log_field *fields, size_t n_fields,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_error(...)   log_event(LOG_ERR, NULL, NULL, 0, __VA_ARGS__)
#define log_warning(...) log_event(LOG_WARNING, NULL, NULL, 0, __VA_ARGS__)
#define log_notice(...)  log_event(LOG_NOTICE, NULL, NULL, 0, __VA_ARGS__)
#define log_info(...)    log_event(LOG_INFO, NULL, NULL, 0, __VA_ARGS__)
#define log_debug(...)   log_event(LOG_DEBUG, NULL, NULL, 0, __VA_ARGS__)
