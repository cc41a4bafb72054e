/* The notifier types beyond Slack and webhooks: their config (settings,
 * secrets, errors with lines), and the payload each renders — Alertmanager
 * v2 alerts, PagerDuty Events v2, a Teams Adaptive Card, an RFC 5322
 * e-mail. No network: the receivers' side is tests/alerts-receivers.sh. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "notify/notify.h"
#include "notify/notify_email.h"
#include "notify/notify_payload.h"

static char dir[64], path[128];

static void setup(void)
{
        snprintf(dir, sizeof(dir), "/tmp/mida-notifier-types.XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/test.conf", dir);
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_expect_eq(system(cmd), 0);
}

TestSuite(notifier_config, .init = setup, .fini = teardown);

#define HEAD "mida: { project_key = \"p\"; api_key = \"k\"; };\nnotifiers = (\n"

/* Loads HEAD + notifiers + ");" with flags; messages in *d. */
static int load_with_flags(const char *notifiers, unsigned flags, struct config **c, struct config_diag *d)
{
        FILE *f = fopen(path, "w");

        cr_assert_not_null(f);
        fprintf(f, HEAD "%s);\n", notifiers);
        fclose(f);
        return config_load_with_flags(path, flags, c, d);
}

static int load(const char *notifiers, struct config **c, struct config_diag *d)
{
        return load_with_flags(notifiers, 0, c, d);
}

static bool has_message(const struct config_diag *d, unsigned line, const char *text)
{
        char want[512];

        snprintf(want, sizeof(want), "%s:%u: %s", path, line, text);
        for (size_t i = 0; i < d->n_messages; i++)
                if (strcmp(d->messages[i].text, want) == 0)
                        return true;
        return false;
}

static void dump(const struct config_diag *d)
{
        for (size_t i = 0; i < d->n_messages; i++)
                cr_log_info("%s", d->messages[i].text);
}

Test(notifier_config, every_type_loads_its_settings)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        int r = load("{ name = \"am\"; type = \"alertmanager\"; url = \"http://127.0.0.1:9093/\"; "
                     "basic_auth = \"user:pass\"; },\n"
                     "{ name = \"am2\"; type = \"alertmanager\"; url = \"https://am.example\"; bearer_token = \"tok\"; },\n"
                     "{ name = \"pd\"; type = \"pagerduty\"; routing_key = \"R0123456789abcdef0123456789abcdef\"; },\n"
                     "{ name = \"teams\"; type = \"teams\"; url = \"https://example.webhook.office.com/x\"; },\n"
                     "{ name = \"mail\"; type = \"email\"; url = \"smtps://smtp.example:465\"; from = \"mm@example.com\";\n"
                     "  to = [ \"a@example.com\", \"b@example.com\" ]; username = \"mm\"; password = \"pw\"; }\n",
                     &c, &d);

        dump(&d);
        cr_assert_eq(r, 0);
        cr_expect_str_eq(c->notifiers[0].url, "http://127.0.0.1:9093/api/v2/alerts");
        cr_expect_str_eq(c->notifiers[0].authorization, "Basic dXNlcjpwYXNz");
        cr_expect_str_eq(c->notifiers[1].url, "https://am.example/api/v2/alerts");
        cr_expect_str_eq(c->notifiers[1].authorization, "Bearer tok");
        cr_expect_str_eq(c->notifiers[2].url, PAGERDUTY_DEFAULT_URL);
        cr_expect_str_eq(c->notifiers[2].routing_key, "R0123456789abcdef0123456789abcdef");
        cr_expect_eq(c->notifiers[3].type, NOTIFIER_TEAMS);
        cr_expect_eq(c->notifiers[4].n_mail_to, 2);
        cr_expect_str_eq(c->notifiers[4].mail_to[1], "b@example.com");
        cr_expect_str_eq(c->notifiers[4].mail_from, "mm@example.com");
        cr_expect_str_eq(c->notifiers[4].password, "pw");
        cr_expect_str_eq(notifier_type_to_string(c->notifiers[4].type), "email");
        config_free(c);
        config_diag_clear(&d);
}

