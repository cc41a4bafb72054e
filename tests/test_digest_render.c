/* The digest's renderers: the text, the webhook JSON, Slack's message
 * within its limits whatever the number of experiments, and what each
 * notifier type is sent. Pure: no store, no network. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/digest.h"
#include "notify/notify_payload.h"
#include "util/text_format.h"

#define SLOT 1796634000        /* 2026-12-07T09:00:00Z */
#define PREVIOUS 1796029200    /* 2026-11-30T09:00:00Z */
#define SUNDAY 1796565720      /* 2026-12-06T14:02:00Z */
#define THURSDAY 1796286600    /* 2026-12-03T08:30:00Z */

#define F(v) { true, (v) }

static const struct digest_variant checkout_variants[] = {
        { .variant_id = "0", .name = "A", .control = true, .visitors = 12100, .conversions = 1210 },
        { .variant_id = "1", .name = "B", .visitors = 12210, .conversions = 1320, .lift = F(0.041),
          .lift_low = F(-0.005), .lift_high = F(0.089), .p_value = F(0.031), .prob_beat_control = F(0.91),
          .significant = true, .visitors_to_decision = F(15000), .days_to_decision = F(3.2), .lift_then = F(0.02) },
        { .variant_id = "2", .name = "C", .visitors = 150, .conversions = 30, .lift = F(0.2), .p_value = F(0.5),
          .prob_beat_control = F(0.7), .below_guards = true, .days_to_decision = F(89.3), .underpowered = true },
};

static const struct digest_variant pricing_variants[] = {
        { .variant_id = "0", .name = "Control", .control = true, .visitors = 2500, .conversions = 0 },
        { .variant_id = "1", .visitors = 2500, .conversions = 3, .decision_reason = "flat traffic" },
};

static const struct digest_variant old_variants[] = {
        { .variant_id = "0", .name = "A", .control = true, .visitors = 4500, .conversions = 450 },
        { .variant_id = "1", .name = "B", .visitors = 4500, .conversions = 400, .lift = F(-0.1),
          .lift_low = F(-0.2), .lift_high = F(-0.01), .p_value = F(0.01), .prob_beat_control = F(0.02),
          .significant = true, .decision_reason = "already decided" },
};

static const struct digest_experiment experiments[] = {
        { .id = 123, .name = "Checkout redesign", .url = "https://app.mida.so/experiment/123", .live = true,
          .status = "live", .days_running = 12, .visitors = 24310, .visitors_gained = 8100, .srm_p = F(0.41),
          .n_variants = 3, .variants = checkout_variants },
        { .id = 124, .name = "<script>& pricing", .url = "https://app.mida.so/e/124", .live = true, .status = "live",
          .days_running = -1, .visitors = 5000, .visitors_gained = -1, .n_variants = 2, .variants = pricing_variants },
        { .id = 7, .name = "Old test", .live = false, .status = "inactive", .days_running = 30, .visitors = 9000,
          .visitors_gained = 0, .n_variants = 2, .variants = old_variants },
};

static const struct digest_alert alerts[] = {
        { .rule = "winner", .experiment_id = 123, .experiment_name = "Checkout redesign", .variant_id = "1",
          .at = SUNDAY },
        { .rule = "srm", .experiment_id = 124, .experiment_name = "<script>& pricing", .resolved = true,
          .at = THURSDAY },
};

static const struct digest_action actions[] = {
        { .rule = "harm", .experiment_id = 7, .experiment_name = "Old test", .action = "pause", .state = "done",
          .at = THURSDAY },
        { .rule = "winner", .experiment_id = 123, .experiment_name = "Checkout redesign", .action = "serve-winner",
          .state = "failed", .error = "403 plan limit", .at = SUNDAY },
};

static struct digest sample(void)
{
        return (struct digest) {
                .name = "weekly", .id = "dig_0123abcd", .scheduled_for = SLOT, .generated_at = SLOT + 5,
                .since = PREVIOUS, .instance = "host1", .healthy = true, .health = "OK",
                .n_experiments = 3, .experiments = experiments, .n_alerts = 2, .alerts = alerts,
                .n_actions = 2, .actions = actions,
        };
}

static const struct notify_context ctx = { .now = SLOT + 60, .instance = "host1" };

/* Parses with UTF-8 validation, as a receiver does; takes text. */
static json_object *parse(char *text)
{
        struct json_tokener *tok = json_tokener_new();
        json_object *o;

        cr_assert_not_null(text);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, text, (int) strlen(text));
        cr_assert_eq(json_tokener_get_error(tok), json_tokener_success, "invalid JSON: %s",
                     json_tokener_error_desc(json_tokener_get_error(tok)));
        json_tokener_free(tok);
        free(text);
        return o;
}

