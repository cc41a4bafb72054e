#!/usr/bin/env bash
# Secret hygiene: the demo scenario with known, unique secret values (the API
# key from api_key_file, a Slack URL from url_file whose path holds a secret
# segment, a webhook signing secret from secret_file, a second Slack URL that
# refuses connections) through cycles with alerts, a pause, failing and
# given-up deliveries, API 401s and a reload. Then nothing the daemon writes
# may contain a secret: its log, `status`, `status --json`, `check-config`
# (also of broken configs that hold secrets), `test-notify`, the metrics
# file, every file under the state directory byte for byte (state.db, its
# -wal and -shm: deleted rows too, as far as they are still there), a dump
# of state.db (text that SQLite split over overflow pages whole again) and
# every webhook/Slack body and header the receiver got. (The Slack URL is
# where deliveries go, so it is in the simulator's request log; that is not
# the daemon's output.)
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"   # patch_count, given_up

rand() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
API_KEY=mk_live_$(rand 20)
SLACK_SEG=T0S3CR3T$(rand 12)                 # the secret part of the Slack URL
DEAD_SEG=B0D3AD$(rand 12)                    # the secret part of an unreachable one
WH_B64=$(head -c 24 /dev/urandom | base64)
WHSEC=whsec_$WH_B64
BAD_SEG=X0BAD$(rand 12)                      # only in broken configs
SECRETS="$API_KEY $SLACK_SEG $DEAD_SEG $WHSEC $WH_B64 $BAD_SEG"

# The demo scenario, with our API key.
sed "s/^api_key = .*/api_key = \"$API_KEY\";/" "$top_srcdir/sim/scenarios/demo.conf" >"$T/demo.conf"
grep -q "$API_KEY" "$T/demo.conf" || fail "could not set the scenario's API key"
"$SIM" --scenario "$T/demo.conf" --port 0 --port-file "$T/sim.port" -q >"$T/sim.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/sim.port" || fail "mida-sim did not start: $(cat "$T/sim.log")"
SIM_PORT=$(cat "$T/sim.port"); SIM_URL=http://127.0.0.1:$SIM_PORT
# A port nobody listens on: bind one, note it, close it.
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

umask 077
printf '%s\n' "$API_KEY" >"$T/api-key"
printf '%s\n' "$SIM_URL/hooks/slack/$SLACK_SEG" >"$T/slack-url"
printf '%s\n' "http://127.0.0.1:$DEAD_PORT/services/$DEAD_SEG" >"$T/dead-url"
printf '%s\n' "$WHSEC" >"$T/webhook-secret"

# secrets_config [EXTRA_RULES]
secrets_config() {
        cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "$SIM_URL/v2"; project_key = "demo"; api_key_file = "$T/api-key";
        timeout = "2s"; max_requests_per_second = 0; };
monitor: { interval = "30s"; state_directory = "$T/state"; metrics_file = "$T/metrics.prom"; };
notifiers = (
  { name = "growth"; type = "slack"; url_file = "$T/slack-url"; },
  { name = "dead"; type = "slack"; url_file = "$T/dead-url"; },
  { name = "ops"; type = "webhook"; url = "$SIM_URL/hooks/ops"; secret_file = "$T/webhook-secret"; } );
health = { notify = [ "ops" ]; after = "1s"; };
rules = (
  { name = "winner"; when = "significant && lift > 0.02"; notify = [ "growth", "dead" ]; },
  { name = "harm"; when = "significant && lift_high < -0.05"; severity = "critical";
    notify = [ "growth", "ops", "dead" ]; action = "pause"; },
  { name = "srm"; when = "srm_p < 0.001"; notify = [ "ops", "growth" ]; } ${1:-} );
CONF
}

hook_bodies() { sim "$SIM_URL/__hooks" | jq -c '.deliveries[] | {status, headers, body}'; }
hook_count() { sim "$SIM_URL/__hooks?name=$1" | jq '[.deliveries[] | select(.status < 300)] | length'; }
hook_at_least() { [ "$(hook_count "$1")" -ge "$2" ]; }
given_up_at_least() { [ "$(given_up "$1")" -ge "$2" ]; }

