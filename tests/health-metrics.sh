#!/usr/bin/env bash
# Health and metrics end to end: the real daemon against mida-sim. The
# metrics file passes a strict format check and matches `once --json`; a
# revoked API key is reported through the health notifiers after `after`
# (accelerated to 3 s), `status` says degraded with the reason, state.db's
# health table records it as notified so a restart sends nothing again, and
# a "recovered" follows when the key works again; a failing notifier is
# reported only through the other; a stalled experiment is detected.
. "$top_srcdir/tests/lib/harness.sh"

PROM_CHECK=$top_builddir/tests/prom-check
METRICS=$T/metrics/mida.prom

start_sim demo.conf
sim_post /__clock '{"speed": 0}' >/dev/null   # frozen: counts change only when the test says so
mkdir -p "$T/metrics"

# health_config [EXTRA_TOP_LEVEL]
# (its own config rather than write_config's: a long interval, so that only
# SIGUSR1 starts cycles and a fault never lands in the middle of one)
health_config() {
        cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "$SIM_URL/v2"; project_key = "demo"; api_key = "demo-key";
        timeout = "2s"; max_requests_per_second = 0; };
monitor: { interval = "1h"; spread = 0; state_directory = "$T/state"; metrics_file = "$METRICS"; };
CONF
        cat >>"$T/mida-monitor.conf" <<<"notifiers = (
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; },
  { name = \"pager\"; type = \"webhook\"; url = \"$SIM_URL/hooks/pager\"; } );
health: { notify = [ \"ops\", \"pager\" ]; after = \"3s\"; repeat = \"0\"; stalled_after = \"${STALLED:-0}\"; };
${1:-}"
}

hooks() { sim "$SIM_URL/__hooks?name=$1" | jq -c '.deliveries[] | select(.status < 300) | .body | fromjson'; }
health_count() { hooks "$1" | jq -c "select($2)" | wc -l; }
health_at_least() { [ "$(health_count "$1" "$2")" -ge "$3" ]; }
status_text() { "$MIDA" -c "$T/mida-monitor.conf" status; }
metric() { "$PROM_CHECK" "$METRICS" "$1"; }
# all_hooks NAME: every delivery attempt to hook NAME, failed ones too.
all_hooks() { sim "$SIM_URL/__hooks?name=$1" | jq -c '.deliveries[] | .body | fromjson'; }
reloads_at_least() { [ "$(grep -c 'configuration reloaded' "$T/daemon.log")" -ge "$1" ]; }
# outbox_empty: no delivery queued in state.db's outbox table.
outbox_empty() { [ "$(db_query 'SELECT count(*) FROM outbox')" = 0 ]; }

health_config
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 10 test -s "$METRICS" || fail "no metrics file"

# 1. The metrics file: strict format, and the figures of `once --json`.
"$PROM_CHECK" "$METRICS" || fail "metrics file fails the format check"
if command -v promtool >/dev/null; then
        promtool check metrics <"$METRICS" || fail "promtool rejects the metrics file"
fi
[ "$(stat -c %a "$METRICS")" = 644 ] || fail "metrics file mode $(stat -c %a "$METRICS"), expected 644"
"$MIDA" -c "$T/mida-monitor.conf" once --json >"$T/once.json" 2>>"$T/once.log" || fail "once --json failed"
[ "$(jq length "$T/once.json")" -eq 4 ] || fail "once --json: $(cat "$T/once.json")"
same() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); exit !(d <= 1e-12 * (m > 1 ? m : 1)) }'; }
# once --json has no names: look samples up without the experiment_name label.
sed -E 's/,experiment_name="([^"\\]|\\.)*"//' "$METRICS" >"$T/unnamed.prom"
checked=0
while IFS=$'\t' read -r id vid field value; do
        series="mida_$field{experiment_id=\"$id\",variant_id=\"$vid\"}"
        [ "$field" = srm_p ] && series="mida_srm_p{experiment_id=\"$id\"}"
        if [ "$value" = null ]; then
                "$PROM_CHECK" "$T/unnamed.prom" "$series" >/dev/null 2>&1 && fail "$series has a sample, once --json says null"
        else
                got=$("$PROM_CHECK" "$T/unnamed.prom" "$series") || fail "no sample $series (once --json: $value)"
                same "$got" "$value" || fail "$series = $got, once --json says $value"
        fi
        checked=$((checked + 1))