static json_object *round_trip(json_object *o)
{
        cr_assert_not_null(o);
        return parse(notify_json_text(o));
}

/* o's member at a dotted path ("experiments.0.variants.1.lift"), which must exist. */
static json_object *at(json_object *o, const char *path)
{
        char key[64];

        for (const char *p = path; *p;) {
                size_t len = strcspn(p, ".");

                snprintf(key, sizeof(key), "%.*s", (int) len, p);
                if (json_object_is_type(o, json_type_array)) {
                        cr_assert_lt((size_t) atoi(key), json_object_array_length(o), "no '%s' in %s", key, path);
                        o = json_object_array_get_idx(o, (size_t) atoi(key));
                } else {
                        cr_assert(json_object_object_get_ex(o, key, &o), "no '%s' in %s", key, path);
                }
                p += len + (p[len] == '.');
        }
        return o;
}

static const char *str(json_object *o, const char *path)
{
        json_object *v = at(o, path);

        cr_assert(json_object_is_type(v, json_type_string), "'%s' is not a string", path);
        return json_object_get_string(v);
}

static void expect_null(json_object *o, const char *path)
{
        cr_expect_null(at(o, path), "'%s' should be null", path);
}

static double number(json_object *o, const char *path)
{
        json_object *v = at(o, path);

        cr_assert(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int),
                  "'%s' is not a number", path);
        return json_object_get_double(v);
}

static bool boolean(json_object *o, const char *path)
{
        json_object *v = at(o, path);

        cr_assert(json_object_is_type(v, json_type_boolean), "'%s' is not a boolean", path);
        return json_object_get_boolean(v);
}

/* Whether text has line as a whole line. */
static bool has_line(const char *text, const char *line)
{
        size_t len = strlen(line);

        for (const char *p = text; (p = strstr(p, line)); p++)
                if ((p == text || p[-1] == '\n') && p[len] == '\n')
                        return true;
        return false;
}

#define expect_line(text, line) cr_expect(has_line((text), (line)), "no line \"%s\" in:\n%s", (line), (text))
#define expect_prefix(text, prefix) \
        cr_expect_eq(strncmp((text), (prefix), strlen(prefix)), 0, "\"%.300s\" does not start with \"%s\"", (text), (prefix))

Test(digest_text, lines)
{
        struct digest d = sample();
        char *t = digest_text(&d);

        cr_assert_not_null(t);
        expect_prefix(t, "Digest weekly \xe2\x80\x94 2026-12-07 09:00 UTC (since 2026-11-30 09:00 UTC)\n"
                         "Monitor on host1: OK\n\nLive experiments (2)\n");
        expect_line(t, "  Checkout redesign (#123) \xe2\x80\x94 live, day 12, 24,310 visitors "
                       "(+8,100 since the last digest), sample-ratio p 0.410");
        expect_line(t, "    A (control): 12,100 visitors, 1,210 conversions");
        expect_line(t, "    B: lift +4.1% (-0.50% \xe2\x80\xa6 +8.9%), p 0.031, 91.0% chance to beat control, significant");
        expect_line(t, "      12,210 visitors, 1,320 conversions; lift then +2.0% \xe2\x86\x92 now +4.1%");
        expect_line(t, "      time to decision ~4 days at current traffic if the lift holds");
        expect_line(t, "    C: lift +20.0%, p 0.500, 70.0% chance to beat control (too early: below the sample guards)");
        expect_line(t, "      150 visitors, 30 conversions");
        expect_line(t, "      underpowered: beyond the decision horizon, ~90 days at current traffic if the lift holds");
        expect_line(t, "  <script>& pricing (#124) \xe2\x80\x94 live, 5,000 visitors");
        expect_line(t, "    Control (control): 2,500 visitors, 0 conversions");
        expect_line(t, "    1: lift \xe2\x80\x94, p \xe2\x80\x94, \xe2\x80\x94 chance to beat control, not significant");
        expect_line(t, "      time to decision: flat traffic");
        expect_line(t, "Stopped since the last digest (1)");
        expect_line(t, "  Old test (#7) \xe2\x80\x94 inactive, day 30, 9,000 visitors (+0 since the last digest)");
        expect_line(t, "    B: lift -10.0% (-20.0% \xe2\x80\xa6 -1.0%), p 0.010, 2.0% chance to beat control, significant");
        expect_line(t, "      time to decision: already decided");
        expect_line(t, "Alerts since the last digest (2)");
        expect_line(t, "  fired: winner on Checkout redesign (#123), variant 1, 2026-12-06 14:02 UTC");
        expect_line(t, "  resolved: srm on <script>& pricing (#124), 2026-12-03 08:30 UTC");
        expect_line(t, "Actions since the last digest (2)");
        expect_line(t, "  pause on Old test (#7), rule harm: done, 2026-12-03 08:30 UTC");
        expect_line(t, "  serve-winner on Checkout redesign (#123), rule winner: failed (403 plan limit), "
                       "2026-12-06 14:02 UTC");
        /* stopped experiments after the live ones, the alerts after them */
        cr_expect_lt(strstr(t, "(#124) \xe2\x80\x94"), strstr(t, "Stopped since"));
        cr_expect_lt(strstr(t, "Old test (#7) \xe2\x80\x94"), strstr(t, "Alerts since"));
        /* a below-guards variant is never called significant */
        cr_expect_null(strstr(t, "below the sample guards), significant"));
        free(t);
}

