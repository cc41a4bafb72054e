#!/usr/bin/env bash
# `history` against the real daemon and mida-sim: the simulator's clock is
# frozen and advanced by hand between polls, so that the counts at each poll
# are known exactly (the test fetches them from the simulator right after
# each poll); some steps change only some variants (the carry-forward of
# unchanged ones), some change nothing (no poll recorded). Then the series
# `history --json` prints must be those counts, one poll per change, with
# the daemon's own figures at the last one; the table has a sparkline; and
# the errors exit 1 or 2.
. "$(dirname "$0")/lib/harness.sh"

ID=1004     # three arms: the Holm correction and the carry-forward both matter
start_sim demo --seed 7 --speed 0 --now 2026-03-01T00:00:00Z
write_config
hist() { "$MIDA" -c "$T/mida-monitor.conf" history "$@"; }

# Errors before the daemon ever ran.
hist $ID >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "no database: exit $rc, expected 1"
grep -qF "$T/state/state.db: no history yet (the daemon has not recorded a poll)" "$T/err" ||
        fail "no database: $(cat "$T/err")"
hist $ID --since bogus >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "not a duration" "$T/err" && grep -q "^Usage: " "$T/err" ||
        fail "--since bogus: exit $rc: $(cat "$T/err")"
hist x12 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "not an experiment ID" "$T/err" || fail "bad ID: exit $rc: $(cat "$T/err")"
hist >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "no ID: exit $rc"
hist $ID --bogus >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--bogus'" "$T/err" || fail "unknown flag: exit $rc: $(cat "$T/err")"
"$MIDA" -c "$T/mida-monitor.conf" status --since 1h >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "--since on status: exit $rc"
pass "no database (exit 1), bad --since, bad ID, unknown flag (exit 2)"

# What the simulator reports for the experiment now: [[id, visitors, conversions], ...].
counts() {
        sim -H "x-api-key: demo-key" "$SIM_URL/v2/project/demo/experiment/$ID/result" |
                jq -c '[.variants[] | [.variant_id, .visitors, .conversions]]'
}

start_daemon
wait_for 20 cycles_more_than 0 || fail "first cycle did not finish"
counts >"$T/seen"
# Simulated seconds between polls: 18 s moves one arm of 300 visitors/h at
# most, 0 moves nothing. polled_at is in whole seconds: a poll a second.
for step in 1800 0 18 6 18 3600 0 600; do
        [ "$step" -gt 0 ] && sim_post /__clock "{\"advance\": $step}" >/dev/null
        sleep 1
        poll_now
        counts >>"$T/seen"
done

# The expected series: each change of the counts, once.
uniq "$T/seen" >"$T/expected"
n_expected=$(wc -l <"$T/expected")
partial=$(jq -s '[range(1; length) as $i | [.[$i - 1], .[$i]] | [transpose[] | .[0] != .[1]] |
                  select(any and (all | not))] | length' "$T/expected")
[ "$n_expected" -ge 5 ] || fail "the steps changed the counts only $n_expected times"
[ "$partial" -ge 1 ] || fail "no step changed only some variants (adjust the steps): $(cat "$T/expected")"

hist $ID --json >"$T/history.json" 2>"$T/err" || fail "history --json: $(cat "$T/err")"
jq -e --argjson id $ID '.experiment_id == $id and .name == "Footer newsletter box"' "$T/history.json" >/dev/null ||
        fail "history --json header: $(head -c 300 "$T/history.json")"
jq -c '.polls[] | [.variants[] | [.variant_id, .visitors, .conversions]]' "$T/history.json" >"$T/got"
diff -u "$T/expected" "$T/got" >"$T/diff" || fail "series differs from the simulator's counts: $(cat "$T/diff")"
jq -e '[.polls[].polled_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")] | all' \
        "$T/history.json" >/dev/null || fail "polled_at not ISO 8601 UTC"
jq -e '[.polls[].polled_at] | . == (sort | unique)' "$T/history.json" >/dev/null || fail "polls not in time order"
pass "history --json: $n_expected polls, one per change of the counts ($partial changing only some variants), equal to the simulator's"

