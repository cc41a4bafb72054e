#!/usr/bin/env bash
# `mida-monitor test-notify NAME` against mida-sim's webhook receiver:
# delivered, signed, the HTTP result reported, the URL never printed.
. "$(dirname "$0")/lib/harness.sh"

start_sim demo
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
write_config "" "notifiers = (
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops?token=SECRETTOKEN\"; secret = \"$SECRET\"; },
  { name = \"growth\"; type = \"slack\"; url = \"$SIM_URL/hooks/slack/growth?token=SECRETTOKEN\"; },
  { name = \"gone\"; type = \"webhook\"; url = \"$SIM_URL/hooks/gone?token=SECRETTOKEN\"; }
);"

check_no_url() {
        ! grep -q -e SECRETTOKEN -e /hooks/ -e "127.0.0.1" "$@" || fail "the URL was printed: $(cat "$@")"
}

"$MIDA" -c "$T/mida-monitor.conf" test-notify ops >"$T/out" 2>"$T/err" || fail "test-notify ops exited $?: $(cat "$T/err")"
grep -Eq '^test-notify ops: delivered \(HTTP 200 in [0-9.]+ s\)$' "$T/out" || fail "unexpected output: $(cat "$T/out")"
check_no_url "$T/out" "$T/err"
sim "$SIM_URL/__hooks?name=ops" >"$T/hooks.json"
[ "$(jq '.deliveries | length' "$T/hooks.json")" = 1 ] || fail "receiver got $(jq '.deliveries | length' "$T/hooks.json") deliveries"
jq -e '.deliveries[0].body | fromjson | .event == "test" and (.id | startswith("evt_"))' "$T/hooks.json" >/dev/null ||
        fail "not a test event: $(jq -r '.deliveries[0].body' "$T/hooks.json")"
id=$(jq -r '.deliveries[0].headers | to_entries[] | select(.key | ascii_downcase == "webhook-id") | .value' "$T/hooks.json")
sig=$(jq -r '.deliveries[0].headers | to_entries[] | select(.key | ascii_downcase == "webhook-signature") | .value' "$T/hooks.json")
ts=$(jq -r '.deliveries[0].headers | to_entries[] | select(.key | ascii_downcase == "webhook-timestamp") | .value' "$T/hooks.json")
body=$(jq -j '.deliveries[0].body' "$T/hooks.json")
key_hex=$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
want="v1,$(printf '%s' "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64)"
[ "$sig" = "$want" ] || fail "signature $sig, expected $want"
pass "test-notify ops: delivered once, signed (verified with openssl), URL not printed"

"$MIDA" -c "$T/mida-monitor.conf" test-notify growth >"$T/out" 2>"$T/err" || fail "test-notify growth: $(cat "$T/err")"
[ "$(sim "$SIM_URL/__hooks?name=growth" | jq '[.deliveries[] | select(.status == 200)] | length')" = 1 ] ||
        fail "Slack receiver did not accept the test message"
pass "test-notify growth: a valid Slack message"

sim_post /__hooks/fail '{"name":"gone","count":1,"status":410}' >/dev/null
"$MIDA" -c "$T/mida-monitor.conf" test-notify gone >"$T/out" 2>"$T/err" && fail "test-notify must exit 1 on a 410"
grep -qx 'test-notify gone: failed: HTTP 410 (permanent)' "$T/err" || fail "unexpected: $(cat "$T/err")"
check_no_url "$T/out" "$T/err"
pass "test-notify gone: exit 1, 'failed: HTTP 410 (permanent)'"

"$MIDA" -c "$T/mida-monitor.conf" test-notify nosuch >"$T/out" 2>"$T/err" && fail "unknown notifier must exit 1"
grep -q "configured: ops, growth, gone" "$T/err" || fail "names not listed: $(cat "$T/err")"
pass "test-notify nosuch: exit 1, lists the configured names"
