#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/text_format.h"
#include "notify/notify.h"
#include "notify/notify_payload.h"

#define FIRED_AT 1614265330   /* 2021-02-25T15:02:10Z */

static struct alert_event sample_event(void)
{
        return (struct alert_event) {
                .id = "evt_0123abcd", .kind = ALERT_EVENT_FIRED, .rule = "winner", .severity = "warning",
                .experiment_id = 1234, .experiment_name = "Checkout redesign",
                .experiment_url = "https://app.mida.so/experiment/1234",
                .variant_id = "1", .variant_name = "Variant B",
                .lift = { true, 0.123 }, .lift_low = { true, 0.041 }, .lift_high = { true, 0.205 },
                .p_value = { true, 0.0123 }, .prob_beat_control = { true, 0.973 },
                .conversion_rate = { true, 0.11 }, .control_rate = { true, 0.1 },
                .visitors = 20000, .variant_visitors = 10000,
                .created_at = FIRED_AT, .fired_at = FIRED_AT,
        };
}

/* Serializes and parses back with UTF-8 validation: what a receiver does. */
static json_object *round_trip(json_object *o)
{
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        struct json_tokener *tok = json_tokener_new();
        json_object *back;

        cr_assert_not_null(text);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        back = json_tokener_parse_ex(tok, text, (int) strlen(text));
        cr_assert_eq(json_tokener_get_error(tok), json_tokener_success, "invalid JSON: %s",
                     json_tokener_error_desc(json_tokener_get_error(tok)));
        json_tokener_free(tok);
        return back;
}

static json_object *at(json_object *o, const char *path)
{
        char key[64];
        const char *dot;
        json_object *child = NULL;

        while ((dot = strchr(path, '.'))) {
                snprintf(key, sizeof(key), "%.*s", (int) (dot - path), path);
                cr_assert(json_object_object_get_ex(o, key, &o), "no '%s'", key);
                path = dot + 1;
        }
        cr_assert(json_object_object_get_ex(o, path, &child), "no '%s'", path);
        return child;
}

static const char *string_at(json_object *o, const char *path)
{
        json_object *v = at(o, path);

        cr_assert(json_object_is_type(v, json_type_string), "'%s' is not a string", path);
        return json_object_get_string(v);
}

/* Slack's count: UTF-16 code units. An oracle independent of text_length. */
static size_t utf16_units(const char *s)
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p & 0xc0) == 0x80)
                        continue;
                n += *p >= 0xf0 ? 2 : 1;
        }
        return n;
}

Test(text_format, percent)
{
        char buf[32];

        format_percent(0.123, true, buf, sizeof(buf));
        cr_expect_str_eq(buf, "+12.3%");
        format_percent(-0.041, true, buf, sizeof(buf));
        cr_expect_str_eq(buf, "-4.1%");
        format_percent(0.973, false, buf, sizeof(buf));
        cr_expect_str_eq(buf, "97.3%");
        format_percent(0.0005, true, buf, sizeof(buf));
        cr_expect_str_eq(buf, "+0.05%");
        format_percent(-0.00001, true, buf, sizeof(buf));
        cr_expect_str_eq(buf, "0.0%");
        format_percent(2.5, true, buf, sizeof(buf));
        cr_expect_str_eq(buf, "+250.0%");
        format_percent(NAN, true, buf, sizeof(buf));
        cr_expect_str_eq(buf, TEXT_MISSING);
        format_percent(INFINITY, false, buf, sizeof(buf));
        cr_expect_str_eq(buf, TEXT_MISSING);
}

Test(text_format, p_value_and_time)
{
        char buf[32];

        format_p_value(0.0123, buf, sizeof(buf));
        cr_expect_str_eq(buf, "0.012");
        format_p_value(0.5, buf, sizeof(buf));
        cr_expect_str_eq(buf, "0.500");
        format_p_value(0.00042, buf, sizeof(buf));
        cr_expect_str_eq(buf, "0.0004");
        format_p_value(1e-9, buf, sizeof(buf));
        cr_expect_str_eq(buf, "< 0.0001");
        format_p_value(NAN, buf, sizeof(buf));
        cr_expect_str_eq(buf, TEXT_MISSING);
        cr_assert_eq(format_rfc3339(FIRED_AT, buf, sizeof(buf)), 0);
        cr_expect_str_eq(buf, "2021-02-25T15:02:10Z");
        cr_expect_eq(format_rfc3339(FIRED_AT, buf, 10), -EINVAL);
}