Test(digest_text, empty_lists_say_none_and_health_shows)
{
        struct digest d = { .name = "daily", .generated_at = SLOT, .healthy = false,
                            .health = "Mida API failing since 2026-12-07 07:00 UTC: HTTP 503" };
        char *t = digest_text(&d);

        cr_assert_not_null(t);
        cr_expect_str_eq(t, "Digest daily \xe2\x80\x94 2026-12-07 09:00 UTC (the first digest)\n"
                            "Monitor: Mida API failing since 2026-12-07 07:00 UTC: HTTP 503\n"
                            "\nLive experiments\n  none\n"
                            "\nStopped since the last digest\n  none\n"
                            "\nAlerts since the last digest\n  none\n"
                            "\nActions since the last digest\n  none\n");
        free(t);
}

Test(digest_text, counts_and_times)
{
        char buf[32];

        digest_format_count(0, buf, sizeof(buf));
        cr_expect_str_eq(buf, "0");
        digest_format_count(999, buf, sizeof(buf));
        cr_expect_str_eq(buf, "999");
        digest_format_count(1000, buf, sizeof(buf));
        cr_expect_str_eq(buf, "1,000");
        digest_format_count(1234567, buf, sizeof(buf));
        cr_expect_str_eq(buf, "1,234,567");
        digest_format_count(9223372036854775807LL, buf, sizeof(buf));
        cr_expect_str_eq(buf, "9,223,372,036,854,775,807");
        digest_format_count(-1, buf, sizeof(buf));
        cr_expect_str_eq(buf, TEXT_MISSING);
        digest_format_time(SUNDAY, buf, sizeof(buf));
        cr_expect_str_eq(buf, "2026-12-06 14:02 UTC");
        digest_format_time(0, buf, sizeof(buf));
        cr_expect_str_eq(buf, TEXT_MISSING);
}

