/* Digests: their config checks (FILE:LINE), when one is due (the latest
 * slot once, older missed ones skipped, nothing before it was armed), and
 * the store rows that make a slot's digest once only. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config_fixture.h"
#include "daemon/digests.h"
#include "store/db.h"
#include "store/digest_rows.h"
#include "store_fixture.h"

/* A config with notifiers slack, am (alertmanager) and `digests` as given. */
static int load_digests(const char *digests, struct config **c, struct config_diag *d, char *path, size_t size)
{
        char text[1024];

        snprintf(text, sizeof(text), "mida: { project_key = \"p\"; api_key = \"k\"; };\n"
                 "notifiers = ( { name = \"slack\"; type = \"slack\"; url = \"https://hooks.slack.com/x\"; },\n"
                 "  { name = \"am\"; type = \"alertmanager\"; url = \"https://am.example.com\"; } );\n"
                 "digests = %s;\n", digests);
        return config_fixture_load(text, c, d, path, size);
}

static void expect_rejected(const char *digests, unsigned line, const char *text)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        char path[128];

        cr_expect_lt(load_digests(digests, &c, &d, path, sizeof(path)), 0, "%s", digests);
        cr_expect(config_fixture_has_error(&d, path, line, text), "%s", text);
        config_diag_clear(&d);
}

Test(digests_config, every_setting_is_checked_at_its_line)
{
        expect_rejected("( { name = \"w\"; schedule = \"mon 9:00\"; notify = [ \"slack\" ]; } )", 4,
                        "schedule \"mon 9:00\" of digest 'w': time must be HH:MM (24-hour), e.g. 09:00");
        expect_rejected("( { name = \"w\";\n schedule = \"daily 09:00\";\n timezone = \"Europe/Berln\"; notify = \"slack\"; } )",
                        6, "unknown timezone 'Europe/Berln' in digest 'w': use an IANA name from tzdata, e.g. "
                           "\"Europe/Berlin\" (see timedatectl list-timezones)");
        expect_rejected("( { name = \"w\"; schedule = \"daily 09:00\"; } )", 4,
                        "digest 'w' needs 'notify': the notifiers it is sent to");
        expect_rejected("( { name = \"w\"; schedule = \"daily 09:00\"; notify = [ \"am\" ]; } )", 4,
                        "notifier 'am' of digest 'w' is of type alertmanager, which takes alerts, not digests: send "
                        "digests to slack, webhook, teams or email notifiers");
        expect_rejected("( { name = \"w\"; schedule = \"daily 09:00\"; notify = [ \"slak\" ]; } )", 4,
                        "unknown notifier 'slak' in notify of digest 'w' (did you mean 'slack'?)");
        expect_rejected("( { name = \"w\"; notify = [ \"slack\" ]; } )", 4,
                        "missing required setting 'schedule' in digest 'w'");
        expect_rejected("( { name = \"w\"; schedule = \"daily 09:00\"; notify = [ \"slack\" ]; when = 1; } )", 4,
                        "unknown setting 'when' in digest 'w'");
}

Test(digests_config, a_valid_digest_is_loaded)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        const struct config_digest *g;
        char path[128];

        cr_assert_eq(load_digests("( { name = \"weekly\"; schedule = \"mon,thu 09:30\"; timezone = \"Europe/Berlin\";\n"
                                  "  notify = [ \"slack\" ]; experiments = [ \"Checkout*\", \"1002\" ]; } )",
                                  &c, &d, path, sizeof(path)), 0, "%s", d.n_messages ? d.messages[0].text : "");
        g = config_find_digest(c, "weekly");
        cr_assert_not_null(g);
        cr_expect_eq(g->schedule.days, (1u << 1) | (1u << 4));
        cr_expect_eq(g->schedule.hour, 9);
        cr_expect_eq(g->schedule.minute, 30);
        cr_expect_str_eq(g->timezone, "Europe/Berlin");
        cr_expect_eq(g->n_notify, 1);
        cr_expect(config_experiment_filter(g->experiments, g->n_experiments, 1002, NULL));
        cr_expect(config_experiment_filter(g->experiments, g->n_experiments, 7, "Checkout v2"));
        cr_expect_not(config_experiment_filter(g->experiments, g->n_experiments, 7, "Pricing"));
        cr_expect_null(config_find_digest(c, "daily"));
        config_free(c);
        config_diag_clear(&d);
}

/* 2026-12-07 (a Monday) 09:00 UTC, and a day. */
#define MON_0900 1796634000LL
#define DAY 86400LL