# check_clean LABEL FILE: FILE holds none of the secrets.
checked=0
check_clean() {
        local s
        [ -e "$2" ] || fail "$1: $2 does not exist"
        for s in $SECRETS; do
                if grep -aqF -- "$s" "$2"; then
                        fail "$1 ($2) contains the secret '$s': $(grep -aF -- "$s" "$2" | head -n 3)"
                fi
        done
        checked=$((checked + 1))
}

secrets_config
"$MIDA" -c "$T/mida-monitor.conf" check-config >"$T/check-config.out" 2>&1 || fail "config invalid: $(cat "$T/check-config.out")"

# Faults: the first Slack delivery and the first webhook fail (500), the API
# rejects the key for one experiment (401) and once for the list.
sim_post /__hooks/fail "{\"name\": \"$SLACK_SEG\", \"count\": 1, \"status\": 500}" >/dev/null
sim_post /__hooks/fail '{"name": "ops", "count": 1, "status": 500}' >/dev/null
sim_post /__faults '{"kind": "status", "status": 401, "endpoint": "result", "test_id": 1004}' >/dev/null
sim_post /__faults '{"kind": "status", "status": 401, "endpoint": "experiments", "count": 1}' >/dev/null
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
poll_now; poll_now
wait_for 30 hook_at_least "$SLACK_SEG" 2 || fail "Slack deliveries missing"
wait_for 30 hook_at_least ops 3 || fail "webhook deliveries missing: $(sim "$SIM_URL/__hooks?name=ops" | jq -c '[.deliveries[] | .status]')"
[ "$(patch_count 1002)" -eq 1 ] || fail "the harm rule did not pause 1002"
grep -q 'API key rejected' "$T/daemon.log" || fail "the 401 was not logged"
grep -q 'to notifier dead failed' "$T/daemon.log" || fail "the unreachable notifier did not fail"
pass "alerts, a pause, failed deliveries (500, connection refused) and API 401s went through"

# A permanent Slack failure: given up (logged, its outbox row removed). And a reload.
sim_post /__hooks/fail "{\"name\": \"$SLACK_SEG\", \"count\": 1, \"status\": 404}" >/dev/null
secrets_config ', { name = "young"; when = "visitors < 40000"; experiments = [ "1004", "1001" ]; notify = [ "growth", "ops" ]; }'
curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'configuration reloaded' "$T/daemon.log" || fail "reload"
poll_now; poll_now
wait_for 30 given_up_at_least growth 1 || fail "no delivery to growth given up: $(grep 'to notifier growth' "$T/daemon.log" | tail -n 3)"
gave_up=$(sed -n 's/.*giving up delivery of \([^ ]*\) to notifier growth after .*HTTP 404.*/\1/p' "$T/daemon.log")
[ -n "$gave_up" ] || fail "the give-up does not name the 404: $(grep 'giving up delivery' "$T/daemon.log")"
for id in $gave_up; do
        wait_for 5 db_true "NOT EXISTS (SELECT 1 FROM outbox WHERE id = '$id')" ||
                fail "given-up delivery $id still in the outbox: $(outbox_list)"
done
wait_for 30 hook_at_least ops 4 || fail "young not delivered to ops"
"$MIDA" -c "$T/mida-monitor.conf" test-notify growth >"$T/test-notify.out" 2>&1 || fail "test-notify growth failed"
"$MIDA" -c "$T/mida-monitor.conf" test-notify dead >"$T/test-notify-dead.out" 2>&1 &&
        fail "test-notify to an unreachable notifier succeeded?"
pass "a delivery given up (HTTP 404): logged, its outbox row removed; a reload, test-notify to a live and a dead notifier"

# What the daemon and the CLI write.
"$MIDA" -c "$T/mida-monitor.conf" status >"$T/status.out" 2>&1 || fail "status: $(cat "$T/status.out")"
"$MIDA" -c "$T/mida-monitor.conf" status --json >"$T/status.json" 2>&1 || fail "status --json"
jq -e . "$T/status.json" >/dev/null || fail "status --json is not JSON"
stop_daemon || fail "daemon exit code $?"
hook_bodies >"$T/hook-bodies"
[ "$(wc -l <"$T/hook-bodies")" -ge 8 ] || fail "too few deliveries to check: $(wc -l <"$T/hook-bodies")"

