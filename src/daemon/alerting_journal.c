/* Each alert transition in the journal, with its figures as fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting.h"
#include "alerting_internal.h"
#include "config/config.h"
#include "rules/alert_holds.h"
#include "rules/rule_event.h"
#include "stats/analysis_summary.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "store/watchlist.h"
#include "util/log.h"

static void format_figure(struct alert_figure f, char *buf, size_t size)
{
        if (f.present)
                snprintf(buf, size, "%.6g", f.value);
        else
                buf[0] = 0;
}

static const char *transition_message_id(enum rule_transition_kind kind)
{
        switch (kind) {
        case RULE_TRANSITION_RESOLVED: return MIDA_MSGID_ALERT_RESOLVED;
        case RULE_TRANSITION_PENDING:  return MIDA_MSGID_ALERT_PENDING;
        default:                       return MIDA_MSGID_ALERT_FIRED;
        }
}

/* note: appended to the message, e.g. " (not sent: silence 3)"; hold
 * (may be NULL) adds MIDA_SILENCE_ID or MIDA_INHIBITED_BY, and makes a
 * fire or repeat an ALERT_HELD record; a note starting " (held back"
 * marks the release of one (ALERT_RELEASED). */
void alerting_journal_transition(const struct rule_transition *t, const struct config_rule *rule,
                               const struct alert_event *ev, const char *event_id, const struct alert_hold *hold,
                               const char *note)
{
        bool quiet = t->kind == RULE_TRANSITION_RESOLVED || t->kind == RULE_TRANSITION_PENDING;
        char id[24], lift[32], p[32], silence[24] = "";
        char *summary;
        struct log_field fields[] = {
                { "MIDA_RULE", rule->name }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_EXPERIMENT_NAME", ev->experiment_name }, { "MIDA_VARIANT_ID", ev->variant_id },
                { "MIDA_SEVERITY", ev->severity }, { "MIDA_LIFT", lift }, { "MIDA_P_VALUE", p },
                { "MIDA_EVENT_ID", event_id },
                { "MIDA_SILENCE_ID", hold && hold->silence_id ? silence : NULL },
                { "MIDA_INHIBITED_BY", hold ? hold->inhibited_by : NULL },
        };

        const char *message_id = transition_message_id(t->kind);

        if (hold && hold->silence_id)
                snprintf(silence, sizeof(silence), "%lld", hold->silence_id);
        if (hold && (t->kind == RULE_TRANSITION_FIRED || t->kind == RULE_TRANSITION_REPEAT))
                message_id = MIDA_MSGID_ALERT_HELD;
        else if (note && strncmp(note, ALERTING_RELEASE_NOTE, strlen(ALERTING_RELEASE_NOTE)) == 0)
                message_id = MIDA_MSGID_ALERT_RELEASED;
        int priority = quiet ? LOG_NOTICE : rule->severity == RULE_SEVERITY_CRITICAL ? LOG_CRIT :
                       rule->severity == RULE_SEVERITY_WARNING ? LOG_WARNING : LOG_NOTICE;

        snprintf(id, sizeof(id), "%lld", t->experiment_id);
        format_figure(ev->lift, lift, sizeof(lift));
        format_figure(ev->p_value, p, sizeof(p));
        if (t->kind == RULE_TRANSITION_PENDING) {
                log_event(priority, transition_message_id(t->kind), fields, sizeof(fields) / sizeof(fields[0]),
                          "%s pending on %s: fires if it still holds in %llu s", rule->name,
                          ev->experiment_name ? ev->experiment_name : id,
                          (unsigned long long) (rule->for_usec / 1000000));
                return;
        }
        summary = alert_event_summary(ev);
        log_event(priority, message_id, fields, sizeof(fields) / sizeof(fields[0]),
                  "%s%s%s", summary ? summary : rule->name, t->kind == RULE_TRANSITION_REPEAT ? " (repeat)" : "",
                  note ? note : "");
        free(summary);
}