Test(text_format, lift_with_interval)
{
        struct alert_event ev = sample_event();
        char buf[96];

        format_lift(&ev, buf, sizeof(buf));
        cr_expect_str_eq(buf, "+12.3% (+4.1% " TEXT_ELLIPSIS " +20.5%)");
        ev.lift_high.present = false;
        format_lift(&ev, buf, sizeof(buf));
        cr_expect_str_eq(buf, "+12.3%");
        ev.lift.present = false;
        format_lift(&ev, buf, sizeof(buf));
        cr_expect_str_eq(buf, TEXT_MISSING);
}

Test(text_format, sanitize)
{
        char *s = text_sanitize("ok \xc3\xa9 \xff bad \xe2\x82 cut\x01\ttab\nline", false);

        cr_expect_str_eq(s, "ok \xc3\xa9 \xef\xbf\xbd bad \xef\xbf\xbd\xef\xbf\xbd cut\xef\xbf\xbd\ttab\nline");
        free(s);
        s = text_sanitize("a\tb\nc", true);
        cr_expect_str_eq(s, "a b c");
        free(s);
        /* overlong "/" and a UTF-16 surrogate are not UTF-8 */
        s = text_sanitize("\xc0\xaf\xed\xa0\x80", false);
        cr_expect_str_eq(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        free(s);
        s = text_sanitize(NULL, false);
        cr_expect_str_eq(s, "");
        free(s);
}

Test(text_format, truncate_counts_characters_not_bytes)
{
        char long_ascii[400], *s;

        memset(long_ascii, 'x', sizeof(long_ascii) - 1);
        long_ascii[sizeof(long_ascii) - 1] = '\0';
        s = text_truncate(long_ascii, 150);
        cr_expect_eq(utf16_units(s), 150);
        cr_expect_eq(strncmp(s + 149, TEXT_ELLIPSIS, 3), 0);
        free(s);
        s = text_truncate("short", 150);
        cr_expect_str_eq(s, "short");
        free(s);
        /* "é" is one unit in two bytes; the emoji two units in four bytes */
        s = text_truncate("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3);
        cr_expect_str_eq(s, "\xc3\xa9\xc3\xa9" TEXT_ELLIPSIS);
        free(s);
        s = text_truncate("a\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 4);
        cr_expect_str_eq(s, "a\xf0\x9f\x98\x80" TEXT_ELLIPSIS);
        free(s);
        s = text_truncate("a\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 3);
        cr_expect_str_eq(s, "a" TEXT_ELLIPSIS, "an emoji that does not fit whole is dropped");
        free(s);
        cr_expect_eq(text_length("a\xf0\x9f\x98\x80\xc3\xa9"), 4);
        /* an entity is kept whole or dropped whole */
        s = text_truncate("ab&amp;cdefgh", 5);
        cr_expect_str_eq(s, "ab" TEXT_ELLIPSIS);
        free(s);
        s = text_truncate("Tom & Jerry", 6);
        cr_expect_str_eq(s, "Tom " TEXT_ELLIPSIS);
        free(s);
}

Test(text_format, mrkdwn_escape)
{
        char *s = mrkdwn_escape("A&B <script>\n>quote");

        cr_expect_str_eq(s, "A&amp;B &lt;script&gt; &gt;quote");
        free(s);
}

Test(text_format, json_object_in_order_with_absent_members)
{
        const char *none = NULL;
        json_object *o = JSON_OBJECT(JSON_MEMBER("b", json_object_new_int(2)),
                                     JSON_OPTIONAL("gone", none, json_object_new_string(none)),
                                     JSON_MEMBER("a", json_object_new_string("x")),
                                     JSON_OPTIONAL("here", "y", json_object_new_string("y")));

        cr_assert_not_null(o);
        cr_expect_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "{\"b\":2,\"a\":\"x\",\"here\":\"y\"}");
        json_object_put(o);
        /* A constructor that failed (NULL) fails the object; the other
         * values are released (the sanitizer build checks for leaks). */
        cr_expect_null(JSON_OBJECT(JSON_MEMBER("a", json_object_new_int(1)), JSON_MEMBER("b", NULL),
                                   JSON_MEMBER("c", json_object_new_string("leaks if kept"))));
}

Test(webhook_payload, fields)
{
        struct alert_event ev = sample_event();
        json_object *o = webhook_payload(&ev), *back;

        cr_assert_not_null(o);
        back = round_trip(o);
        cr_expect_eq(json_object_get_int(at(back, "version")), 1);
        cr_expect_str_eq(string_at(back, "id"), "evt_0123abcd");
        cr_expect_str_eq(string_at(back, "event"), "fired");
        cr_expect_str_eq(string_at(back, "rule"), "winner");
        cr_expect_str_eq(string_at(back, "severity"), "warning");
        cr_expect_not(json_object_get_boolean(at(back, "dry_run")));
        cr_expect_eq(json_object_get_int64(at(back, "experiment.id")), 1234);
        cr_expect_str_eq(string_at(back, "experiment.name"), "Checkout redesign");
        cr_expect_str_eq(string_at(back, "experiment.url"), "https://app.mida.so/experiment/1234");
        cr_expect_str_eq(string_at(back, "variant.id"), "1");
        cr_expect_str_eq(string_at(back, "variant.name"), "Variant B");
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.lift")), 0.123, 1e-12);
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.lift_low")), 0.041, 1e-12);
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.lift_high")), 0.205, 1e-12);
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.p_value")), 0.0123, 1e-12);
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.prob_beat_control")), 0.973, 1e-12);
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.conversion_rate")), 0.11, 1e-12);
        cr_expect_float_eq(json_object_get_double(at(back, "analysis.control_rate")), 0.1, 1e-12);
        cr_expect_eq(json_object_get_int64(at(back, "analysis.visitors")), 20000);
        cr_expect_eq(json_object_get_int64(at(back, "analysis.variant_visitors")), 10000);
        cr_expect_null(at(back, "action"));
        cr_expect_str_eq(string_at(back, "timestamps.created"), "2021-02-25T15:02:10Z");
        cr_expect_str_eq(string_at(back, "timestamps.fired"), "2021-02-25T15:02:10Z");
        cr_expect_null(at(back, "timestamps.resolved"));
        cr_expect_str_eq(string_at(back, "summary"),
                         "winner fired on Checkout redesign (variant Variant B): lift +12.3% (+4.1% "
                         TEXT_ELLIPSIS " +20.5%)");
        /* figures print compactly, not as 0.12299999999999999 */
        cr_expect(strstr(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "\"lift\":0.123,"));
        json_object_put(back);
        json_object_put(o);
}

Test(webhook_payload, missing_figures_are_null)
{
        struct alert_event ev = sample_event();
        json_object *o, *back;

        ev.p_value.present = false;
        ev.lift = (struct alert_figure) { true, NAN };
        ev.visitors = -1;
        ev.variant_id = ev.variant_name = NULL;
        ev.experiment_url = NULL;
        o = webhook_payload(&ev);
        cr_assert_not_null(o);
        back = round_trip(o);
        cr_expect_null(at(back, "analysis.p_value"));
        cr_expect_null(at(back, "analysis.lift"));
        cr_expect_null(at(back, "analysis.visitors"));
        cr_expect_null(at(back, "variant"));
        cr_expect_null(at(back, "experiment.url"));
        cr_expect_str_eq(string_at(back, "summary"), "winner fired on Checkout redesign: lift " TEXT_MISSING);
        json_object_put(back);
        json_object_put(o);
}

Test(webhook_payload, event_kinds_and_action)
{
        static const char *const names[] = { "fired", "resolved", "action", "action-failed", "test" };
        struct alert_event ev = sample_event();

        ev.action = "pause";
        ev.action_result = "would pause (dry run)";
        ev.dry_run = true;
        ev.resolved_at = FIRED_AT + 3600;
        for (int k = ALERT_EVENT_FIRED; k <= ALERT_EVENT_TEST; k++) {
                json_object *o, *back;

                ev.kind = (enum alert_event_kind) k;
                o = webhook_payload(&ev);
                cr_assert_not_null(o);
                back = round_trip(o);
                cr_expect_str_eq(string_at(back, "event"), names[k]);
                cr_expect_str_eq(alert_event_kind_name(ev.kind), names[k]);
                cr_expect_str_eq(string_at(back, "action.type"), "pause");
                cr_expect_str_eq(string_at(back, "action.result"), "would pause (dry run)");
                cr_expect(json_object_get_boolean(at(back, "dry_run")));
                cr_expect_str_eq(string_at(back, "timestamps.resolved"), "2021-02-25T16:02:10Z");
                json_object_put(back);
                json_object_put(o);
        }
        cr_expect_null(alert_event_kind_name((enum alert_event_kind) 99));
}

Test(webhook_payload, test_event_without_experiment)
{
        struct alert_event ev = { .id = "evt_1", .kind = ALERT_EVENT_TEST, .rule = "test", .severity = "info",
                                  .visitors = -1, .variant_visitors = -1, .created_at = FIRED_AT };
        json_object *o = webhook_payload(&ev), *back;

        cr_assert_not_null(o);
        back = round_trip(o);
        cr_expect_null(at(back, "experiment"));
        cr_expect_null(at(back, "variant"));
        cr_expect_null(at(back, "timestamps.fired"));
        cr_expect_str_eq(string_at(back, "event"), "test");
        json_object_put(back);
        json_object_put(o);
}

Test(webhook_payload, invalid_utf8_in_names_stays_valid_json)
{
        struct alert_event ev = sample_event();
        json_object *o, *back;

        ev.experiment_name = "Caf\xe9 \"quoted\" \x01";
        o = webhook_payload(&ev);
        cr_assert_not_null(o);
        back = round_trip(o);
        cr_expect_str_eq(string_at(back, "experiment.name"), "Caf\xef\xbf\xbd \"quoted\" \xef\xbf\xbd");
        json_object_put(back);
        json_object_put(o);
}

/* The text of block i's "text" object, or of field j of its section. */
static const char *block_text(json_object *blocks, size_t i)
{
        return string_at(json_object_array_get_idx(blocks, i), "text.text");
}

static const char *field_text(json_object *blocks, size_t i, size_t j)
{
        json_object *fields = at(json_object_array_get_idx(blocks, i), "fields");

        return string_at(json_object_array_get_idx(fields, j), "text");
}

static const char *context_text(json_object *blocks, size_t i)
{
        json_object *elements = at(json_object_array_get_idx(blocks, i), "elements");

        return string_at(json_object_array_get_idx(elements, 0), "text");
}

static const char *block_type(json_object *blocks, size_t i)
{
        return string_at(json_object_array_get_idx(blocks, i), "type");
}

Test(slack_payload, one_alert)
{
        struct alert_event ev = sample_event();
        const struct alert_event *events[] = { &ev };
        json_object *o = slack_payload(events, 1), *back, *blocks;

        cr_assert_not_null(o);
        back = round_trip(o);
        cr_expect_str_eq(string_at(back, "text"),
                         "winner fired on Checkout redesign (variant Variant B): lift +12.3% (+4.1% "
                         TEXT_ELLIPSIS " +20.5%)");
        blocks = at(back, "blocks");
        cr_assert_eq(json_object_array_length(blocks), 3);
        cr_expect_str_eq(block_type(blocks, 0), "header");
        cr_expect_str_eq(string_at(json_object_array_get_idx(blocks, 0), "text.type"), "plain_text");
        cr_expect_str_eq(block_text(blocks, 0), ":warning: winner \xe2\x80\x94 Checkout redesign");
        cr_expect_str_eq(block_type(blocks, 1), "section");
        cr_expect_str_eq(block_text(blocks, 1), "*<https://app.mida.so/experiment/1234|Checkout redesign>*");
        cr_expect_str_eq(field_text(blocks, 1, 0), "*Variant*\nVariant B (id 1)");
        cr_expect_str_eq(field_text(blocks, 1, 1), "*Lift*\n+12.3% (+4.1% " TEXT_ELLIPSIS " +20.5%)");
        cr_expect_str_eq(field_text(blocks, 1, 2),
                         "*p-value \xc2\xb7 chance to beat control*\np 0.012 \xc2\xb7 97.3%");
        cr_expect_str_eq(field_text(blocks, 1, 3), "*Visitors*\n10000 in variant \xc2\xb7 20000 in total");
        cr_expect_str_eq(field_text(blocks, 1, 4), "*Conversion rate*\n11.0% vs 10.0% control");
        cr_expect_eq(json_object_array_length(at(json_object_array_get_idx(blocks, 1), "fields")), 5);
        cr_expect_str_eq(block_type(blocks, 2), "context");
        cr_expect_str_eq(context_text(blocks, 2), "*warning* \xc2\xb7 fired "
                         "<!date^1614265330^{date_short_pretty} {time}|2021-02-25T15:02:10Z>");
        json_object_put(back);
        json_object_put(o);
}

Test(slack_payload, missing_figures_show_a_dash)
{
        struct alert_event ev = sample_event();
        const struct alert_event *events[] = { &ev };
        json_object *o, *back, *blocks;

        ev.lift.present = ev.p_value.present = ev.prob_beat_control.present = false;
        ev.control_rate.present = false;
        ev.visitors = ev.variant_visitors = -1;
        ev.variant_id = ev.variant_name = NULL;
        o = slack_payload(events, 1);
        cr_assert_not_null(o);
        back = round_trip(o);
        blocks = at(back, "blocks");
        cr_expect_str_eq(field_text(blocks, 1, 0), "*Variant*\n" TEXT_MISSING);
        cr_expect_str_eq(field_text(blocks, 1, 1), "*Lift*\n" TEXT_MISSING);
        cr_expect_str_eq(field_text(blocks, 1, 2), "*p-value \xc2\xb7 chance to beat control*\np " TEXT_MISSING
                         " \xc2\xb7 " TEXT_MISSING);
        cr_expect_str_eq(field_text(blocks, 1, 3), "*Visitors*\n" TEXT_MISSING " in variant \xc2\xb7 "
                         TEXT_MISSING " in total");
        cr_expect_str_eq(field_text(blocks, 1, 4), "*Conversion rate*\n11.0% vs " TEXT_MISSING " control");
        json_object_put(back);
        json_object_put(o);
}

Test(slack_payload, escapes_user_text)
{
        struct alert_event ev = sample_event();
        const struct alert_event *events[] = { &ev };
        json_object *o, *back, *blocks;

        ev.experiment_name = "A&B <script>";
        ev.variant_name = "<!channel>";
        ev.experiment_url = "https://app.mida.so/x?a=1&b=2|evil";
        o = slack_payload(events, 1);
        cr_assert_not_null(o);
        back = round_trip(o);
        blocks = at(back, "blocks");
        /* plain_text is shown as written */
        cr_expect_str_eq(block_text(blocks, 0), ":warning: winner \xe2\x80\x94 A&B <script>");
        cr_expect_str_eq(block_text(blocks, 1), "*<https://app.mida.so/x?a=1&amp;b=2%7Cevil|A&amp;B &lt;script&gt;>*");
        cr_expect_str_eq(field_text(blocks, 1, 0), "*Variant*\n&lt;!channel&gt; (id 1)");
        cr_expect(strstr(string_at(back, "text"), "A&amp;B &lt;script&gt;"));
        cr_expect_null(strstr(string_at(back, "text"), "<"));
        json_object_put(back);
        json_object_put(o);
}

Test(slack_payload, action_and_dry_run)
{
        struct alert_event ev = sample_event();
        const struct alert_event *events[] = { &ev };
        json_object *o, *back, *blocks;

        ev.kind = ALERT_EVENT_ACTION;
        ev.severity = "critical";
        ev.action = "pause";
        ev.action_result = "would pause (dry run)";
        ev.dry_run = true;
        o = slack_payload(events, 1);
        cr_assert_not_null(o);
        back = round_trip(o);
        blocks = at(back, "blocks");
        cr_expect_str_eq(block_text(blocks, 0), ":gear: Action: winner \xe2\x80\x94 Checkout redesign");
        cr_expect_str_eq(field_text(blocks, 1, 5), "*Action*\npause: would pause (dry run)");
        cr_expect(strstr(context_text(blocks, 2), "dry run: nothing was changed"));
        cr_expect(strstr(context_text(blocks, 2), "*critical*"));
        cr_expect_str_eq(string_at(back, "text"),
                         "winner: pause taken on Checkout redesign (variant Variant B): would pause (dry run)");
        json_object_put(back);
        json_object_put(o);
}

Test(slack_payload, none_is_no_message)
{
        cr_expect_null(slack_payload(NULL, 0));
}

static void check_block_limits(json_object *message)
{
        json_object *blocks = at(message, "blocks");
        size_t n = json_object_array_length(blocks);

        cr_expect_gt(utf16_units(string_at(message, "text")), 0);
        cr_expect_leq(utf16_units(string_at(message, "text")), SLACK_MAX_TEXT);
        cr_expect_leq(n, SLACK_MAX_BLOCKS);
        for (size_t i = 0; i < n; i++) {
                json_object *b = json_object_array_get_idx(blocks, i), *fields, *elements;
                const char *type = string_at(b, "type");

                if (strcmp(type, "header") == 0)
                        cr_expect_leq(utf16_units(block_text(blocks, i)), SLACK_MAX_HEADER, "header %zu", i);
                if (strcmp(type, "section") == 0) {
                        cr_expect_leq(utf16_units(block_text(blocks, i)), SLACK_MAX_SECTION_TEXT);
                        cr_expect_gt(strlen(block_text(blocks, i)), 0);
                }
                if (json_object_object_get_ex(b, "fields", &fields)) {
                        cr_expect_leq(json_object_array_length(fields), SLACK_MAX_FIELDS);
                        for (size_t j = 0; j < json_object_array_length(fields); j++)
                                cr_expect_leq(utf16_units(field_text(blocks, i, j)), SLACK_MAX_FIELD);
                }
                if (json_object_object_get_ex(b, "elements", &elements))
                        for (size_t j = 0; j < json_object_array_length(elements); j++)
                                cr_expect_leq(utf16_units(string_at(json_object_array_get_idx(elements, j),
                                                                    "text")), SLACK_MAX_SECTION_TEXT);
        }
}

/* A name of `size` bytes mixing escapes, multi-byte characters, an emoji
 * and an invalid byte, so every limit is hit in the worst way. */
static char *absurd_name(size_t size, int seed)
{
        static const char pattern[] = "&<>\xc3\xa9\xf0\x9f\x98\x80 name\xff ";
        char *s = malloc(size + 1);

        for (size_t i = 0; i < size; i++)
                s[i] = pattern[(i + (size_t) seed) % (sizeof(pattern) - 1)];
        s[size] = '\0';
        return s;
}

Test(slack_payload, limits_with_absurd_input)
{
        enum { N = 60 };
        struct alert_event evs[N];
        const struct alert_event *events[N];
        char *names[N], *variants[N], *urls[N];
        json_object *o, *back, *blocks, *last;

        for (int i = 0; i < N; i++) {
                names[i] = absurd_name(10240, i);
                variants[i] = absurd_name(5000, i + 1);
                urls[i] = absurd_name(i % 2 ? 1000 : 4000, i);
                evs[i] = sample_event();
                evs[i].experiment_name = names[i];
                evs[i].variant_name = variants[i];
                evs[i].variant_id = variants[i];
                evs[i].rule = names[(i + 1) % (i + 1)];
                evs[i].experiment_url = urls[i];
                evs[i].action = i % 3 ? NULL : "serve-winner";
                evs[i].action_result = names[i];
                events[i] = &evs[i];
        }
        o = slack_payload(events, N);
        cr_assert_not_null(o);
        back = round_trip(o);
        check_block_limits(back);
        blocks = at(back, "blocks");
        cr_expect_eq(json_object_array_length(blocks), 4 * SLACK_MAX_ALERTS_SHOWN - 1 + 1);
        last = json_object_array_get_idx(blocks, json_object_array_length(blocks) - 1);
        cr_expect_str_eq(string_at(last, "type"), "section");
        cr_expect_eq(strncmp(string_at(last, "text.text"), TEXT_ELLIPSIS "and 50 more alerts: ",
                             strlen(TEXT_ELLIPSIS "and 50 more alerts: ")), 0);
        json_object_put(back);
        json_object_put(o);
        /* every group size up to the overflow, and one past it */
        for (size_t n = 1; n <= SLACK_MAX_ALERTS_SHOWN + 1; n++) {
                o = slack_payload(events, n);
                cr_assert_not_null(o);
                back = round_trip(o);
                check_block_limits(back);
                cr_expect_eq(json_object_array_length(at(back, "blocks")),
                             4 * (n < SLACK_MAX_ALERTS_SHOWN ? n : SLACK_MAX_ALERTS_SHOWN) - 1 +
                             (n > SLACK_MAX_ALERTS_SHOWN));
                json_object_put(back);
                json_object_put(o);
        }
        for (int i = 0; i < N; i++) {
                free(names[i]);
                free(variants[i]);
                free(urls[i]);
        }
}

Test(slack_payload, overflow_lists_the_rest)
{
        enum { N = 12 };
        struct alert_event evs[N];
        const struct alert_event *events[N];
        static const char *const rules[] = { "winner", "harm" };
        json_object *o, *back, *blocks;

        for (int i = 0; i < N; i++) {
                evs[i] = sample_event();
                evs[i].rule = rules[i % 2];
                events[i] = &evs[i];
        }
        evs[10].experiment_name = "Pricing";
        evs[11].experiment_name = NULL;
        evs[11].experiment_id = 77;
        o = slack_payload(events, N);
        cr_assert_not_null(o);
        back = round_trip(o);
        blocks = at(back, "blocks");
        cr_expect_str_eq(block_text(blocks, json_object_array_length(blocks) - 1),
                         TEXT_ELLIPSIS "and 2 more alerts: winner on Pricing; harm on experiment 77");
        cr_expect_eq(strncmp(string_at(back, "text"), "12 alerts: winner fired on Checkout redesign", 44), 0);
        json_object_put(back);
        json_object_put(o);
}

Test(event_id, derived_ids_are_stable_and_tell_parts_apart)
{
        const char *a[] = { "salt", "7", "alert fired 1", "harm", "1002", "" };
        const char *b[] = { "salt", "8", "alert fired 1", "harm", "1002", "" };
        const char *c[] = { "salt", "7", "alert fired 1", "harm", "100", "2" };
        char x[NOTIFY_EVENT_ID_SIZE], y[NOTIFY_EVENT_ID_SIZE];

        notify_derived_event_id(x, a, 6);
        notify_derived_event_id(y, a, 6);
        cr_expect_str_eq(x, y, "the same event replayed gets the same id");
        cr_expect_eq(strlen(x), 36);
        cr_expect_eq(strncmp(x, "evt_", 4), 0);
        notify_derived_event_id(y, b, 6);
        cr_expect_str_neq(x, y, "another generation, another id");
        notify_derived_event_id(y, c, 6);
        cr_expect_str_neq(x, y, "parts are not just concatenated");
}