Test(digest_json, fields_and_nulls)
{
        struct digest d = sample();
        json_object *o = round_trip(digest_json(&d));

        cr_expect_eq(number(o, "version"), DIGEST_PAYLOAD_VERSION);
        cr_expect_str_eq(str(o, "event"), "digest");
        cr_expect_str_eq(str(o, "id"), "dig_0123abcd");
        cr_expect_str_eq(str(o, "digest"), "weekly");
        cr_expect_str_eq(str(o, "scheduled_for"), "2026-12-07T09:00:00Z");
        cr_expect_str_eq(str(o, "generated_at"), "2026-12-07T09:00:05Z");
        cr_expect_str_eq(str(o, "since"), "2026-11-30T09:00:00Z");
        cr_expect_str_eq(str(o, "instance"), "host1");
        cr_expect(boolean(o, "monitor.healthy"));
        cr_expect_str_eq(str(o, "monitor.health"), "OK");
        cr_assert_eq(json_object_array_length(at(o, "experiments")), 3);

        cr_expect_eq(number(o, "experiments.0.id"), 123);
        cr_expect_str_eq(str(o, "experiments.0.name"), "Checkout redesign");
        cr_expect_str_eq(str(o, "experiments.0.url"), "https://app.mida.so/experiment/123");
        cr_expect(boolean(o, "experiments.0.live"));
        cr_expect_str_eq(str(o, "experiments.0.status"), "live");
        cr_expect_eq(number(o, "experiments.0.days_running"), 12);
        cr_expect_eq(number(o, "experiments.0.visitors"), 24310);
        cr_expect_eq(number(o, "experiments.0.visitors_gained"), 8100);
        cr_expect_eq(number(o, "experiments.0.srm_p"), 0.41);
        cr_assert_eq(json_object_array_length(at(o, "experiments.0.variants")), 3);

        /* the control: counts, and null for what only a variant against it has */
        cr_expect_str_eq(str(o, "experiments.0.variants.0.id"), "0");
        cr_expect(boolean(o, "experiments.0.variants.0.control"));
        cr_expect_eq(number(o, "experiments.0.variants.0.conversions"), 1210);
        expect_null(o, "experiments.0.variants.0.lift");
        expect_null(o, "experiments.0.variants.0.significant");
        expect_null(o, "experiments.0.variants.0.below_guards");
        expect_null(o, "experiments.0.variants.0.underpowered");

        cr_expect_str_eq(str(o, "experiments.0.variants.1.name"), "B");
        cr_expect_not(boolean(o, "experiments.0.variants.1.control"));
        cr_expect_eq(number(o, "experiments.0.variants.1.visitors"), 12210);
        cr_expect_eq(number(o, "experiments.0.variants.1.lift"), 0.041);
        cr_expect_eq(number(o, "experiments.0.variants.1.lift_low"), -0.005);
        cr_expect_eq(number(o, "experiments.0.variants.1.lift_high"), 0.089);
        cr_expect_eq(number(o, "experiments.0.variants.1.p_value"), 0.031);
        cr_expect_eq(number(o, "experiments.0.variants.1.prob_beat_control"), 0.91);
        cr_expect(boolean(o, "experiments.0.variants.1.significant"));
        cr_expect_not(boolean(o, "experiments.0.variants.1.below_guards"));
        cr_expect_eq(number(o, "experiments.0.variants.1.visitors_to_decision"), 15000);
        cr_expect_eq(number(o, "experiments.0.variants.1.days_to_decision"), 3.2);
        cr_expect_not(boolean(o, "experiments.0.variants.1.underpowered"));
        expect_null(o, "experiments.0.variants.1.decision_reason");
        cr_expect_eq(number(o, "experiments.0.variants.1.lift_then"), 0.02);

        cr_expect(boolean(o, "experiments.0.variants.2.below_guards"));
        cr_expect(boolean(o, "experiments.0.variants.2.underpowered"));
        expect_null(o, "experiments.0.variants.2.lift_low");
        expect_null(o, "experiments.0.variants.2.visitors_to_decision");
        expect_null(o, "experiments.0.variants.2.lift_then");

        cr_expect_str_eq(str(o, "experiments.1.name"), "<script>& pricing");
        expect_null(o, "experiments.1.days_running");
        expect_null(o, "experiments.1.visitors_gained");
        expect_null(o, "experiments.1.srm_p");
        expect_null(o, "experiments.1.variants.1.name");
        expect_null(o, "experiments.1.variants.1.lift");
        expect_null(o, "experiments.1.variants.1.p_value");
        expect_null(o, "experiments.1.variants.1.days_to_decision");
        cr_expect_str_eq(str(o, "experiments.1.variants.1.decision_reason"), "flat traffic");

        cr_expect_not(boolean(o, "experiments.2.live"));
        cr_expect_str_eq(str(o, "experiments.2.status"), "inactive");
        expect_null(o, "experiments.2.url");
        cr_expect_eq(number(o, "experiments.2.visitors_gained"), 0);

        cr_assert_eq(json_object_array_length(at(o, "alerts")), 2);
        cr_expect_str_eq(str(o, "alerts.0.rule"), "winner");
        cr_expect_eq(number(o, "alerts.0.experiment_id"), 123);
        cr_expect_str_eq(str(o, "alerts.0.experiment_name"), "Checkout redesign");
        cr_expect_str_eq(str(o, "alerts.0.variant_id"), "1");
        cr_expect_str_eq(str(o, "alerts.0.event"), "fired");
        cr_expect_str_eq(str(o, "alerts.0.at"), "2026-12-06T14:02:00Z");
        cr_expect_str_eq(str(o, "alerts.1.event"), "resolved");
        expect_null(o, "alerts.1.variant_id");

        cr_assert_eq(json_object_array_length(at(o, "actions")), 2);
        cr_expect_str_eq(str(o, "actions.0.action"), "pause");
        cr_expect_str_eq(str(o, "actions.0.state"), "done");
        expect_null(o, "actions.0.error");
        cr_expect_eq(number(o, "actions.0.experiment_id"), 7);
        cr_expect_str_eq(str(o, "actions.1.rule"), "winner");
        cr_expect_str_eq(str(o, "actions.1.experiment_name"), "Checkout redesign");
        cr_expect_str_eq(str(o, "actions.1.state"), "failed");
        cr_expect_str_eq(str(o, "actions.1.error"), "403 plan limit");
        cr_expect_str_eq(str(o, "actions.1.at"), "2026-12-06T14:02:00Z");
        json_object_put(o);
}

