#!/usr/bin/env bash
# `once` against mida-sim's demo scenario: one cycle, correct analyses;
# rules shown, never acted on, and the daemon's state left alone (no
# state.db, nor its -wal or -shm, in the state directory).
. "$(dirname "$0")/lib/harness.sh"

start_sim demo --seed 7
write_config
"$MIDA" -c "$T/mida-monitor.conf" once --json >"$T/once.json" 2>"$T/once.err" || fail "once exited $?: $(cat "$T/once.err")"
ids=$(jq -r '[.[].test_id] | sort | join(",")' "$T/once.json")
[ "$ids" = "1001,1002,1003,1004" ] || fail "watched $ids, expected the four live experiments"
pass "once discovers exactly the live experiments"
# A quiet first start: one line for the discovery, none per experiment.
n_live=$(jq length "$T/once.json")
grep -q "watching $n_live live experiments: $n_live new, 0 gone" "$T/once.err" ||
        fail "no discovery summary on stderr: $(cat "$T/once.err")"
! grep -q 'now watched' "$T/once.err" || fail "per-experiment lines at the default level: $(cat "$T/once.err")"
pass "discovery is one line at the default level ($(wc -l <"$T/once.err") lines on stderr in all)"

# The analysis must equal `analyze` of the same result fetched directly.
curl -sS -H "x-api-key: demo-key" "$SIM_URL/v2/project/demo/experiment/1001/result" >"$T/1001.json"
"$MIDA" analyze --json "$T/1001.json" >"$T/1001.analysis" || fail "analyze failed"
[ "$(jq -c '.variants' "$T/1001.analysis")" = "$(jq -c '.[] | select(.test_id == 1001) | .variants' "$T/once.json")" ] ||
        echo "note: counts moved between the two reads (clock runs)"
lift=$(jq '.[] | select(.test_id == 1001) | .variants[1].lift' "$T/once.json")
jq -e '.[] | select(.test_id == 1001) | .variants[1].lift > 0.1' "$T/once.json" >/dev/null || fail "winner lift $lift"
jq -e '.[] | select(.test_id == 1002) | .variants[1].lift < -0.2' "$T/once.json" >/dev/null || fail "loser lift"
jq -e '.[] | select(.test_id == 1003) | .srm == true' "$T/once.json" >/dev/null || fail "SRM not detected"
pass "once --json: winner lift $lift, loser negative, SRM flagged"

# --json-lines: the same objects, one per line, each line a document.
"$MIDA" -c "$T/mida-monitor.conf" once --json-lines >"$T/once.jsonl" 2>/dev/null || fail "once --json-lines exited $?"
[ "$(wc -l <"$T/once.jsonl")" -eq "$(jq length "$T/once.json")" ] || fail "one line per experiment: $(cat "$T/once.jsonl")"
[ "$(jq -c '.test_id' "$T/once.jsonl" | sort | paste -sd,)" = "$(jq -c '.[].test_id' "$T/once.json" | sort | paste -sd,)" ] ||
        fail "--json-lines and --json disagree on the experiments"
"$MIDA" -c "$T/mida-monitor.conf" status --json-lines >/dev/null 2>&1; [ $? -eq 2 ] || fail "--json-lines accepted by status"
pass "once --json-lines: one object per line, the experiments of --json; other commands refuse it (exit 2)"

# Rules are evaluated and shown, never acted on: once runs beside the daemon.
write_config "" "notifiers = ( { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; } );
rules = ( { name = \"harm\"; when = \"significant && lift_high < -0.05\"; action = \"pause\"; notify = [ \"ops\" ]; } );"
"$MIDA" -c "$T/mida-monitor.conf" once >"$T/once.txt" || fail "once (table) failed"
grep -q "Checkout CTA copy" "$T/once.txt" || fail "table lacks experiment names"
grep -q "rule harm holds on variant 1; the daemon would pause" "$T/once.txt" || fail "table lacks the rule: $(cat "$T/once.txt")"
"$MIDA" -c "$T/mida-monitor.conf" once --json >"$T/once-rules.json" || fail "once --json with rules failed"
[ "$(jq -c '.[] | select(.test_id == 1002) | .rules_holding[] | [.rule, .variant_id, .state, .action]' "$T/once-rules.json")" = \
  '["harm","1","firing","pause"]' ] || fail "rules_holding of 1002: $(jq -c '.[].rules_holding' "$T/once-rules.json")"
[ -z "$(ls "$T/state" 2>/dev/null | grep '^state\.db')" ] || fail "once must not write the daemon's state: $(ls "$T/state")"
[ "$(sim "$SIM_URL/__requests" | jq '[.requests[] | select(.method != "GET")] | length')" -eq 0 ] ||
        fail "once sent a notification or took an action"
pass "once shows the rules that hold and what the daemon would do, sends and changes nothing"

# A failing API makes `once` exit 1 with a clear message.
sim_post /__faults '{"kind":"status","status":401,"endpoint":"result","test_id":1002}' >/dev/null
"$MIDA" -c "$T/mida-monitor.conf" once >"$T/once2.txt" 2>"$T/once2.err" && fail "once should exit 1 on a 401"
grep -q "API key rejected" "$T/once2.err" || fail "no clear 401 message: $(cat "$T/once2.err")"
pass "once exits 1 and says 'API key rejected' on 401"
