#!/usr/bin/env bash
# Alertmanager, PagerDuty, Teams and e-mail end to end: the real daemon
# against mida-sim's demo scenario, whose receiver checks the Alertmanager
# v2, PagerDuty Events v2 and Teams shapes, and a local SMTP server
# (tests/smtp_sink.py). One rule fires on experiment 1004 and, two
# simulated days later, resolves. Each receiver first fails (HTTP 500, then
# 429 with Retry-After; SMTP 451, then 421) and still gets each message
# once; Alertmanager is re-told every cycle while the alert fires, and
# PagerDuty closes every incident (also unannounced ends: notify_resolved
# = false, an experiment paused and dropped); a
# PagerDuty answering 400 is given up at once and reported by health;
# test-notify reaches every type. No secret is written to state.db.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

# start_smtp NAME [ARGS]: a tests/smtp_sink.py writing NAME.jsonl; sets SMTP_PORT.
start_smtp() {
        local name=$1; shift
        python3 "$top_srcdir/tests/smtp_sink.py" --port-file "$T/$name.port" --out "$T/$name.jsonl" "$@" \
                >"$T/$name.log" 2>&1 &
        PIDS="$PIDS $!"
        wait_for 10 test -s "$T/$name.port" || fail "smtp_sink did not start: $(cat "$T/$name.log")"
        SMTP_PORT=$(cat "$T/$name.port")
}
# attempts NAME: the statuses of every delivery to hook NAME, in order.
attempts() { sim "$SIM_URL/__hooks?name=$1" | jq -r '[.deliveries[].status | tostring] | join(" ")'; }
# delivered NAME: the accepted bodies to hook NAME, one JSON per line.
delivered() { hooks "$1"; }
delivered_count() { delivered "$1" | jq -c "select($2)" | wc -l; }
delivered_at_least() { [ "$(delivered_count "$1" "$2")" -ge "$3" ]; }
mails() { [ -s "$T/smtp.jsonl" ] && jq -c "select($1)" "$T/smtp.jsonl" || true; }
mails_at_least() { [ "$(mails "$1" | wc -l)" -ge "$2" ]; }
am_firing='.[] | select(.labels.alertname == "young" and .labels.experiment_id == "1004")'

start_sim demo.conf
start_smtp smtp --script 451,421
for hook in am pd teams; do
        sim_post /__hooks/fail "{\"name\": \"$hook\", \"count\": 1, \"status\": 500}" >/dev/null
        sim_post /__hooks/fail "{\"name\": \"$hook\", \"count\": 1, \"status\": 429, \"retry_after\": 1}" >/dev/null