Test(digest_json, sent_by_hand_and_empty)
{
        struct digest d = { .name = "weekly", .generated_at = SLOT, .healthy = false };
        json_object *o = round_trip(digest_json(&d));

        expect_null(o, "scheduled_for");
        expect_null(o, "since");
        expect_null(o, "id");
        expect_null(o, "instance");
        cr_expect_not(boolean(o, "monitor.healthy"));
        expect_null(o, "monitor.health");
        cr_expect_eq(json_object_array_length(at(o, "experiments")), 0);
        cr_expect_eq(json_object_array_length(at(o, "alerts")), 0);
        cr_expect_eq(json_object_array_length(at(o, "actions")), 0);
        json_object_put(o);
}

/* Slack counts UTF-16 code units. An oracle independent of text_length. */
static size_t utf16_units(const char *s)
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p & 0xc0) != 0x80)
                        n += *p >= 0xf0 ? 2 : 1;
        return n;
}

static const char *last_section_text(json_object *message)
{
        json_object *blocks = at(message, "blocks");
        json_object *last = json_object_array_get_idx(blocks, json_object_array_length(blocks) - 1);

        cr_assert_str_eq(str(last, "type"), "section");
        return str(last, "text.text");
}

static void check_slack_limits(json_object *message)
{
        json_object *blocks = at(message, "blocks");
        size_t n = json_object_array_length(blocks);

        cr_expect_gt(utf16_units(str(message, "text")), 0);
        cr_expect_leq(utf16_units(str(message, "text")), SLACK_MAX_TEXT);
        cr_expect_leq(n, SLACK_MAX_BLOCKS);
        for (size_t i = 0; i < n; i++) {
                json_object *b = json_object_array_get_idx(blocks, i), *elements;
                const char *type = str(b, "type");

                if (strcmp(type, "header") == 0)
                        cr_expect_leq(utf16_units(str(b, "text.text")), SLACK_MAX_HEADER, "header %zu", i);
                if (strcmp(type, "section") == 0) {
                        cr_expect_leq(utf16_units(str(b, "text.text")), SLACK_MAX_SECTION_TEXT, "section %zu", i);
                        cr_expect_gt(strlen(str(b, "text.text")), 0);
                }
                if (json_object_object_get_ex(b, "elements", &elements))
                        for (size_t j = 0; j < json_object_array_length(elements); j++)
                                cr_expect_leq(utf16_units(str(json_object_array_get_idx(elements, j), "text")),
                                              SLACK_MAX_SECTION_TEXT);
        }
}