Test(notifier_config, mistakes_are_errors_with_lines_and_no_secret)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        int r = load("{ name = \"pd\"; type = \"pagerduty\"; url = \"http://pd.example/v2/enqueue\"; },\n"
                     "{ name = \"slack\"; type = \"slack\"; url = \"https://hooks.slack.com/x\"; routing_key = \"SECRETKEY\"; },\n"
                     "{ name = \"am\"; type = \"alertmanager\"; url = \"http://127.0.0.1:1\"; bearer_token = \"SECRETTOK\";\n"
                     "  basic_auth = \"SECRETPASS\"; },\n"
                     "{ name = \"m1\"; type = \"email\"; url = \"https://smtp.example\"; from = \"not an address\"; },\n"
                     "{ name = \"m2\"; type = \"email\"; url = \"smtp://smtp.example\"; from = \"a@b.c\"; to = \"x@y.z\";\n"
                     "  password = \"SECRETPW\"; }\n",
                     &c, &d);

        dump(&d);
        cr_expect_lt(r, 0);
        config_free(c);
        cr_expect(has_message(&d, 3, "url of notifier 'pd' must use https (plain http is allowed only to "
                                     "127.0.0.0/8, localhost or [::1])"));
        cr_expect(has_message(&d, 3, "missing routing_key in notifier 'pd': set one of routing_key, "
                                     "routing_key_file or routing_key_credential (the integration key of a "
                                     "PagerDuty service)"));
        cr_expect(has_message(&d, 4, "'routing_key' in notifier 'slack': only pagerduty notifiers take it"));
        cr_expect(has_message(&d, 6, "notifier 'am': set bearer_token or basic_auth, not both"));
        cr_expect(has_message(&d, 7, "url of notifier 'm1' must be smtp://HOST[:PORT] (STARTTLS) or "
                                     "smtps://HOST[:PORT]"));
        cr_expect(has_message(&d, 7, "'from' in notifier 'm1' must be e-mail addresses like \"alerts@example.com\""));
        cr_expect(has_message(&d, 7, "notifier 'm1' needs 'to': an address or a list of addresses"));
        cr_expect(has_message(&d, 9, "notifier 'm2': SMTP AUTH needs both username and password"));
        for (size_t i = 0; i < d.n_messages; i++)
                cr_expect_null(strstr(d.messages[i].text, "SECRET"), "%s", d.messages[i].text);
        config_diag_clear(&d);
}

Test(notifier_config, credentials_check_config_cannot_read_still_count)
{
        struct config_diag d = { 0 };
        struct config *c = NULL;
        int r;

        unsetenv("CREDENTIALS_DIRECTORY");
        r = load_with_flags("{ name = \"mail\"; type = \"email\"; url = \"smtp://127.0.0.1\"; from = \"a@b.c\";\n"
                            "  to = \"d@e.f\"; username = \"mm\"; password_credential = \"smtp-password\"; },\n"
                            "{ name = \"am\"; type = \"alertmanager\"; url = \"https://am.example\";\n"
                            "  bearer_token_credential = \"am-token\"; }\n",
                            CONFIG_LOAD_CHECK_ONLY, &c, &d);
        dump(&d);
        cr_expect_eq(r, 0, "username + password_credential is a complete SMTP login");
        cr_expect_eq(d.n_errors, 0);
        config_free(c);
        config_diag_clear(&d);
}

/* ---- payloads ---- */

static const struct notify_context ctx = { .now = 1700000000, .instance = "host1" };