done
sim_post /__hooks/fail '{"name": "pdbad", "count": -1, "status": 400}' >/dev/null
write_config "" "notifiers = (
  { name = \"am\"; type = \"alertmanager\"; url = \"$SIM_URL/hooks/alertmanager/am\"; bearer_token = \"AMTOKEN42\"; },
  { name = \"pd\"; type = \"pagerduty\"; url = \"$SIM_URL/hooks/pagerduty/pd\"; routing_key = \"PDROUTINGKEY42\"; },
  { name = \"pdbad\"; type = \"pagerduty\"; url = \"$SIM_URL/hooks/pagerduty/pdbad\"; routing_key = \"PDBADKEY42\"; },
  { name = \"teams\"; type = \"teams\"; url = \"$SIM_URL/hooks/teams/teams\"; },
  { name = \"mail\"; type = \"email\"; url = \"smtp://127.0.0.1:$SMTP_PORT\"; from = \"monitor@example.com\";
    to = [ \"growth@example.com\", \"oncall@example.com\" ]; },
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; } );
rules = (
  { name = \"young\"; when = \"visitors < 40000\"; experiments = [ \"1004\" ]; severity = \"critical\";
    notify = [ \"am\", \"pd\", \"pdbad\", \"teams\", \"mail\" ]; },
  { name = \"quiet\"; when = \"visitors < 40000\"; experiments = [ \"1004\" ]; notify_resolved = false;
    notify = [ \"pd\", \"mail\" ]; },
  { name = \"harm\"; when = \"significant && lift_high < -0.05\"; notify = [ \"pd\" ]; action = \"pause\"; } );
health: { notify = [ \"ops\", \"am\" ]; after = \"2s\"; repeat = \"0\"; };"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"

# Fired: each receiver failed twice, then took the alert once.
wait_for 30 delivered_at_least pd '.event_action == "trigger"' 1 || fail "PagerDuty trigger missing: $(attempts pd)"
wait_for 30 delivered_at_least teams 'true' 1 || fail "Teams card missing: $(attempts teams)"
wait_for 30 mails_at_least '.code == 250 and (.data | contains("| young fired |"))' 1 || fail "no e-mail accepted: $(cat "$T/smtp.jsonl" 2>/dev/null)"
wait_for 30 delivered_at_least am "$am_firing" 1 || fail "Alertmanager alert missing: $(attempts am)"
for hook in pd teams am; do
        case "$(attempts $hook)" in "500 429 20"[02]*) ;; *) fail "$hook attempts: $(attempts $hook)" ;; esac
done
[ "$(jq -r .code "$T/smtp.jsonl" | head -n 3 | tr '\n' ' ')" = "451 421 250 " ] ||
        fail "SMTP attempts: $(jq -r .code "$T/smtp.jsonl" | tr '\n' ' ')"
pass "fired: each receiver failed (500, 429 + Retry-After; SMTP 451, 421), then took the alert"

trigger=$(delivered pd | jq -c 'select(.event_action == "trigger" and .payload.class == "young")')
[ "$(wc -l <<<"$trigger")" -eq 1 ] || fail "PagerDuty got more than one trigger: $trigger"
[ "$(jq -r .routing_key <<<"$trigger")" = PDROUTINGKEY42 ] || fail "routing_key missing: $trigger"
dedup=$(jq -r .dedup_key <<<"$trigger")
[ "$dedup" = "mida-monitor/young/1004/" ] || fail "dedup_key: $dedup"
jq -e '.payload.severity == "critical" and (.payload.summary | startswith("young fired on")) and
       .payload.custom_details.visitors > 0' <<<"$trigger" >/dev/null || fail "trigger payload: $trigger"
pass "PagerDuty: one trigger, routing_key added at delivery, dedup_key $dedup, severity critical"

card=$(delivered teams | head -n 1)
jq -e '.type == "message" and .attachments[0].content.version == "1.4" and
       ([.attachments[0].content.body[] | select(.type == "FactSet")] | length) == 1' <<<"$card" >/dev/null ||
        fail "Teams card: $card"
pass "Teams: one Adaptive Card 1.4 with the alert's facts"

mail=$(mails '.code == 250 and (.data | contains("| young fired |"))' | head -n 1)
jq -e '.rcpt_to == ["growth@example.com", "oncall@example.com"] and .mail_from == "monitor@example.com"' \
        <<<"$mail" >/dev/null || fail "envelope: $mail"
jq -j .data <<<"$mail" >"$T/mail.eml"
python3 - "$T/mail.eml" <<'PY' || fail "the e-mail does not parse as expected: $(cat "$T/mail.eml")"
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
assert max(len(line) for line in raw.split(b"\r\n")) <= 998
m = email.message_from_bytes(raw, policy=email.policy.default)
assert m["Subject"].startswith("[mida-monitor] critical | young fired | "), m["Subject"]
assert m["To"] == "growth@example.com, oncall@example.com", m["To"]
assert m["From"] == "mida-monitor <monitor@example.com>", m["From"]
assert m["Message-ID"].startswith("<evt_"), m["Message-ID"]
assert m["Date"] is not None
body = m.get_content()
assert body.startswith("young fired on "), body
assert "Visitors: " in body, body
PY
ids=$(jq -r 'select(.data | contains("| young fired |")) | .data' "$T/smtp.jsonl" | grep -c '^Message-ID: <evt_' || true)
[ "$(jq -r 'select(.data | contains("| young fired |")) | .data' "$T/smtp.jsonl" | grep '^Message-ID:' | sort -u |
      wc -l)" -eq 1 ] ||
        fail "the retried e-mail changed its Message-ID"
pass "e-mail: one message to both recipients; RFC 5322 headers, quoted-printable body; the retries ($ids tries) kept its Message-ID"

am=$(delivered am | jq -c "$am_firing" | head -n 1)
jq -e '.labels.severity == "critical" and .labels.instance != null and (.annotations.description | contains("Visitors"))' \
        <<<"$am" >/dev/null || fail "Alertmanager alert: $am"
received=$(sim "$SIM_URL/__hooks?name=am" | jq -r '[.deliveries[] | select(.status == 200)][0].received_at')
left=$(( $(date -d "$(jq -r .endsAt <<<"$am")" +%s) - $(date -d "$received" +%s) ))
# Rendered when queued, received after two retries: up to 3 x 30 s ahead.
[ "$left" -ge 60 ] && [ "$left" -le 91 ] || fail "endsAt is $left s after receipt, want about 3 x 30 s"
sim "$SIM_URL/__hooks?name=am" | jq -e '[.deliveries[].headers.authorization] | all(. == "Bearer AMTOKEN42")' >/dev/null ||
        fail "Alertmanager requests lack the bearer token"
pass "Alertmanager: labels and annotations, endsAt $left s ahead (3 intervals), bearer token sent"

# Every cycle re-tells Alertmanager (and nobody else) while the alert fires.
before=$(delivered_count am "$am_firing")
poll_now
wait_for 20 delivered_at_least am "$am_firing" $((before + 1)) || fail "Alertmanager not re-told on the next cycle"
[ "$(delivered_count pd '.event_action == "trigger"')" -eq 3 ] || fail "PagerDuty re-triggered"
[ "$(delivered_count teams 'true')" -eq 1 ] || fail "Teams re-sent"
[ "$(mails '.code == 250' | wc -l)" -eq 2 ] || fail "e-mail re-sent"
pass "the next cycle re-posts the firing alert to Alertmanager only"

# PagerDuty answering 400: given up at once, and health says so.
grep -q "giving up delivery of [^ ]* to notifier pdbad after 1 attempt" "$T/daemon.log" ||
        fail "the 400 was not given up: $(grep pdbad "$T/daemon.log" | tail -n 3)"
[ "$(attempts pdbad)" = 400 ] || fail "pdbad was retried: $(attempts pdbad)"
sleep 2.5
poll_now
wait_for 20 delivered_at_least ops '.event == "health-degraded" and .health.condition == "delivery_failing" and
        .health.subject == "pdbad"' 1 || fail "health did not report pdbad: $(hooks ops)"
wait_for 20 delivered_at_least am '.[] | select(.labels.alertname == "mida-monitor-delivery_failing" and
        .labels.subject == "pdbad" and .labels.severity == "critical")' 1 || fail "health alert missing in Alertmanager"
pass "PagerDuty 400: one attempt, given up, reported by health (delivery_failing pdbad, also to Alertmanager)"

# Resolved: PagerDuty closes the same incident, Alertmanager gets endsAt = now.
sim_post /__clock '{"advance": 172800}' >/dev/null
poll_now
wait_for 20 delivered_at_least pd '.event_action == "resolve"' 3 || fail "PagerDuty resolves missing: $(attempts pd)"
wait_for 20 mails_at_least '.code == 250 and (.data | contains("| young resolved |"))' 1 || fail "resolved e-mail missing"
wait_for 20 delivered_at_least teams '.attachments[0].content.body[0].text | startswith("Resolved: young")' 1 ||
        fail "resolved Teams card missing"
[ "$(delivered pd | jq -r 'select(.event_action == "resolve") | .dedup_key' | sort | tr '\n' ' ')" = \
  "mida-monitor/harm/1002/1 mida-monitor/quiet/1004/ $dedup " ] || fail "resolves: $(delivered pd | jq -c 'select(.event_action == "resolve")')"
[ "$(mails '.data | contains("| quiet resolved |")' | wc -l)" -eq 0 ] || fail "notify_resolved = false was mailed"
ended=$(delivered am | jq -c "$am_firing" | tail -n 1)
received=$(sim "$SIM_URL/__hooks?name=am" | jq -r '[.deliveries[] | select(.status == 200)] | last | .received_at')
left=$(( $(date -d "$(jq -r .endsAt <<<"$ended")" +%s) - $(date -d "$received" +%s) ))
[ "$left" -le 1 ] || fail "the last Alertmanager post does not end the alert (endsAt $left s after receipt)"
count=$(delivered_count am "$am_firing")
poll_now
sleep 1
[ "$(delivered_count am "$am_firing")" -eq "$count" ] || fail "Alertmanager told again after the resolution"
grep -q 'experiment 1002 (Pricing page hero): no longer live' "$T/daemon.log" || fail "1002 was not paused and dropped"
pass "resolved: PagerDuty resolves with the same dedup_keys (also of the rule with notify_resolved = false, which mails nothing, and of the paused experiment's), Alertmanager endsAt = now and nothing after, e-mail and Teams told"
stop_daemon

# Secrets: nowhere in the state directory, the log or the journal fields.
! grep -rqa -e PDROUTINGKEY42 -e PDBADKEY42 -e AMTOKEN42 "$T/state" "$T/daemon.log" ||
        fail "a secret reached state.db or the log"
pass "routing keys and the bearer token are in neither state.db nor the log"

# test-notify reaches every type; an SMTP 554 is a permanent failure.
for name in am pd teams mail; do
        "$MIDA" -c "$T/mida-monitor.conf" test-notify $name >"$T/out" 2>"$T/err" ||
                fail "test-notify $name: $(cat "$T/err")"
        grep -Eq "^test-notify $name: delivered \((HTTP|SMTP) 2[0-9][0-9] in [0-9.]+ s\)$" "$T/out" ||
                fail "test-notify $name: $(cat "$T/out")"
done
start_smtp refusing --script 554
sed -i "s|smtp://127.0.0.1:[0-9]*|smtp://127.0.0.1:$SMTP_PORT|" "$T/mida-monitor.conf"
"$MIDA" -c "$T/mida-monitor.conf" test-notify mail >"$T/out" 2>"$T/err" && fail "test-notify must fail on SMTP 554"
grep -qx 'test-notify mail: failed: SMTP 554 (permanent)' "$T/err" || fail "SMTP 554: $(cat "$T/err")"
pass "test-notify: delivered to am, pd, teams and mail; SMTP 554 reported as permanent"