Test(digest_slack, blocks_and_escaping)
{
        struct digest d = sample();
        json_object *o = round_trip(digest_slack(&d)), *blocks = at(o, "blocks");
        const char *text = json_object_to_json_string(o);

        check_slack_limits(o);
        /* header, context, alerts, actions, three experiments */
        cr_assert_eq(json_object_array_length(blocks), 7);
        cr_expect_str_eq(str(o, "blocks.0.type"), "header");
        cr_expect_str_eq(str(o, "blocks.0.text.text"), ":bar_chart: Digest weekly \xe2\x80\x94 2026-12-07 09:00 UTC");
        cr_expect_str_eq(str(o, "blocks.1.type"), "context");
        cr_expect_str_eq(str(o, "blocks.1.elements.0.text"),
                         ":white_check_mark: Monitor on host1: OK \xc2\xb7 since 2026-11-30 09:00 UTC \xc2\xb7 "
                         "3 experiments, 2 alerts, 2 actions");
        cr_expect_str_eq(str(o, "blocks.2.text.text"),
                         "*Alerts since the last digest* (2)\n"
                         "\xe2\x80\xa2 fired: winner on Checkout redesign (#123), variant 1, 2026-12-06 14:02 UTC\n"
                         "\xe2\x80\xa2 resolved: srm on &lt;script&gt;&amp; pricing (#124), 2026-12-03 08:30 UTC");
        cr_expect(strstr(str(o, "blocks.3.text.text"), "failed (403 plan limit)"));
        expect_prefix(str(o, "blocks.4.text.text"),
                      "*<https://app.mida.so/experiment/123|Checkout redesign (#123)>* \xe2\x80\x94 live, day 12, "
                      "24,310 visitors (+8,100 since the last digest), sample-ratio p 0.410\n"
                      "\xe2\x80\xa2 A (control): 12,100 visitors, 1,210 conversions\n"
                      "\xe2\x80\xa2 B: lift +4.1% (-0.50% \xe2\x80\xa6 +8.9%), p 0.031, 91.0% chance to beat control, "
                      "significant \xc2\xb7 12,210 visitors, 1,320 conversions; lift then +2.0% \xe2\x86\x92 now +4.1% "
                      "\xc2\xb7 time to decision ~4 days at current traffic if the lift holds\n");
        cr_expect(strstr(str(o, "blocks.4.text.text"),
                         "\n\xe2\x80\xa2 C: lift +20.0%, p 0.500, 70.0% chance to beat control (too early: below the "
                         "sample guards) \xc2\xb7 150 visitors, 30 conversions \xc2\xb7 underpowered: beyond the decision "
                         "horizon, ~90 days at current traffic if the lift holds"), "%s", str(o, "blocks.4.text.text"));
        expect_prefix(str(o, "blocks.5.text.text"), "*<https://app.mida.so/e/124|&lt;script&gt;&amp; pricing (#124)>*");
        expect_prefix(str(o, "blocks.6.text.text"), "*Stopped:* *Old test (#7)* \xe2\x80\x94 inactive");
        /* nothing of the name reaches Slack unescaped, in the fallback neither */
        cr_expect_null(strstr(text, "<script>"));
        cr_expect_null(strstr(text, "& pricing"));
        cr_expect(strstr(str(o, "text"), "\n  &lt;script&gt;&amp; pricing (#124) \xe2\x80\x94 live"), "%s", str(o, "text"));
        expect_prefix(str(o, "text"), "Digest weekly \xe2\x80\x94 2026-12-07 09:00 UTC (since 2026-11-30 09:00 UTC)\n"
                                      "Monitor on host1: OK\n");
        json_object_put(o);
}

/* n experiments named after i, a quarter of them stopped, with long names
 * full of characters to escape; n_alerts alerts on them. */
struct big {
        struct digest d;
        struct digest_experiment *experiments;
        struct digest_alert *alerts;
        char **names;
        size_t n;
};

static struct big big_digest(size_t n, size_t n_alerts)
{
        struct big b = { .d = sample(), .n = n };

        b.experiments = calloc(n, sizeof(*b.experiments));
        b.alerts = calloc(n_alerts, sizeof(*b.alerts));
        b.names = calloc(n, sizeof(*b.names));
        cr_assert(b.experiments && b.alerts && b.names);
        for (size_t i = 0; i < n; i++) {
                cr_assert_gt(asprintf(&b.names[i], "Experiment %zu <&> \xf0\x9f\x98\x80 %0*d", i, (int) (i % 7) * 100, 0), 0);
                b.experiments[i] = experiments[i % 3];
                b.experiments[i].id = (long long) i + 1;
                b.experiments[i].name = b.names[i];
                b.experiments[i].live = i < n - n / 4;
                b.experiments[i].status = b.experiments[i].live ? "live" : "inactive";
        }
        for (size_t i = 0; i < n_alerts; i++) {
                b.alerts[i] = alerts[i % 2];
                b.alerts[i].experiment_id = (long long) (i % n) + 1;
                b.alerts[i].experiment_name = b.names[i % n];
        }
        b.d.experiments = b.experiments;
        b.d.n_experiments = n;
        b.d.alerts = b.alerts;
        b.d.n_alerts = n_alerts;
        return b;
}

static void big_free(struct big *b)
{
        for (size_t i = 0; i < b->n; i++)
                free(b->names[i]);
        free(b->names);
        free(b->experiments);
        free(b->alerts);
}

Test(digest_slack, thousands_of_experiments_stay_within_the_limits)
{
        struct big b = big_digest(3000, 500);
        json_object *o = round_trip(digest_slack(&b.d));
        const char *last = last_section_text(o), *alerts_text = str(o, "blocks.2.text.text");

        check_slack_limits(o);
        cr_expect_eq(json_object_array_length(at(o, "blocks")), SLACK_MAX_BLOCKS);
        expect_prefix(last, TEXT_ELLIPSIS "and 2,955 more experiments (750 stopped): Experiment 45 &lt;&amp;&gt; ");
        /* the names that do not fit are counted too */
        cr_expect(strstr(last, "; " TEXT_ELLIPSIS "and 2,"), "%s", last);
        expect_prefix(alerts_text, "*Alerts since the last digest* (500)\n\xe2\x80\xa2 fired: winner on Experiment 0 ");
        cr_expect(strstr(alerts_text, "more alerts"), "%s", alerts_text);
        cr_expect_null(strstr(json_object_to_json_string(o), "<&>"));
        json_object_put(o);

        /* just past the room for one section each: the overflow appears */
        for (size_t n = SLACK_MAX_BLOCKS - 5; n <= SLACK_MAX_BLOCKS - 3; n++) {
                b.d.n_experiments = n;
                o = round_trip(digest_slack(&b.d));
                check_slack_limits(o);
                cr_expect_eq(json_object_array_length(at(o, "blocks")), n <= SLACK_MAX_BLOCKS - 4 ? 4 + n : SLACK_MAX_BLOCKS);
                cr_expect_eq(strstr(last_section_text(o), "more experiments") != NULL, n > SLACK_MAX_BLOCKS - 4,
                             "n %zu", n);
                json_object_put(o);
        }
        big_free(&b);
}

