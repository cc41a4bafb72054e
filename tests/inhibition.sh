#!/usr/bin/env bash
# "A sample-ratio mismatch gates every decision": mida-sim's gate scenario
# has experiment 2001 with a 60/40 split where 50/50 is expected and a
# harmful variant (SRM by the chi2 test, see below). With `inhibit = ( {
# source = "srm"; targets = [ "harm" ];
# actions = true; } )` only the SRM alert goes out and nothing is paused;
# once the split is corrected in the simulator and the SRM resolves, the
# harm alert and the pause follow, once. The simulator runs on a fixed seed
# and clock (--speed 0), so the counts are the same on every run.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

growth_count() { hooks growth | jq -r .text | grep -c -- "$1" || true; }

start_sim gate.conf --seed 1 --speed 0 --now 2026-01-05T00:00:00Z
# The chi2 SRM test, which resolves once the cumulative split recovers: the
# default sequential test's verdict stands for the rest of the run (its
# running minimum), so the gate would stay shut until the experiment restarts.
write_config "" "statistics: { srm_method = \"chi2\"; };
notifiers = (
  { name = \"growth\"; type = \"slack\"; url = \"$SIM_URL/hooks/slack/growth\"; },
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; } );
rules = (
  { name = \"srm\"; when = \"srm\"; notify = [ \"ops\" ]; },
  { name = \"harm\"; when = \"significant && lift_high < -0.05\"; severity = \"critical\";
    notify = [ \"growth\", \"ops\" ]; action = \"pause\"; } );
inhibit = ( { source = \"srm\"; targets = [ \"harm\" ]; actions = true; } );"
"$MIDA" -c "$T/mida-monitor.conf" check-config >/dev/null || fail "check-config refuses the inhibit recipe"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
wait_for 20 ops_count_at_least '.rule == "srm" and .event == "fired" and .experiment.id == 2001' 1 ||
        fail "the SRM alert did not go out: $(hooks ops)"
grep -q 'harm fired on Signup form .*(not sent: inhibited by srm)' "$T/daemon.log" || fail "harm not held by srm"
grep -q 'rule harm, experiment 2001: action withheld while inhibited by srm' "$T/daemon.log" ||
        fail "the pause was not withheld"
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(ops_count '.rule == "harm"')" -eq 0 ] && [ "$(growth_count harm)" -eq 0 ] || fail "harm was sent under the SRM"
[ "$(patch_count 2001)" -eq 0 ] || fail "2001 was paused while its split was wrong"
pass "SRM and harm on 2001: only the SRM alert is sent, the pause is withheld"

# Correct the split; a week later the cumulative split no longer mismatches.
sim_post /__weight '{"test_id": 2001, "variant_id": "0", "weight": 40}' >/dev/null
sim_post /__clock '{"advance": 604800}' >/dev/null
poll_now
wait_for 20 ops_count_at_least '.rule == "srm" and .event == "resolved"' 1 || fail "the SRM did not resolve"
wait_for 20 patches_are 2001 1 || fail "no pause once the SRM resolved"
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(growth_count 'harm fired on Signup form')" -eq 1 ] || fail "harm not sent once: $(hooks growth | jq -r .text)"
order=$(hooks ops | jq -r 'select(.rule == "harm") | .event' | tr '\n' ' ')
[ "$order" = "fired action " ] || fail "harm and its pause reached ops as: $order"
grep -q 'harm fired on Signup form.*(held back until now)' "$T/daemon.log" || fail "the release is not journalled"
poll_now
[ "$(patch_count 2001)" -eq 1 ] && [ "$(growth_count 'harm fired')" -eq 1 ] || fail "harm or its pause repeated"
pass "split corrected, SRM resolved: harm sent once, then the pause, once"
stop_daemon
