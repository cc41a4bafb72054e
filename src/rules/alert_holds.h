/* Why an alert's message is held back now, if it is: a silence that
 * matches it, or an inhibit entry whose source rule fires on the same
 * experiment. Pure: the alert states, silences and time are passed in.
 *
 * A held alert still moves through its states and is journalled; what
 * waits is its message (and, when the silence has --actions or the
 * inhibit entry actions = true, its action). The alerting code owes it
 * one message once nothing holds it (alert_record.held). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct rules_state;
struct silences;

struct alert_hold {
        long long silence_id;        /* the silence holding it; 0: none */
        const char *inhibited_by;    /* the source rule holding it (borrowed from the config); NULL: none */
        bool actions;                /* its action is withheld too, by: */
        long long actions_silence_id;       /* a silence with --actions, or */
        const char *actions_inhibited_by;   /* an inhibit entry with actions = true */
};

/* Fills *out for the alert of c->rules[rule_index] on experiment_id and
 * variant_id at now, and returns whether anything holds it. A silence is
 * named before an inhibition; actions is true when either withholds them. */
bool alert_hold_find(const struct config *c, const struct rules_state *alerts, const struct silences *silences,
                     size_t rule_index, long long experiment_id, const char *variant_id, int64_t now,
                     struct alert_hold *out);

/* "silence 3", "inhibited by srm": what holds it, for the journal. */
void alert_hold_describe(const struct alert_hold *h, char *buf, size_t size);