static struct alert_event fired(void)
{
        return (struct alert_event) {
                .id = "evt_1", .kind = ALERT_EVENT_FIRED, .rule = "winner", .severity = "critical",
                .experiment_id = 1002, .experiment_name = "Checkout <b>", .variant_id = "7", .variant_name = "B",
                .lift = { true, 0.12 }, .lift_low = { true, 0.04 }, .lift_high = { true, 0.2 },
                .p_value = { true, 0.001 }, .prob_beat_control = { true, 0.99 },
                .visitors = 2000, .variant_visitors = 1000, .created_at = 1700000000, .fired_at = 1699999000,
        };
}

static json_object *parse(char *text)
{
        json_object *o;

        cr_assert_not_null(text);
        o = json_tokener_parse(text);
        cr_assert_not_null(o, "not JSON: %s", text);
        free(text);
        return o;
}

static const char *str(json_object *o, const char *a, const char *b)
{
        json_object *v = json_object_object_get(o, a);

        if (b)
                v = json_object_object_get(v, b);
        return v ? json_object_get_string(v) : "(absent)";
}

Test(alertmanager, firing_resolved_and_state_only)
{
        const struct config_notifier n = { .name = "am", .type = NOTIFIER_ALERTMANAGER };
        struct alert_event a = fired(), b = fired(), action = fired();
        const struct alert_event *events[] = { &a, &b, &action };
        json_object *list, *first, *second, *sent;

        b.kind = ALERT_EVENT_RESOLVED;
        b.resolved_at = 1700000100;
        action.kind = ALERT_EVENT_ACTION;
        action.action = "pause";
        cr_expect_not(notify_wants(NOTIFIER_ALERTMANAGER, &action));
        list = parse(notify_render(&n, &ctx, events, 3));
        cr_assert_eq(json_object_array_length(list), 2, "the successful action is left out");
        first = json_object_array_get_idx(list, 0);
        second = json_object_array_get_idx(list, 1);
        cr_expect_str_eq(str(first, "labels", "alertname"), "winner");
        cr_expect_str_eq(str(first, "labels", "experiment_id"), "1002");
        cr_expect_str_eq(str(first, "labels", "experiment"), "Checkout <b>");
        cr_expect_str_eq(str(first, "labels", "variant_id"), "7");
        cr_expect_str_eq(str(first, "labels", "severity"), "critical");
        cr_expect_str_eq(str(first, "labels", "instance"), "host1");
        cr_expect_str_eq(str(first, "startsAt", NULL), "2023-11-14T21:56:40Z");
        cr_expect_str_eq(str(first, "endsAt", NULL), "(absent)", "set as it is sent");
        cr_expect_str_eq(str(first, "generatorURL", NULL), "(absent)");
        cr_expect(strstr(str(first, "annotations", "summary"), "winner fired on Checkout <b> (variant B)"));
        cr_expect(strstr(str(first, "annotations", "description"), "Lift: +12.0% (+4.0% \xe2\x80\xa6 +20.0%)"),
                  "%s", str(first, "annotations", "description"));
        cr_expect_str_eq(str(second, "endsAt", NULL), "2023-11-14T22:15:00Z", "resolved: endsAt = resolution");
        sent = parse(alertmanager_set_ends_at(json_object_to_json_string(list), 1700000900));
        cr_expect_str_eq(str(json_object_array_get_idx(sent, 0), "endsAt", NULL), "2023-11-14T22:28:20Z");
        cr_expect_str_eq(str(json_object_array_get_idx(sent, 1), "endsAt", NULL), "2023-11-14T22:15:00Z",
                         "a resolution keeps its end");
        json_object_put(sent);
        json_object_put(list);
        cr_expect_null(alertmanager_set_ends_at("[]", 1), "nothing to send");
        cr_expect_null(alertmanager_set_ends_at("{}", 1));

        a.state_only = true;
        cr_expect(notify_wants(NOTIFIER_ALERTMANAGER, &a));
        cr_expect_not(notify_wants(NOTIFIER_SLACK, &a));
        cr_expect_not(notify_wants(NOTIFIER_PAGERDUTY, &a), "a re-post is for Alertmanager only");
        b.state_only = true;
        cr_expect(notify_wants(NOTIFIER_PAGERDUTY, &b), "an unannounced end still closes the incident");
        cr_expect_not(notify_wants(NOTIFIER_EMAIL, &b));
        cr_expect_null(notify_render(&n, &ctx, (const struct alert_event *[]) { &action }, 1));
}