done < <(jq -r '.[] | . as $x | ([$x.test_id, "-", "srm_p", ($x.srm_p // "null")] | @tsv),
        ($x.variants[] | . as $v | ("visitors", "conversions", "lift", "lift_low", "lift_high", "p_value",
         "p_value_adjusted", "prob_beat_control") as $f |
         [$x.test_id, $v.variant_id, $f, (if $v[$f] == null then "null" else $v[$f] end)] | @tsv)' \
        "$T/once.json")
[ "$checked" -gt 40 ] || fail "only $checked values compared"
[ "$(metric 'mida_health_degraded{condition="api_key_rejected"}')" = 0 ] || fail "healthy daemon reports a condition"
metric "mida_build_info{version=\"$("$MIDA" --version | awk '{print $NF}')\"}" >/dev/null || fail "build info"
pass "metrics file ($(wc -c <"$METRICS") bytes, $(grep -vc '^#' "$METRICS") samples) passes the strict check; $checked figures equal once --json"
status_text | head -1 | grep -qx 'Health:          OK' || fail "status: $(status_text)"
pass "status starts with Health: OK"

# 2. The key revoked: pending, then after 3 s one alert to both health notifiers.
sim_post /__faults '{"kind": "status", "status": 401, "endpoint": "any"}' >/dev/null
poll_now
grep -q 'health: the Mida API rejects the API key (.*401.*); notified if it lasts 3s' "$T/daemon.log" ||
        fail "no health record for the rejected key"
status_text >"$T/status.txt"
head -1 "$T/status.txt" | grep -qx 'Health:          DEGRADED' || fail "status while pending: $(cat "$T/status.txt")"
grep -q 'the Mida API rejects the API key.*notified if it lasts 3s' "$T/status.txt" || fail "status reason: $(cat "$T/status.txt")"
[ "$(health_count ops 'true')" -eq 0 ] || fail "notified before 'after'"
sleep 3.2
poll_now
wait_for 15 health_at_least ops '.event == "health-degraded" and .health.condition == "api_key_rejected"' 1 ||
        fail "no health alert at the ops receiver: $(hooks ops)"
wait_for 15 health_at_least pager '.event == "health-degraded" and .health.condition == "api_key_rejected"' 1 ||
        fail "no health alert at the pager receiver"
hooks ops | jq -e 'select(.event == "health-degraded") | .summary | test("rejects the API key")' >/dev/null ||
        fail "summary: $(hooks ops)"
status_text >"$T/status.txt"
grep -q 'the Mida API rejects the API key: .*401.*; since .*; notified ' "$T/status.txt" ||
        fail "status after the alert: $(cat "$T/status.txt")"
"$MIDA" -c "$T/mida-monitor.conf" status --json | jq -e '.health.ok == false and
        (.health.conditions[0].condition == "api_key_rejected")' >/dev/null || fail "status --json health"
grep -q 'health degraded: the Mida API rejects the API key' "$T/daemon.log" || fail "no degraded record"
[ "$(metric 'mida_health_degraded{condition="api_key_rejected"}')" = 1 ] || fail "metric api_key_rejected"
[ "$(metric 'mida_poll_errors_total{kind="auth"}')" -ge 2 ] || fail "auth errors not counted"
"$PROM_CHECK" "$METRICS" || fail "metrics file invalid while degraded"
poll_now
[ "$(health_count ops 'true')" -eq 1 ] || fail "alert sent again (repeat = 0)"
pass "key revoked: journalled at once, health alert at both receivers after 3 s, status degraded with the reason"

# A restart does not alert again: the condition is in state.db, notified.
wait_for 5 db_true "EXISTS (SELECT 1 FROM health WHERE condition = 'api_key_rejected' AND alerted_at > 0)" ||
        fail "the notified condition is not in state.db: $(db_query 'SELECT * FROM health')"
grep '^mida_lift{' "$METRICS" | sort >"$T/lift-before.prom"
[ -s "$T/lift-before.prom" ] || fail "no mida_lift samples before the restart"
stop_daemon
start_daemon
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(health_count ops 'true')" -eq 1 ] || fail "restart re-sent the health alert: $(hooks ops)"
# Nothing could be polled since the restart: the metrics show the last
# analyses, recomputed from state.db.
grep '^mida_lift{' "$METRICS" | sort | diff "$T/lift-before.prom" - >&2 ||
        fail "the metrics after a restart without a poll differ from before it"
pass "restart while degraded: nothing re-sent, the metrics keep the last analyses"

# 3. Key restored: one "recovered".
curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
poll_now
wait_for 15 health_at_least ops '.event == "health-recovered" and .health.condition == "api_key_rejected"' 1 ||
        fail "no recovered message: $(hooks ops)"
wait_for 15 health_at_least pager '.event == "health-recovered"' 1 || fail "no recovered message at pager"
status_text | head -1 | grep -qx 'Health:          OK' || fail "status after recovery: $(status_text)"
grep -q 'health recovered: the Mida API rejects the API key no more' "$T/daemon.log" || fail "no recovered record"
pass "key restored: recovered message at both receivers, status OK"

# 4. A notifier failing: reported through the other only.
sim_post /__hooks/fail '{"name": "pager", "count": 100000, "status": 500}' >/dev/null
health_config 'rules = ( { name = "always"; when = "visitors > 0"; notify = [ "pager" ]; } );'
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now   # the rule fires: deliveries to pager queued, and they fail
sleep 1.5
poll_now   # pager seen failing
sleep 3.2
poll_now
wait_for 15 health_at_least ops '.event == "health-degraded" and .health.condition == "delivery_failing"
        and .health.subject == "pager"' 1 || fail "failing pager not reported via ops: $(hooks ops | jq -c .health)"
[ "$(all_hooks pager | jq -c 'select(.health.condition == "delivery_failing")' | wc -l)" -eq 0 ] ||
        fail "pager was told about itself"
status_text | grep -q 'deliveries to notifier pager fail: HTTP 500' || fail "status: $(status_text)"
curl -sS -X DELETE "$SIM_URL/__hooks" >/dev/null   # forgets planned failures (and deliveries so far)
wait_for 40 health_at_least pager '.rule == "always"' 1 || fail "pager never recovered"
poll_now
wait_for 15 health_at_least ops '.event == "health-recovered" and .health.condition == "delivery_failing"' 1 ||
        fail "no recovered message for pager"
pass "pager failing: reported via ops only; recovered when it works again"

# 5. Stalled traffic: the simulator's clock stands still.
STALLED=2s health_config
kill -HUP "$DAEMON_PID"
wait_for 10 reloads_at_least 2 || fail "reload"
sim_post /__clock '{"advance": 3600}' >/dev/null
poll_now          # visitors grew
sleep 2.2
poll_now          # not since: stalled for every live experiment
wait_for 15 health_at_least ops '.health.condition == "experiment_stalled" and .experiment.id == 1001' 1 ||
        fail "stalled experiment not reported: $(hooks ops | jq -c .health)"
status_text | grep -q 'experiment 1001 (Checkout CTA copy): traffic stalled: no new visitors for' ||
        fail "status: $(status_text)"
sim_post /__clock '{"advance": 3600}' >/dev/null
poll_now
wait_for 15 health_at_least ops '.event == "health-recovered" and .health.condition == "experiment_stalled"' 1 ||
        fail "no recovered message for the stalled experiment"
"$PROM_CHECK" "$METRICS" || fail "metrics file invalid at the end"
stop_daemon
pass "stalled traffic detected after stalled_after and recovered when visitors grow"
