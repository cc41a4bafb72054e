#!/usr/bin/env bash
# Silences end to end, while the daemon runs: `silence add` holds back a
# firing alert's message (journalled with its silence), `silence expire`
# releases it as exactly one message; a silence added while an alert is
# pending holds its firing; --actions withholds a pause (no PATCH) until
# the silence ends, then the pause happens once; a held message survives a
# restart; every bad input gets its message and exit code 2.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

silence() { "$MIDA" -c "$T/mida-monitor.conf" silence "$@"; }
growth_count() { hooks growth | jq -r .text | grep -c -- "$1" || true; }

start_sim demo.conf
# The state database exists once the daemon has run: a first start without rules.
write_config "" "notifiers = ( { name = \"growth\"; type = \"slack\"; url = \"$SIM_URL/hooks/slack/growth\"; } );"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"

write_config "" "notifiers = ( { name = \"growth\"; type = \"slack\"; url = \"$SIM_URL/hooks/slack/growth\"; } );
rules = (
  { name = \"winner\"; when = \"significant && lift > 0.02\"; notify = [ \"growth\" ]; },
  { name = \"harm\"; when = \"significant && lift_high < -0.05\"; severity = \"critical\";
    notify = [ \"growth\" ]; action = \"pause\"; },
  { name = \"young\"; when = \"visitors < 40000\"; for = \"3s\"; experiments = [ \"1004\" ]; notify = [ \"growth\" ]; } );"
winner=$(silence add --rule winner --for 1h --comment "launch week: no winner calls") || fail "silence add: $winner"
[ "$winner" = 1 ] || fail "silence add printed '$winner', want the id 1"
harm=$(silence add --experiment 1002 --rule harm --for 1h --actions --comment "pricing team decides") ||
        fail "silence add --actions"
pass "silence add printed the ids $winner and $harm"

kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now
grep -q "winner fired on Checkout CTA copy .*(not sent: silence $winner)" "$T/daemon.log" ||
        fail "the held winner is not journalled with its silence"
grep -q "harm fired on Pricing page hero .*(not sent: silence $harm)" "$T/daemon.log" || fail "harm not held"
grep -q "rule harm, experiment 1002: action withheld by silence $harm" "$T/daemon.log" || fail "the pause was not withheld"
grep -q 'young pending on Footer newsletter box' "$T/daemon.log" || fail "young is not pending"
young=$(silence add --experiment 1004 --for 1h --comment "footer revamp") || fail "silence add --experiment"
sleep 3.5
poll_now
grep -q "young fired on Footer newsletter box.*(not sent: silence $young)" "$T/daemon.log" ||
        fail "young's firing (pending when the silence came) was not held"
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(hooks growth | wc -l)" -eq 0 ] || fail "silenced alerts were sent: $(hooks growth | jq -r .text)"
[ "$(patch_count 1002)" -eq 0 ] || fail "the pause happened under a silence with --actions"
pass "winner, harm and young fire silently: journalled with their silence, nothing sent, no PATCH"

silence list >"$T/list" || fail "silence list"
[ "$(grep -c ' active ' "$T/list")" -eq 3 ] || fail "silence list: $(cat "$T/list")"
silence list --json | jq -e '.silences | length == 3 and (.[1].actions == true) and (.[0].rule == "winner")' \
        >/dev/null || fail "silence list --json: $(silence list --json)"
pass "silence list shows the three, with --json"

# A restart keeps the held messages owed.
stop_daemon
start_daemon
poll_now
[ "$(hooks growth | wc -l)" -eq 0 ] || fail "a restart sent a silenced alert"
silence expire "$winner" >/dev/null || fail "silence expire"
poll_now
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(growth_count 'winner fired on Checkout CTA copy')" -eq 1 ] || fail "expired: winner not sent once: $(hooks growth | jq -r .text)"
grep -q 'winner fired on Checkout CTA copy.*(held back until now)' "$T/daemon.log" || fail "release not journalled"
poll_now
[ "$(growth_count 'winner fired')" -eq 1 ] || fail "the released winner was sent twice"
[ "$(hooks growth | wc -l)" -eq 1 ] || fail "other alerts leaked: $(hooks growth | jq -r .text)"
pass "after a restart, silence expire: the winner sent exactly once, nothing else"

silence expire "$harm" >/dev/null || fail "silence expire harm"
poll_now
wait_for 20 patches_are 1002 1 || fail "no pause after the silence ended"
wait_for 10 outbox_empty || fail "outbox not drained"
[ "$(growth_count 'harm fired on Pricing page hero')" -eq 1 ] || fail "harm not sent once after expiry"
order=$(hooks growth | jq -r .text | grep -o 'harm fired\|harm: pause taken' | tr '\n' ',')
[ "$order" = "harm fired,harm: pause taken," ] || fail "harm and its pause: $order"
poll_now
[ "$(patch_count 1002)" -eq 1 ] || fail "paused twice"
pass "silence with --actions expired: harm sent, then the pause, once"

# The condition clears during a silence: nothing is sent, then or later.
sim_post /__clock '{"advance": 172800}' >/dev/null
poll_now
grep -q 'young resolved on Footer newsletter box' "$T/daemon.log" || fail "young did not resolve"
silence expire "$young" >/dev/null || fail "silence expire young"
poll_now
[ "$(growth_count young)" -eq 0 ] || fail "young was told though it fired and resolved under its silence"
pass "an alert that fired and resolved under its silence is never sent"
stop_daemon

# Bad input: message and exit status 2.
expect_usage() {
        local want=$1; shift
        silence "$@" >"$T/out" 2>"$T/err" && fail "silence $* succeeded"
        [ $? -eq 2 ] || fail "silence $*: exit status not 2"
        grep -qF -- "$want" "$T/err" || fail "silence $*: $(cat "$T/err"), want: $want"
}
expect_usage "no rule 'winer' in $T/mida-monitor.conf (did you mean 'winner'?)" add --rule winer --for 1h --comment x
expect_usage "it never matches everything" add --for 1h --comment x
expect_usage "--comment TEXT is required" add --rule winner --for 1h
expect_usage "--comment TEXT is required" add --rule winner --for 1h --comment " "
expect_usage "is in the past" add --rule winner --until "2020-01-01 10:00" --comment x
expect_usage "is not a duration of at least 1s" add --rule winner --for 0 --comment x
expect_usage "is not a duration of at least 1s" add --rule winner --for -5m --comment x
expect_usage "not both" add --rule winner --for 1h --until "2030-01-01 10:00" --comment x
expect_usage "is not a time" add --rule winner --until "next tuesday" --comment x
expect_usage "is not an experiment id" add --experiment abc --for 1h --comment x
silence add --experiment 424242 --for 1h --comment "not live yet" >"$T/out" 2>"$T/err" || fail "unwatched id refused"
grep -q 'warning: experiment 424242 is not watched now' "$T/err" || fail "no warning: $(cat "$T/err")"
silence add --rule winner --until "$(date -d '+2 hours' '+%Y-%m-%d %H:%M')" --comment "local time" >/dev/null ||
        fail "--until 'YYYY-MM-DD HH:MM' refused"
silence add --rule winner --until "$(date -u -d '+2 hours' '+%Y-%m-%dT%H:%M:%SZ')" --comment "ISO 8601" >/dev/null ||
        fail "--until ISO 8601 refused"
silence expire 999 >/dev/null 2>"$T/err" && fail "expire of an unknown silence succeeded"
grep -q 'no silence 999 in force or to come' "$T/err" || fail "expire 999: $(cat "$T/err")"
pass "bad input: each error named, exit 2; an unwatched experiment is a warning; both time forms accepted"