Test(digest_slack, absurd_names_are_cut)
{
        static char huge[20000];
        struct digest_experiment e = experiments[1];
        struct digest_alert a = alerts[0];
        struct digest d = sample();
        json_object *o;

        memset(huge, '&', sizeof(huge) - 1);
        e.name = huge;
        a.experiment_name = huge;
        d.name = huge;
        d.health = huge;
        d.experiments = &e;
        d.n_experiments = 1;
        d.alerts = &a;
        d.n_alerts = 1;
        o = round_trip(digest_slack(&d));
        check_slack_limits(o);
        json_object_put(o);
}

Test(digest_render, types)
{
        const struct config_notifier am = { .name = "am", .type = NOTIFIER_ALERTMANAGER };
        const struct config_notifier pd = { .name = "pd", .type = NOTIFIER_PAGERDUTY };
        const struct config_notifier hook = { .name = "ops", .type = NOTIFIER_WEBHOOK };
        const struct config_notifier slack = { .name = "growth", .type = NOTIFIER_SLACK };
        struct digest d = sample();
        json_object *o;
        char *body;

        cr_expect_null(digest_render(&am, &ctx, &d));
        cr_expect_null(digest_render(&pd, &ctx, &d));
        cr_expect_not(notifier_type_takes_digests(NOTIFIER_ALERTMANAGER));
        cr_expect_not(notifier_type_takes_digests(NOTIFIER_PAGERDUTY));
        cr_expect(notifier_type_takes_digests(NOTIFIER_SLACK));
        cr_expect(notifier_type_takes_digests(NOTIFIER_WEBHOOK));
        cr_expect(notifier_type_takes_digests(NOTIFIER_TEAMS));
        cr_expect(notifier_type_takes_digests(NOTIFIER_EMAIL));

        body = digest_render(&hook, &ctx, &d);
        cr_assert_not_null(body);
        cr_expect(strstr(body, "\"url\":\"https://app.mida.so/experiment/123\""), "slashes escaped: %s", body);
        o = parse(body);
        cr_expect_str_eq(str(o, "event"), "digest");
        cr_expect_str_eq(str(o, "id"), "dig_0123abcd");
        cr_expect_eq(json_object_array_length(at(o, "experiments")), 3);
        json_object_put(o);

        o = parse(digest_render(&slack, &ctx, &d));
        cr_expect_str_eq(str(o, "blocks.0.type"), "header");
        cr_expect_eq(json_object_array_length(at(o, "blocks")), 7);
        json_object_put(o);
}

/* The TextBlocks' texts of a Teams message, one per line. */
static char *card_text(json_object *o)
{
        json_object *body = at(o, "attachments.0.content.body");
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        cr_assert_not_null(f);
        for (size_t i = 0; i < json_object_array_length(body); i++) {
                cr_expect_str_eq(str(json_object_array_get_idx(body, i), "type"), "TextBlock");
                fprintf(f, "%s\n", str(json_object_array_get_idx(body, i), "text"));
        }
        fclose(f);
        return buf;
}

