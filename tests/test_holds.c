/* What holds an alert back: silences (matching, time window, --actions),
 * inhibit entries (their config checks and their effect while the source
 * fires), and the times `silence --until` accepts. Pure, no daemon. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config_fixture.h"
#include "rules/alert_holds.h"
#include "rules/rules.h"
#include "rules/silences.h"
#include "util/time_parse.h"

#define NOW 1700000000

static struct silence silence(long long id, long long experiment, const char *rule, const char *variant,
                              int64_t starts, int64_t ends, bool actions)
{
        return (struct silence) { .id = id, .experiment_id = experiment, .rule = (char *) rule,
                                  .variant_id = (char *) variant, .starts_at = starts, .ends_at = ends,
                                  .actions = actions };
}

Test(silences, match_by_experiment_rule_variant_and_time)
{
        struct silence items[] = {
                silence(1, 1001, NULL, NULL, NOW - 10, NOW + 10, false),
                silence(2, 0, "harm", NULL, NOW - 10, NOW + 10, true),
                silence(3, 1003, "winner", "2", NOW - 10, NOW + 10, false),
                silence(4, 1004, NULL, NULL, NOW + 5, NOW + 10, false),     /* not yet */
                silence(5, 1005, NULL, NULL, NOW - 10, NOW, false),         /* just ended */
        };
        struct silences s = { .items = items, .n = 5 };
        const struct silence *m;

        cr_expect_eq(silences_match(&s, "winner", 1001, "1", NOW, false)->id, 1);
        cr_expect_null(silences_match(&s, "winner", 1001, "1", NOW, true), "silence 1 keeps actions");
        cr_expect_eq(silences_match(&s, "harm", 9, "", NOW, true)->id, 2);
        cr_expect_eq(silences_match(&s, "winner", 1003, "2", NOW, false)->id, 3);
        cr_expect_null(silences_match(&s, "winner", 1003, "1", NOW, false), "another variant");
        cr_expect_null(silences_match(&s, "winner", 1003, NULL, NOW, false), "the experiment-level alert");
        cr_expect_null(silences_match(&s, "winner", 1004, "1", NOW, false), "starts later");
        m = silences_match(&s, "winner", 1004, "1", NOW + 5, false);
        cr_expect(m && m->id == 4, "in force from its start");
        cr_expect_null(silences_match(&s, "winner", 1005, "1", NOW, false), "ends at ends_at");
        cr_expect_null(silences_match(NULL, "winner", 1001, "1", NOW, false));
}

/* A config with rules srm, harm, winner and `inhibit` as given; errors in *d. */
static int load_inhibit(const char *inhibit, struct config **c, struct config_diag *d, char *path, size_t size)
{
        char text[1024];

        snprintf(text, sizeof(text), "mida: { project_key = \"p\"; api_key = \"k\"; };\n"
                 "rules = ( { name = \"srm\"; when = \"srm_p < 0.001\"; },\n"
                 "  { name = \"harm\"; when = \"significant && lift < 0\"; action = \"pause\"; },\n"
                 "  { name = \"winner\"; when = \"significant && lift > 0\"; } );\n"
                 "inhibit = %s;\n", inhibit);
        return config_fixture_load(text, c, d, path, size);
}

Test(inhibit, config_checks_names_self_and_cycles)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        char path[128];

        cr_expect_lt(load_inhibit("( { source = \"srn\"; targets = [ \"harm\" ]; } )", &c, &d, path, sizeof(path)), 0);
        cr_expect(config_fixture_has_error(&d, path, 5, "unknown rule 'srn' in source of an inhibit entry (did you mean 'srm'?)"));
        config_diag_clear(&d);
        cr_expect_lt(load_inhibit("( { source = \"srm\"; targets = [ \"srm\" ]; } )", &c, &d, path, sizeof(path)), 0);
        cr_expect(config_fixture_has_error(&d, path, 5, "rule 'srm' cannot inhibit itself"));
        config_diag_clear(&d);
        cr_expect_lt(load_inhibit("( { source = \"srm\"; targets = [ \"harm\" ]; },\n"
                                  "  { source = \"harm\"; targets = [ \"winner\" ]; },\n"
                                  "  { source = \"winner\"; targets = \"srm\"; } )", &c, &d, path, sizeof(path)), 0);
        cr_expect(config_fixture_has_error(&d, path, 5, "inhibit: rule 'srm' holds back 'harm', which (through the other entries) "
                                         "holds back 'srm': a cycle would keep both silent"));
        config_diag_clear(&d);
        cr_expect_lt(load_inhibit("( { source = \"srm\"; } )", &c, &d, path, sizeof(path)), 0);
        cr_expect(config_fixture_has_error(&d, path, 5, "an inhibit entry needs 'targets': the rules it holds back"));
        config_diag_clear(&d);
}