Test(digest_due, the_latest_slot_once_and_older_ones_skipped)
{
        struct weekly_schedule daily = { .days = WEEKLY_SCHEDULE_DAILY, .hour = 9 };
        struct digest_due due;

        /* Armed long ago, the last one sent yesterday: today's is due. */
        due = digest_due(&daily, "UTC", MON_0900 - 30 * DAY, MON_0900 - DAY, MON_0900 + 5);
        cr_expect_eq(due.slot, MON_0900);
        cr_expect_eq(due.skipped, 0);
        /* Sent already: nothing. */
        due = digest_due(&daily, "UTC", MON_0900 - 30 * DAY, MON_0900, MON_0900 + 3600);
        cr_expect_eq(due.slot, 0);
        /* Down for three days: the latest is sent, the two before skipped. */
        due = digest_due(&daily, "UTC", MON_0900 - 30 * DAY, MON_0900 - 3 * DAY, MON_0900 + 3600);
        cr_expect_eq(due.slot, MON_0900);
        cr_expect_eq(due.skipped, 2);
        cr_expect_eq(due.oldest_skipped, MON_0900 - 2 * DAY);
        /* Added to the config after today's time: nothing until tomorrow. */
        due = digest_due(&daily, "UTC", MON_0900 + 60, 0, MON_0900 + 120);
        cr_expect_eq(due.slot, 0);
        due = digest_due(&daily, "UTC", MON_0900 + 60, 0, MON_0900 + DAY);
        cr_expect_eq(due.slot, MON_0900 + DAY);
        cr_expect_eq(due.skipped, 0);
        /* Armed at the very second of a slot: that slot counts. */
        due = digest_due(&daily, "UTC", MON_0900, 0, MON_0900);
        cr_expect_eq(due.slot, MON_0900);
}

Test(digest_due, weekly_in_a_time_zone)
{
        /* Mondays 09:00 in Berlin: 08:00 UTC in December. */
        struct weekly_schedule mon = { .days = 1u << 1, .hour = 9 };
        struct digest_due due = digest_due(&mon, "Europe/Berlin", MON_0900 - 60 * DAY, MON_0900 - 14 * DAY,
                                           MON_0900 + 3 * DAY);

        cr_expect_eq(due.slot, MON_0900 - 3600);
        cr_expect_eq(due.skipped, 1);
        cr_expect_eq(due.oldest_skipped, MON_0900 - 3600 - 7 * DAY);
}

TestSuite(digest_rows, .init = store_fixture_make_dir, .fini = store_fixture_remove_dir);

Test(digest_rows, a_slot_is_recorded_once)
{
        struct store *s = NULL;
        int64_t last = 0, armed = 0;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(store_digest_last(s, "daily", &last), 0);
        cr_expect_eq(store_digest_add(s, &(struct store_digest_row) { .name = "daily", .slot = 100, .id = "evt_a",
                                                                      .sent_at = 101 }), 0);
        cr_expect_eq(store_digest_add(s, &(struct store_digest_row) { .name = "daily", .slot = 100, .id = "evt_b",
                                                                      .sent_at = 102 }), -EEXIST);
        cr_expect_eq(store_digest_add(s, &(struct store_digest_row) { .name = "daily", .slot = 150, .extra = true,
                                                                      .id = "evt_c", .sent_at = 150 }), 0);
        cr_expect_eq(store_digest_last(s, "daily", &last), 1);
        cr_expect_eq(last, 100, "an extra is not the scheduled one");
        cr_expect_eq(store_digest_armed(s, "daily", 50, &armed), 0);
        cr_expect_eq(armed, 50);
        cr_expect_eq(store_digest_armed(s, "daily", 80, &armed), 0);
        cr_expect_eq(armed, 50, "armed once");
        store_close(s);
}

static int count_log(void *userdata, const struct store_alert_log_row *row)
{
        int *n = userdata;

        cr_expect_str_eq(row->rule, "big");
        cr_expect(row->variant_id == NULL || strcmp(row->variant_id, "1") == 0);
        (*n)++;
        return 0;
}

Test(digest_rows, the_alert_log_and_counts_then)
{
        struct store *s = NULL;
        int n = 0;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_expect_eq(store_alert_log_add(s, &(struct store_alert_log_row) { .at = 10, .rule = "big",
                                                                            .experiment_id = 1, .variant_id = "1" }), 0);
        cr_expect_eq(store_alert_log_add(s, &(struct store_alert_log_row) { .at = 20, .rule = "big",
                                                                            .experiment_id = 1, .resolved = true }), 0);
        cr_expect_eq(store_alert_log_add(s, &(struct store_alert_log_row) { .at = 30, .rule = "big",
                                                                            .experiment_id = 2 }), 0);
        cr_expect_eq(store_alert_log_each(s, 15, 1, count_log, &n), 0);
        cr_expect_eq(n, 1, "experiment 1's since 15");
        n = 0;
        cr_expect_eq(store_alert_log_each(s, 15, 0, count_log, &n), 0);
        cr_expect_eq(n, 2, "every experiment's since 15");
        cr_expect_eq(store_alert_log_prune(s, 15, 100), 1);
        n = 0;
        cr_expect_eq(store_alert_log_each(s, 0, 0, count_log, &n), 0);
        cr_expect_eq(n, 2);
        store_close(s);
}
