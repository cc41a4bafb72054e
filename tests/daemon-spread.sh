#!/usr/bin/env bash
# Spreading: the first cycle (at start) sends its result requests at once;
# a scheduled cycle spreads them over `spread` of the interval (30 s × 0.5
# here: one request every 3.75 s for the demo's 4 experiments), started in
# order by one pacing timer. Timed by mida-sim's request log (sim_time, at
# speed 1 the wall clock). Takes ~50 s.
. "$(dirname "$0")/lib/harness.sh"

# Seconds (with milliseconds) of each result request since SEQ, sorted.
result_times() {
        sim "$SIM_URL/__requests?since=$1" | jq -r '.requests[] | select(.path | endswith("/result")) |
                ((.sim_time[0:19] + "Z" | fromdateiso8601) + (.sim_time[20:23] | tonumber) / 1000)' | sort -n
}
span() { awk 'NR == 1 { first = $1 } { last = $1 } END { printf "%.3f\n", last - first }'; }
smallest_gap() { awk 'NR > 1 { g = $1 - prev; if (min == "" || g < min) min = g } { prev = $1 }
                      END { printf "%.3f\n", min }'; }

start_sim demo --seed 11
write_config 'spread = 0.5;'
start_daemon
wait_for 20 cycles_more_than 0 || fail "first cycle did not finish"
first=$(result_times 0)
[ "$(echo "$first" | wc -l)" -eq 4 ] || fail "first cycle: expected 4 result requests, got: $first"
s=$(echo "$first" | span)
awk -v s="$s" 'BEGIN { exit !(s < 2) }' || fail "the first cycle was spread over $s s"
pass "first cycle: 4 result requests within $s s"

seq0=$(sim "$SIM_URL/__requests" | jq .next)
wait_for 60 cycles_more_than 1 || fail "the scheduled cycle did not finish within 60 s"
times=$(result_times "$seq0")
[ "$(echo "$times" | wc -l)" -eq 4 ] || fail "scheduled cycle: expected 4 result requests, got: $times"
s=$(echo "$times" | span); g=$(echo "$times" | smallest_gap)
awk -v s="$s" -v g="$g" 'BEGIN { exit !(s >= 10 && s <= 13 && g >= 3) }' ||
        fail "scheduled cycle: requests over $s s, smallest gap $g s (want ~11.25 s, gaps ~3.75 s)"
pass "scheduled cycle: 4 result requests spread over $s s, at least $g s apart"
stop_daemon