# The figures at the last poll are the daemon's (its running min p and
# intersected interval, Holm-adjusted): status --json holds its last analysis.
"$MIDA" -c "$T/mida-monitor.conf" status --json |
        jq -c --argjson id $ID '.experiments[] | select(.id == $id) | .analysis.variants |
                map({variant_id, lift, ci_low: .lift_low, ci_high: .lift_high, p_value: .p_value_adjusted})' \
        >"$T/daemon-figures"
jq -c '.polls[-1].variants | map({variant_id, lift, ci_low, ci_high, p_value})' "$T/history.json" >"$T/history-figures"
diff -u "$T/daemon-figures" "$T/history-figures" >"$T/diff" ||
        fail "last poll's figures differ from the daemon's: $(cat "$T/diff")"
jq -e '[.polls[].variants[] | select(.control) | .lift, .ci_low, .ci_high, .p_value] | all(. == null)' \
        "$T/history.json" >/dev/null || fail "control rows carry figures"
jq -e '[.polls[].variants[] | select(.control | not) | .p_value] | all(. != null)' "$T/history.json" >/dev/null ||
        fail "a variant lacks its p-value"
! grep -qi 'nan' "$T/history.json" || fail "NaN in the JSON"
pass "the last poll's lift, interval and p-value are the daemon's; control rows have counts only"

hist $ID >"$T/table" 2>"$T/err" || fail "history: $(cat "$T/err")"
rows=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z ' "$T/table")
[ "$rows" -eq $((n_expected * 3)) ] || fail "table: $rows rows for $n_expected polls of 3 variants: $(cat "$T/table")"
grep -q '^Lift over these polls' "$T/table" || fail "table: no sparkline header: $(cat "$T/table")"
for v in "1 Green box" "2 Blue box"; do
        line=$(grep "^  $v" "$T/table") || fail "table: no sparkline for $v: $(cat "$T/table")"
        cells=$(printf '%s' "$line" | grep -o '[▁▂▃▄▅▆▇█]' | wc -l)
        [ "$cells" -eq "$n_expected" ] || fail "sparkline of $v has $cells cells for $n_expected polls: $line"
done
pass "table: one row per poll and variant, a sparkline line per variant"

hist $ID --variant 2 --since 1h --json >"$T/filtered.json" || fail "history --variant 2 --since 1h"
jq -e --argjson n "$n_expected" '(.polls | length) == $n and
        ([.polls[].variants | map(.variant_id)] | all(. == ["0", "2"]))' "$T/filtered.json" >/dev/null ||
        fail "--variant 2 --since 1h: $(head -c 400 "$T/filtered.json")"
# The window hides early polls but not their effect on the running bounds.
jq -c '.polls[-1].variants[1]' "$T/filtered.json" >"$T/a"
jq -c '.polls[-1].variants[2]' "$T/history.json" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "--since/--variant changed the figures: $(cat "$T/a") vs $(cat "$T/b")"
hist $ID --variant 9 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no variant '9'" "$T/err" || fail "--variant 9: exit $rc: $(cat "$T/err")"
pass "--variant keeps that variant and the control, --since keeps the figures"

# Unknown experiment; history read while the daemon runs (read-only, WAL).
hist 999999 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -qF "experiment 999999: no recorded polls" "$T/err" ||
        fail "unknown id: exit $rc: $(cat "$T/err")"
kill -0 "$DAEMON_PID" || fail "the daemon died"
poll_now
pass "unknown experiment (exit 1); the daemon kept running and polling"

stop_daemon
if command -v sqlite3 >/dev/null; then
        sqlite3 "$T/state/state.db" 'PRAGMA user_version = 9999;' || fail "sqlite3"
        hist $ID >"$T/out" 2>"$T/err"; rc=$?
        [ $rc -eq 1 ] && grep -q "state.db: written by a newer mida-monitor" "$T/err" ||
                fail "newer schema: exit $rc: $(cat "$T/err")"
        pass "a schema newer than this program's: exit 1 with a clear message"
fi
