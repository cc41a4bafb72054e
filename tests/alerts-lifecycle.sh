#!/usr/bin/env bash
# The alert lifecycle end to end: the real daemon against mida-sim's demo
# scenario with the three rules of ENGINEERING.md §5. Each alert reaches
# the receiver once (Slack and a signed webhook), the harm rule pauses its
# experiment exactly once and its traffic stops, a reload adds a rule, a
# restart while alerts fire sends nothing new, and a condition that clears
# sends "resolved".
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

start_sim demo.conf
alert_config
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 30 ops_count_at_least 'true' 3 || fail "webhook deliveries missing: $(hooks ops)"
wait_for 30 outbox_empty || fail "outbox not drained: $(outbox_list)"

# Each alert once, to the notifiers its rule names.
[ "$(ops_count '.event == "fired" and .rule == "harm" and .experiment.id == 1002')" -eq 1 ] || fail "harm webhook"
[ "$(ops_count '.event == "fired" and .rule == "srm" and .experiment.id == 1003')" -eq 1 ] || fail "srm webhook"
[ "$(ops_count '.event == "action" and .rule == "harm" and .action.result == "paused"')" -eq 1 ] || fail "pause webhook"
[ "$(ops_count '.rule == "winner"')" -eq 0 ] || fail "winner went to ops, which its rule does not name"
[ "$(ops_count 'true')" -eq 3 ] || fail "unexpected webhooks: $(hooks ops | jq -c '[.event, .rule]')"
[ "$(slack_count 'winner fired on Checkout CTA copy')" -eq 1 ] || fail "winner Slack message: $(hooks growth | jq -r .text)"
[ "$(slack_count 'harm fired on Pricing page hero')" -eq 1 ] || fail "harm Slack message"
[ "$(slack_count 'harm: pause taken on Pricing page hero')" -eq 1 ] || fail "pause Slack message"
[ "$(slack_count 'srm fired')" -eq 0 ] || fail "srm went to Slack, which its rule does not name"
order=$(hooks ops | jq -r 'select(.rule == "harm") | .event' | tr '\n' ' ')
[ "$order" = "fired action " ] || fail "the pause reached ops before its alert: $order"
order=$(hooks growth | jq -r .text | grep -o 'harm fired\|harm: pause taken' | tr '\n' ',')
[ "$order" = "harm fired,harm: pause taken," ] || fail "the pause reached Slack before its alert: $order"
pass "winner, harm + pause and SRM each delivered once to the notifiers their rules name, the alert before its action"
n=$(check_signatures)
pass "all $n webhook deliveries carry a valid Standard Webhooks signature and their own id"

# The journal tells the same story.
for line in 'winner fired on Checkout CTA copy' 'harm fired on Pricing page hero' \
            'srm fired on Header navigation: sample-ratio p' 'rule harm, experiment 1002: pause: paused'; do
        [ "$(grep -c -- "$line" "$T/daemon.log")" -eq 1 ] || fail "log should say once: $line"
done
pass "the log records each alert and the pause once"

# Exactly one PATCH, and the experiment stops receiving traffic.
[ "$(patch_count 1002)" -eq 1 ] || fail "expected one PATCH for 1002, saw $(patch_count 1002)"
[ "$(sim_status 1002)" -eq 0 ] || fail "1002 not paused in the simulator"
visitors() { sim -H 'x-api-key: demo-key' "$SIM_URL/v2/project/demo/experiment/$1/result" | jq .total_visitors; }
before_paused=$(visitors 1002); before_live=$(visitors 1001)
sim_post /__clock '{"advance": 7200}' >/dev/null
[ "$(visitors 1002)" -eq "$before_paused" ] || fail "paused experiment still gets traffic"
[ "$(visitors 1001)" -gt "$before_live" ] || fail "live experiment got no traffic in 2 simulated hours"
pass "the paused experiment stops receiving traffic; the others go on"

# Later cycles send nothing new: alerts are state changes, not levels.
poll_now; poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(ops_count 'true')" -eq 3 ] && [ "$(hooks growth | wc -l)" -eq 3 ] || fail "a later cycle re-sent an alert"
grep -q 'experiment 1002 (Pricing page hero): no longer live' "$T/daemon.log" || fail "1002 not dropped"
[ "$(ops_count '.event == "resolved"')" -eq 0 ] || fail "a paused experiment's alert was reported resolved"
# STATUS= follows the cycle's log line, through the notify listener.
wait_for 10 grep -q '^STATUS=Watching 3 experiments; 2 alerts firing; last cycle' "$T/notify.log" ||
        fail "STATUS= does not count the firing alerts: $(grep STATUS= "$T/notify.log" | tail -n 1)"
pass "two more cycles: nothing re-sent, the paused experiment dropped without a false 'resolved'; STATUS= says 2 firing"

# A reload adds a rule; it fires on the next cycle.
alert_config "" ', { name = "young"; when = "visitors < 40000"; experiments = [ "1004" ]; notify = [ "ops" ]; }'
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now
wait_for 20 ops_count_at_least '.rule == "young" and .event == "fired"' 1 || fail "young did not fire after reload"
pass "a rule added by SIGHUP fires on the next cycle"

# A restart while alerts fire sends nothing new and takes no action again.
stop_daemon
start_daemon
wait_for 30 cycles_more_than 4 || fail "cycle after restart"
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(ops_count 'true')" -eq 4 ] || fail "restart re-sent: $(hooks ops | jq -c '[.event, .rule]')"
[ "$(hooks growth | wc -l)" -eq 3 ] || fail "restart re-sent a Slack message"
[ "$(patch_count 1002)" -eq 1 ] || fail "restart paused again"
pass "restart while firing: nothing re-sent, no second PATCH"

# The condition clears: one "resolved".
sim_post /__clock '{"advance": 172800}' >/dev/null
poll_now
wait_for 20 ops_count_at_least '.rule == "young" and .event == "resolved"' 1 || fail "young did not resolve"
resolved=$(hooks ops | jq -c 'select(.event == "resolved")')
[ "$(jq -r .timestamps.resolved <<<"$resolved")" != null ] || fail "resolved has no timestamp: $resolved"
poll_now
[ "$(ops_count '.event == "resolved"')" -eq 1 ] || fail "resolved sent twice"
pass "the condition cleared: one 'resolved' with its time"
stop_daemon
