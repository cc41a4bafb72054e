#!/usr/bin/env bash
# Actions and their safety switches: dry_run reports "would pause" and
# changes nothing (the ledger, state.db's actions table, says 'dry-run');
# max_actions_per_hour lets one pause through, skips the rest and says so
# once; serve-winner serves the firing variant once; a refused action is
# reported once, recorded 'failed' in the ledger and never retried.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

# fresh_start MONITOR_SETTINGS RULE: the simulator and the state as new, a
# config with the signed ops webhook and one rule.
fresh_start() {
        sim_post /__reset '{}' >/dev/null
        rm -rf "$T/state"
        write_config "$1" "notifiers = (
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; secret = \"$SECRET\"; } );
rules = ( $2 );"
}
all_patches() { sim "$SIM_URL/__requests" | jq '[.requests[] | select(.method == "PATCH")] | length'; }

start_sim demo.conf
alert_config "dry_run = true;"
start_daemon
wait_for 30 ops_count_at_least '.event == "action"' 1 || fail "no dry-run action event: $(hooks ops)"
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
action=$(hooks ops | jq -c 'select(.event == "action")')
[ "$(jq -r '.dry_run, .action.result' <<<"$action" | tr '\n' ' ')" = "true would pause (dry run) " ] ||
        fail "dry-run event: $action"
[ "$(ops_count '.event == "action"')" -eq 1 ] || fail "dry-run reported more than once"
[ "$(all_patches)" -eq 0 ] && [ "$(sim_status 1002)" -eq 1 ] || fail "dry run changed the experiment"
grep -q 'rule harm, experiment 1002: pause: would pause (dry run)' "$T/daemon.log" || fail "dry run not logged"
wait_for 5 db_true "(SELECT state FROM actions WHERE rule = 'harm' AND experiment_id = 1002) = 'dry-run'" ||
        fail "the ledger: $(db_query 'SELECT rule, experiment_id, action, state FROM actions')"
pass "dry_run: one 'would pause (dry run)' event, no PATCH, the experiment still live"
stop_daemon

# Turning dry_run off lets the real action happen once.
alert_config
start_daemon
wait_for 30 ops_count_at_least '.event == "action" and .dry_run == false' 1 || fail "no real action after dry run"
[ "$(patch_count 1002)" -eq 1 ] && [ "$(sim_status 1002)" -eq 0 ] || fail "pause after dry run"
pass "dry_run off: the pause happens, once"
stop_daemon

# Circuit breaker: a rule that would pause every live experiment.
fresh_start "max_actions_per_hour = 1;" \
        '{ name = "stop-all"; when = "visitors > 0"; action = "pause"; notify = [ "ops" ]; }'
start_daemon
wait_for 30 ops_count_at_least '.event == "action-failed"' 1 || fail "breaker not reported: $(hooks ops)"
poll_now; poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(all_patches)" -eq 1 ] || fail "breaker let $(all_patches) pauses through"
[ "$(ops_count '.event == "action"')" -eq 1 ] || fail "expected one action event"
[ "$(ops_count '.event == "action-failed"')" -eq 1 ] || fail "the open breaker was reported more than once"
hooks ops | jq -r 'select(.event == "action-failed") | .action.result' | grep -q 'max_actions_per_hour' ||
        fail "the skip does not say why"
pass "max_actions_per_hour = 1: one pause, the others skipped, one alert says so"
stop_daemon

# serve-winner: the firing variant, at the rule's traffic allocation, once.
fresh_start "" '{ name = "ship"; when = "significant && lift > 0.1"; experiments = [ "Checkout*" ];
                  action = "serve-winner"; traffic_allocation = 50; notify = [ "ops" ]; }'
start_daemon
wait_for 30 ops_count_at_least '.event == "action"' 1 || fail "no serve-winner action: $(hooks ops)"
poll_now
serving=$(sim "$SIM_URL/__state" | jq -c '.experiments[] | select(.test_id == 1001) |
        [.is_serving, .serving_variant_id, .traffic_allocation]')
[ "$serving" = '[true,"1",50]' ] || fail "1001 serving state: $serving"
posts=$(sim "$SIM_URL/__requests" | jq '[.requests[] | select(.method == "POST" and (.path | endswith("/serve-winner")))] | length')
[ "$posts" -eq 1 ] || fail "expected one serve-winner request, saw $posts"
[ "$(ops_count '.event == "action" and .action.result == "serving variant 1 to 50%"')" -eq 1 ] ||
        fail "serve-winner event: $(hooks ops | jq -c 'select(.event == "action") | .action')"
pass "serve-winner: variant 1 of 'Checkout*' served to 50%, one request, one event"
stop_daemon

# A failing action is reported as action-failed, once, and never retried
# by later cycles (the ledger records it as failed; nothing is done twice).
sim_post /__reset '{}' >/dev/null
rm -rf "$T/state"
sim_post /__faults '{"kind": "status", "status": 403, "endpoint": "status"}' >/dev/null
alert_config
start_daemon
wait_for 30 ops_count_at_least '.event == "action-failed"' 1 || fail "no action-failed event: $(hooks ops)"
poll_now; poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
failed=$(hooks ops | jq -r 'select(.event == "action-failed") | .action.result')
case "$failed" in "failed: HTTP 403"*) ;; *) fail "action-failed result: $failed" ;; esac
[ "$(ops_count '.event == "action-failed"')" -eq 1 ] || fail "the failure was reported more than once"
[ "$(patch_count 1002)" -eq 1 ] || fail "a failed pause was retried by later cycles: $(patch_count 1002) PATCHes"
grep -q 'rule harm, experiment 1002: pause: failed: HTTP 403' "$T/daemon.log" || fail "the failure is not logged"
db_true "(SELECT state = 'failed' AND http_status = 403 FROM actions WHERE rule = 'harm' AND experiment_id = 1002)" ||
        fail "the ledger: $(db_query 'SELECT rule, experiment_id, state, attempts, http_status, error FROM actions')"
pass "a pause refused with 403 is reported once as action-failed ($failed) and not retried"
stop_daemon
