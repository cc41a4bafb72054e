/* Pure parts of delivery: the names the outbox accepts, the meaning of an
 * HTTP status, event ids and the rendered payloads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "notify/delivery.h"
#include "notify/notify.h"
#include "notify/outbox.h"

Test(outbox, valid_tokens)
{
        cr_expect(outbox_valid_token("evt_0af3-X"));
        cr_expect_not(outbox_valid_token(""));
        cr_expect_not(outbox_valid_token(NULL));
        cr_expect_not(outbox_valid_token("a.b"));
        cr_expect_not(outbox_valid_token("a/b"));
        cr_expect_not(outbox_valid_token("evt_0123456789012345678901234567890123456789012345678901234567890"));
        cr_expect(outbox_valid_token("e123456789012345678901234567890123456789012345678901234567890123"));
}

Test(delivery, statuses_are_classified_like_alertmanager)
{
        static const struct { int status; enum delivery_outcome o; } cases[] = {
                { 200, DELIVERY_DELIVERED }, { 202, DELIVERY_DELIVERED }, { 204, DELIVERY_DELIVERED },
                { 0, DELIVERY_TRANSIENT }, { 408, DELIVERY_TRANSIENT }, { 429, DELIVERY_TRANSIENT },
                { 500, DELIVERY_TRANSIENT }, { 502, DELIVERY_TRANSIENT }, { 503, DELIVERY_TRANSIENT },
                { 599, DELIVERY_TRANSIENT },
                { 301, DELIVERY_PERMANENT }, { 400, DELIVERY_PERMANENT }, { 401, DELIVERY_PERMANENT },
                { 403, DELIVERY_PERMANENT }, { 404, DELIVERY_PERMANENT }, { 410, DELIVERY_PERMANENT },
                { 413, DELIVERY_PERMANENT }, { 422, DELIVERY_PERMANENT },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                cr_expect_eq(delivery_classify(cases[i].status), cases[i].o, "status %d", cases[i].status);
        cr_expect(delivery_honours_retry_after(429));
        cr_expect(delivery_honours_retry_after(503));
        cr_expect_not(delivery_honours_retry_after(500));
        cr_expect_not(delivery_honours_retry_after(502));
}

Test(delivery, describe_names_the_status_or_the_transport_error)
{
        char buf[64];

        delivery_describe(&(struct http_response) { .status = 404 }, buf, sizeof(buf));
        cr_expect_str_eq(buf, "HTTP 404");
        delivery_describe(&(struct http_response) { .status = 0, .error = "connection refused by the notifier URL" },
                          buf, sizeof(buf));
        cr_expect_str_eq(buf, "connection refused by the notifier URL");
}

Test(notify, event_ids_are_fresh_and_well_formed)
{
        char a[NOTIFY_EVENT_ID_SIZE], b[NOTIFY_EVENT_ID_SIZE];

        notify_new_event_id(a);
        notify_new_event_id(b);
        cr_expect_eq(strlen(a), 36);
        cr_expect_eq(strncmp(a, "evt_", 4), 0);
        cr_expect_eq(strspn(a + 4, "0123456789abcdef"), 32);
        cr_expect_str_neq(a, b);
        cr_expect(outbox_valid_token(a));
}

Test(notify, render_gives_one_webhook_payload_or_one_grouped_slack_message)
{
        struct alert_event a = { .id = "evt_a", .kind = ALERT_EVENT_TEST, .rule = "r", .severity = "info",
                                 .experiment_url = "https://app.mida.so/e/1", .visitors = -1, .variant_visitors = -1 };
        struct alert_event b = a;
        const struct alert_event *both[] = { &a, &b };
        char *text;
        json_object *o;

        const struct config_notifier webhook = { .name = "w", .type = NOTIFIER_WEBHOOK };
        const struct config_notifier slack = { .name = "s", .type = NOTIFIER_SLACK };
        const struct notify_context ctx = { .now = 1700000000, .instance = "h" };

        b.id = "evt_b";
        cr_expect_null(notify_render(&webhook, &ctx, both, 2));
        cr_expect_null(notify_render(&slack, &ctx, both, 0));
        text = notify_render(&webhook, &ctx, both, 1);
        cr_assert_not_null(text);
        o = json_tokener_parse(text);
        cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "id")), "evt_a");
        cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "event")), "test");
        json_object_put(o);
        free(text);
        text = notify_render(&slack, &ctx, both, 2);
        cr_assert_not_null(text);
        cr_expect_null(strstr(text, "\\/"), "%s", text);
        o = json_tokener_parse(text);
        cr_expect(json_object_is_type(json_object_object_get(o, "blocks"), json_type_array));
        cr_expect(json_object_is_type(json_object_object_get(o, "text"), json_type_string));
        json_object_put(o);
        free(text);
}