Test(inhibit, holds_targets_while_the_source_fires_on_that_experiment)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        char path[128];
        struct alert_record records[] = {
                { .rule = "srm", .experiment_id = 2001, .variant_id = "", .state = ALERT_FIRING },
                { .rule = "srm", .experiment_id = 2002, .variant_id = "", .state = ALERT_PENDING },
        };
        struct rules_state alerts = { .records = records, .n = 2 };
        struct silence items[] = { silence(7, 2001, "winner", NULL, NOW - 1, NOW + 1, false) };
        struct silences s = { .items = items, .n = 1 };
        struct alert_hold h;
        char what[64];

        cr_assert_eq(load_inhibit("( { source = \"srm\"; targets = [ \"harm\", \"winner\" ]; actions = true; } )",
                                  &c, &d, path, sizeof(path)), 0);
        cr_expect(alert_hold_find(c, &alerts, NULL, 1, 2001, "1", NOW, &h));
        cr_expect_str_eq(h.inhibited_by, "srm");
        cr_expect(h.actions);
        alert_hold_describe(&h, what, sizeof(what));
        cr_expect_str_eq(what, "inhibited by srm");
        cr_expect_not(alert_hold_find(c, &alerts, NULL, 1, 2002, "1", NOW, &h), "srm only pending there");
        cr_expect_not(alert_hold_find(c, &alerts, NULL, 1, 2003, "1", NOW, &h), "another experiment");
        cr_expect_not(alert_hold_find(c, &alerts, NULL, 0, 2001, NULL, NOW, &h), "the source is not held");
        cr_expect(alert_hold_find(c, &alerts, &s, 2, 2001, "1", NOW, &h));
        cr_expect_eq(h.silence_id, 7, "a silence is named first");
        alert_hold_describe(&h, what, sizeof(what));
        cr_expect_str_eq(what, "silence 7");
        config_free(c);
        config_diag_clear(&d);
}

Test(time_parse, iso_8601_and_local_minutes)
{
        time_t t;

        setenv("TZ", "Europe/Berlin", 1);
        tzset();
        cr_expect_eq(time_parse("2023-11-14T22:13:20Z", &t), 0);
        cr_expect_eq(t, NOW);
        cr_expect_eq(time_parse("2023-11-14T23:13:20+01:00", &t), 0);
        cr_expect_eq(t, NOW);
        cr_expect_eq(time_parse("2023-11-14T17:13:20-0500", &t), 0);
        cr_expect_eq(t, NOW);
        cr_expect_eq(time_parse("2023-11-14 23:13", &t), 0, "local time: CET, UTC+1");
        cr_expect_eq(t, NOW - 20);
        cr_expect_eq(time_parse("2023-07-01 12:00", &t), 0, "local summer time: CEST, UTC+2");
        cr_expect_eq(t, 1688205600);
        cr_expect_eq(time_parse("2023-11-14T23:13", &t), 0);
        cr_expect_eq(t, NOW - 20);
        cr_expect_lt(time_parse("tomorrow", &t), 0);
        cr_expect_lt(time_parse("2023-11-14", &t), 0);
        cr_expect_lt(time_parse("2023-11-14T22:13:20Q", &t), 0);
        cr_expect_lt(time_parse("2023-11-14T22:13:20+25:00", &t), 0);
        cr_expect_lt(time_parse(NULL, &t), 0);
        unsetenv("TZ");
        tzset();
}
