#!/usr/bin/env bash
# Lifecycle notices end to end: the first discovery is a silent baseline;
# then someone (mida-sim's /__experiment, as the dashboard would) starts a
# draft, pauses a live experiment, concludes one and deletes another: each
# notice goes out once (a webhook payload per notice, one Slack message
# for the cycle), this daemon's own pause is not reported as "stopped", and
# neither a reload nor a restart repeats any of them.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

notices() { hooks ops | jq -c 'select(.event | startswith("experiment."))'; }
notice_count() { notices | jq -c "select($1)" | wc -l; }
lifecycle_slack() { hooks growth | jq -r .text | grep -c 'Experiment ' || true; }

start_sim demo.conf
write_config "" "notifiers = (
  { name = \"growth\"; type = \"slack\"; url = \"$SIM_URL/hooks/slack/growth\"; },
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; } );
rules = ( { name = \"harm\"; when = \"significant && lift_high < -0.05\"; notify = [ \"ops\" ]; action = \"pause\"; } );
lifecycle: { notify = [ \"growth\", \"ops\" ]; };"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
grep -q "lifecycle: the experiment list's first look (6 experiments) is the baseline" "$T/daemon.log" ||
        fail "no baseline line"
wait_for 20 patches_are 1002 1 || fail "harm did not pause 1002"
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(notice_count true)" -eq 0 ] || fail "notices on the baseline or for our own pause: $(notices)"
[ "$(lifecycle_slack)" -eq 0 ] || fail "Slack got lifecycle notices: $(hooks growth | jq -r .text)"
grep -q 'experiment 1002: stopped by this daemon.s pause' "$T/daemon.log" || fail "our pause not recognised"
pass "first look: a silent baseline of 6 experiments; our own pause of 1002 is no 'stopped' notice"

sim_post /__experiment '{"test_id": 1005, "status": 1}' >/dev/null        # a draft started
sim_post /__experiment '{"test_id": 1001, "status": 0}' >/dev/null        # paused by someone else
sim_post /__experiment '{"test_id": 1006, "is_completed": 1}' >/dev/null  # concluded in the dashboard
sim_post /__experiment '{"test_id": 1003, "deleted": true}' >/dev/null    # deleted
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
for want in 'experiment.started 1005 live' 'experiment.stopped 1001 inactive' 'experiment.concluded 1006 inactive' \
            'experiment.disappeared 1003 gone'; do
        set -- $want
        [ "$(notice_count ".event == \"$1\" and .experiment.id == $2 and .status == \"$3\"")" -eq 1 ] ||
                fail "want one $want: $(notices)"
done
[ "$(notice_count true)" -eq 4 ] || fail "unexpected notices: $(notices)"
notices | jq -s -e 'map(select(.event == "experiment.stopped"))[0] | .rule == null and .severity == "info" and
        (.summary | contains("stopped outside mida-monitor")) and (.id | startswith("evt_"))' >/dev/null ||
        fail "stopped payload: $(notices | grep stopped)"
[ "$(hooks growth | wc -l)" -eq 1 ] || fail "Slack: $(hooks growth | wc -l) messages, want one for the cycle"
hooks growth | jq -e '[.blocks[] | select(.type == "header") | .text.text] |
        (length == 4) and (map(test("Experiment (started|stopped|concluded|disappeared)")) | all)' >/dev/null ||
        fail "Slack message: $(hooks growth | jq -c '[.blocks[] | select(.type == "header") | .text.text]')"
grep -q 'Product page reviews started: it is live' "$T/daemon.log" || fail "the notice is not journalled"
pass "started, stopped, concluded, disappeared: one webhook payload each, one Slack message for the cycle"

# A live experiment concluded: the list's is_completed and the result's
# end_date say it together; it is told once.
sim_post /__experiment '{"test_id": 1004, "is_completed": 1}' >/dev/null
poll_now
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(notice_count '.event == "experiment.concluded" and .experiment.id == 1004 and .status == "live"')" -eq 1 ] ||
        fail "1004 concluded while live: $(notices | grep 1004)"
pass "a live experiment concluded (is_completed and end_date): one notice"

kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now
stop_daemon
start_daemon
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(notice_count true)" -eq 5 ] && [ "$(hooks growth | wc -l)" -eq 2 ] || fail "a reload or restart repeated: $(notices)"
pass "a reload and a restart repeat none of them"
stop_daemon