Test(pagerduty, trigger_and_resolve_share_a_dedup_key_and_hold_no_routing_key)
{
        const struct config_notifier n = { .name = "pd", .type = NOTIFIER_PAGERDUTY, .routing_key = "RKEY" };
        struct alert_event a = fired(), b = fired();
        json_object *t, *r, *keyed;
        char *text;

        b.kind = ALERT_EVENT_RESOLVED;
        t = parse(notify_render(&n, &ctx, (const struct alert_event *[]) { &a }, 1));
        r = parse(notify_render(&n, &ctx, (const struct alert_event *[]) { &b }, 1));
        cr_expect_str_eq(str(t, "event_action", NULL), "trigger");
        cr_expect_str_eq(str(r, "event_action", NULL), "resolve");
        cr_expect_str_eq(str(t, "dedup_key", NULL), "mida-monitor/winner/1002/7");
        cr_expect_str_eq(str(r, "dedup_key", NULL), str(t, "dedup_key", NULL));
        cr_expect_str_eq(str(t, "routing_key", NULL), "(absent)", "the secret is added at delivery");
        cr_expect_str_eq(str(t, "payload", "severity"), "critical");
        cr_expect_str_eq(str(t, "payload", "source"), "host1");
        cr_expect_str_eq(str(t, "payload", "timestamp"), "2023-11-14T21:56:40Z");
        cr_expect(json_object_get_double(json_object_object_get(json_object_object_get(
                          json_object_object_get(t, "payload"), "custom_details"), "lift")) == 0.12);
        cr_expect_str_eq(str(r, "payload", NULL), "(absent)");
        text = pagerduty_add_routing_key(json_object_to_json_string(t), "RKEY");
        keyed = parse(text);
        cr_expect_str_eq(str(keyed, "routing_key", NULL), "RKEY");
        json_object_put(keyed);
        json_object_put(t);
        json_object_put(r);
}

Test(pagerduty, long_texts_are_cut_to_the_limits)
{
        static char name[3000], variant[400];
        struct alert_event a = fired();
        char key[PAGERDUTY_DEDUP_KEY_SIZE];
        json_object *t;

        memset(name, 'n', sizeof(name) - 1);
        memset(variant, 'v', sizeof(variant) - 1);
        a.experiment_name = name;
        a.variant_id = variant;
        pagerduty_dedup_key(&a, "h", key);
        cr_expect_leq(strlen(key), 255);
        cr_expect_eq(strncmp(key, "mida-monitor/", 13), 0);
        t = pagerduty_payload(&a, &ctx);
        cr_assert_not_null(t);
        cr_expect_leq(strlen(str(t, "payload", "summary")), 1024 + 2, "%zu", strlen(str(t, "payload", "summary")));
        cr_expect_leq(strlen(str(t, "dedup_key", NULL)), 255);
        json_object_put(t);
}

Test(teams, one_adaptive_card_for_the_cycle)
{
        const struct config_notifier n = { .name = "t", .type = NOTIFIER_TEAMS };
        struct alert_event evs[12];
        const struct alert_event *ptrs[12];
        json_object *o, *attachment, *card, *body;

        for (int i = 0; i < 12; i++) {
                evs[i] = fired();
                ptrs[i] = &evs[i];
        }
        o = parse(notify_render(&n, &ctx, ptrs, 12));
        cr_expect_str_eq(str(o, "type", NULL), "message");
        attachment = json_object_array_get_idx(json_object_object_get(o, "attachments"), 0);
        cr_expect_str_eq(str(attachment, "contentType", NULL), "application/vnd.microsoft.card.adaptive");
        card = json_object_object_get(attachment, "content");
        cr_expect_str_eq(str(card, "type", NULL), "AdaptiveCard");
        cr_expect_str_eq(str(card, "version", NULL), "1.4");
        body = json_object_object_get(card, "body");
        cr_assert_eq(json_object_array_length(body), 3 * TEAMS_MAX_ALERTS_SHOWN + 1);
        cr_expect_str_eq(str(json_object_array_get_idx(body, 0), "text", NULL), "winner \xe2\x80\x94 Checkout <b>");
        cr_expect_str_eq(str(json_object_array_get_idx(body, 1), "type", NULL), "FactSet");
        cr_expect(strstr(str(json_object_array_get_idx(body, 30), "text", NULL), "and 2 more alerts"));
        json_object_put(o);
}