Test(digest_render, teams_card)
{
        const struct config_notifier teams = { .name = "t", .type = NOTIFIER_TEAMS };
        struct digest d = sample();
        json_object *o = parse(digest_render(&teams, &ctx, &d));
        char *text = card_text(o);

        cr_expect_str_eq(str(o, "type"), "message");
        cr_expect_str_eq(str(o, "attachments.0.contentType"), "application/vnd.microsoft.card.adaptive");
        cr_expect_str_eq(str(o, "attachments.0.content.type"), "AdaptiveCard");
        cr_expect_str_eq(str(o, "attachments.0.content.version"), "1.4");
        cr_expect_str_eq(str(o, "attachments.0.content.body.0.text"),
                         "Digest weekly \xe2\x80\x94 2026-12-07 09:00 UTC (since 2026-11-30 09:00 UTC)");
        cr_expect_str_eq(str(o, "attachments.0.content.body.0.weight"), "Bolder");
        cr_expect_str_eq(str(o, "attachments.0.content.body.1.text"), "Monitor on host1: OK");
        expect_line(text, "Checkout redesign (#123) \xe2\x80\x94 live, day 12, 24,310 visitors "
                          "(+8,100 since the last digest), sample-ratio p 0.410");
        expect_line(text, "Stopped since the last digest (1)");
        expect_line(text, "resolved: srm on <script>& pricing (#124), 2026-12-03 08:30 UTC");
        cr_expect_null(strstr(text, "more line"));
        free(text);
        json_object_put(o);
}

Test(digest_render, teams_stays_under_28_kb)
{
        const struct config_notifier teams = { .name = "t", .type = NOTIFIER_TEAMS };
        struct big b = big_digest(3000, 500);
        char *body = digest_render(&teams, &ctx, &b.d), *text;
        json_object *o;

        cr_assert_not_null(body);
        cr_expect_lt(strlen(body), 28000, "%zu bytes", strlen(body));
        cr_expect_gt(strlen(body), 20000, "%zu bytes: the card should use its room", strlen(body));
        o = parse(body);
        text = card_text(o);
        cr_expect(strstr(text, "more lines, left out to fit in Teams: `mida-monitor digest weekly --print`"), "%s",
                  text + strlen(text) - (strlen(text) > 300 ? 300 : strlen(text)));
        free(text);
        json_object_put(o);
        big_free(&b);
}

/* The body of e-mail message m, quoted-printable decoded, CRLF as "\n". */
static char *email_body(const char *m)
{
        const char *p = strstr(m, "\r\n\r\n");
        char *out, *o;

        cr_assert_not_null(p);
        out = o = malloc(strlen(p) + 1);
        cr_assert_not_null(out);
        for (p += 4; *p;) {
                if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
                        p += 3;
                } else if (p[0] == '=') {
                        char hex[3] = { p[1], p[2], 0 };

                        *o++ = (char) strtol(hex, NULL, 16);
                        p += 3;
                } else if (p[0] == '\r' && p[1] == '\n') {
                        *o++ = '\n';
                        p += 2;
                } else {
                        *o++ = *p++;
                }
        }
        *o = 0;
        return out;
}

/* The value of header name in message; "" when absent. */
static void header(const char *message, const char *name, char *buf, size_t size)
{
        char want[64];
        const char *p, *end;

        snprintf(want, sizeof(want), "\r\n%s: ", name);
        p = strstr(message, want);
        if (!p && strncmp(message, want + 2, strlen(want + 2)) == 0)
                p = message - 2;
        buf[0] = 0;
        if (!p)
                return;
        p += strlen(want);
        end = strstr(p, "\r\n");
        snprintf(buf, size, "%.*s", (int) (end - p), p);
}

Test(digest_render, email)
{
        char *to[] = { "growth@example.com" };
        const struct config_notifier n = { .name = "m", .type = NOTIFIER_EMAIL, .mail_from = "mm@example.com",
                                           .mail_to = to, .n_mail_to = 1 };
        struct digest d = sample();
        char *m = digest_render(&n, &ctx, &d), *body, *text = digest_text(&d), value[256];

        cr_assert_not_null(m);
        header(m, "Subject", value, sizeof(value));
        cr_expect_str_eq(value, "[mida-monitor] Digest weekly: 3 experiments, 2 alerts");
        header(m, "Message-ID", value, sizeof(value));
        cr_expect_str_eq(value, "<dig_0123abcd@host1>");
        header(m, "Date", value, sizeof(value));
        cr_expect_str_eq(value, "Mon, 07 Dec 2026 09:00:05 +0000");
        header(m, "To", value, sizeof(value));
        cr_expect_str_eq(value, "growth@example.com");
        header(m, "X-Mida-Monitor-Event", value, sizeof(value));
        cr_expect_str_eq(value, "digest");
        header(m, "Content-Transfer-Encoding", value, sizeof(value));
        cr_expect_str_eq(value, "quoted-printable");
        body = email_body(m);
        cr_expect_str_eq(body, text);
        for (const char *p = m, *line = m; *p; p++)
                if (*p == '\n') {
                        cr_assert(p > m && p[-1] == '\r', "bare LF at %zu", (size_t) (p - m));
                        cr_assert_leq(p - line, 78);
                        line = p + 1;
                }
        free(body);
        free(text);
        free(m);
}