# Broken configs that hold secrets: their errors must not quote them.
printf '%s\n' "htp://hooks.example.com/services/$BAD_SEG" >"$T/bad-url"
printf '%s\n' "whsec_$BAD_SEG!!" >"$T/bad-secret"
printf '%s\n%s\n' "$BAD_SEG" "second-line-$BAD_SEG" >"$T/bad-key"
i=0
for broken in \
        "s|url_file = \"$T/slack-url\"|url_file = \"$T/bad-url\"|" \
        "s|secret_file = \"$T/webhook-secret\"|secret_file = \"$T/bad-secret\"|" \
        "s|api_key_file = \"$T/api-key\"|api_key_file = \"$T/bad-key\"|" \
        "s|url_file = \"$T/slack-url\"|url = \"ftp://$BAD_SEG:$API_KEY@hooks.example.com/$SLACK_SEG\"|" \
        "s|api_key_file = \"$T/api-key\"|api_key = \"$API_KEY\"; api_key_file = \"$T/api-key\"|" \
        "s|secret_file = \"$T/webhook-secret\"|secret = \"$WHSEC\" \"$BAD_SEG\"|" \
        "s|url_file = \"$T/slack-url\"|url = $SLACK_SEG|"; do
        i=$((i + 1))
        sed "$broken" "$T/mida-monitor.conf" >"$T/broken$i.conf"
        cmp -s "$T/broken$i.conf" "$T/mida-monitor.conf" && fail "broken config $i is not broken: $broken"
        "$MIDA" -c "$T/broken$i.conf" check-config >"$T/check-config-broken$i.out" 2>&1 &&
                fail "broken config $i accepted: $(cat "$T/check-config-broken$i.out")"
        [ -s "$T/check-config-broken$i.out" ] || fail "broken config $i: no message"
done
pass "$i broken configs holding secrets rejected with a message"

check_clean "daemon log" "$T/daemon.log"
check_clean "check-config" "$T/check-config.out"
for j in $(seq 1 "$i"); do check_clean "check-config of broken config $j" "$T/check-config-broken$j.out"; done
check_clean "status" "$T/status.out"
check_clean "status --json" "$T/status.json"
check_clean "test-notify" "$T/test-notify.out"
check_clean "test-notify (dead notifier)" "$T/test-notify-dead.out"
check_clean "metrics file" "$T/metrics.prom"
check_clean "webhook and Slack bodies and headers" "$T/hook-bodies"
n_state=0
while IFS= read -r -d '' f; do
        check_clean "state directory" "$f"; n_state=$((n_state + 1))
done < <(find "$T/state" -type f -print0)
[ -s "$T/state/state.db" ] && [ "$n_state" -ge 3 ] || fail "state directory: $(ls -la "$T/state")"
db_query .dump >"$T/state.sql" || fail "cannot dump state.db"
grep -q 'INSERT INTO experiments' "$T/state.sql" || fail "the dump of state.db holds no experiments"
check_clean "state.db dumped" "$T/state.sql"
# The notifier URL of a failed delivery is named, not quoted.
grep -q 'notifier dead failed (the notifier URL: ' "$T/daemon.log" ||
        fail "the unreachable notifier's error does not say which URL without quoting it"
pass "no secret in $checked outputs: log ($(wc -l <"$T/daemon.log") lines), status, status --json, check-config" \
     "($((i + 1)) runs), test-notify, metrics, $(wc -l <"$T/hook-bodies") deliveries, $n_state state files, state.db dumped"

# The check itself finds secrets (guards against a test that sees nothing).
printf 'x %s y\n' "$SLACK_SEG" >"$T/canary"
( check_clean canary "$T/canary" ) >/dev/null 2>&1 && fail "check_clean missed a planted secret"
pass "a planted secret is caught by the same check"