/* The value of header name in message, unfolded; "" when absent. */
static void header(const char *message, const char *name, char *buf, size_t size)
{
        char want[64];
        const char *p;
        size_t n = 0;

        snprintf(want, sizeof(want), "\r\n%s: ", name);
        p = strstr(message, want);
        buf[0] = 0;
        if (!p)
                return;
        for (p += strlen(want); *p && n + 1 < size; p++) {
                if (p[0] == '\r' && p[1] == '\n' && p[2] != ' ')
                        break;
                if (*p != '\r' && *p != '\n')
                        buf[n++] = *p;
        }
        buf[n] = 0;
}

Test(email, headers_body_and_line_lengths)
{
        char *to[] = { "a@example.com", "b@example.com" };
        const struct config_notifier n = { .name = "m", .type = NOTIFIER_EMAIL, .mail_from = "mm@example.com",
                                           .mail_to = to, .n_mail_to = 2 };
        static char long_name[3000];
        struct alert_event a = fired();
        char *m, value[512];
        size_t line = 0;

        m = email_message(&n, &a, &ctx);
        cr_assert_not_null(m);
        header(m, "From", value, sizeof(value));
        cr_expect_str_eq(value, "mida-monitor <mm@example.com>");
        header(m, "To", value, sizeof(value));
        cr_expect_str_eq(value, "a@example.com, b@example.com");
        header(m, "Subject", value, sizeof(value));
        cr_expect_str_eq(value, "[mida-monitor] critical | winner fired | Checkout <b>");
        header(m, "Message-ID", value, sizeof(value));
        cr_expect_str_eq(value, "<evt_1@host1>");
        cr_expect_eq(strncmp(m, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n", 39), 0, "%.60s", m);
        cr_expect(strstr(m, "\r\nLift: +12.0% (+4.0% =E2=80=A6 +20.0%)\r\n"));
        cr_expect(strstr(m, "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
        cr_expect(strstr(m, "\r\n\r\nwinner fired on Checkout <b> (variant B): lift +12.0% (+4.0% =E2=80=A6"),
                  "%s", m);
        free(m);

        memset(long_name, 0xc3, sizeof(long_name) - 1);
        for (size_t i = 1; i < sizeof(long_name) - 1; i += 2)
                long_name[i] = (char) 0xa9;   /* "ééé…" */
        a.experiment_name = long_name;
        m = email_message(&n, &a, &ctx);
        cr_assert_not_null(m);
        for (const char *p = m; *p; p++) {
                cr_assert(*p != '\n' || (p > m && p[-1] == '\r'), "bare LF at %zu", (size_t) (p - m));
                line = *p == '\n' ? 0 : line + 1;
                cr_assert_leq(line, 998);
        }
        header(m, "Subject", value, sizeof(value));
        cr_expect_eq(strncmp(value, "=?UTF-8?B?", 10), 0, "%s", value);
        free(m);
}

Test(email, quoted_printable_rules)
{
        char *qp = quoted_printable("a=b \nend.\n.dot\ttab \n\xc3\xa9");

        cr_assert_not_null(qp);
        cr_expect_str_eq(qp, "a=3Db=20\r\nend.\r\n=2Edot\ttab=20\r\n=C3=A9");
        free(qp);
}
