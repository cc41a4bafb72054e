# Helpers for the alert integration tests (sourced after harness.sh): the
# three rules of ENGINEERING.md §5 against mida-sim's demo scenario, with a
# Slack notifier and a signed webhook notifier on the simulator's receiver.
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

# alert_config [EXTRA_MONITOR_SETTINGS] [EXTRA_RULES]: writes the config.
alert_config() {
        write_config "${1:-}" "notifiers = (
  { name = \"growth\"; type = \"slack\"; url = \"$SIM_URL/hooks/slack/growth\"; },
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; secret = \"$SECRET\"; } );
rules = (
  { name = \"winner\"; when = \"significant && lift > 0.02\"; notify = [ \"growth\" ]; },
  { name = \"harm\"; when = \"significant && lift_high < -0.05\"; severity = \"critical\";
    notify = [ \"growth\", \"ops\" ]; action = \"pause\"; },
  { name = \"srm\"; when = \"srm_p < 0.001\"; notify = [ \"ops\" ]; } ${2:-} );"
}

# hooks NAME: the bodies delivered to hook NAME with a 2xx, one JSON per line.
hooks() { sim "$SIM_URL/__hooks?name=$1" | jq -c '.deliveries[] | select(.status < 300) | .body | fromjson'; }
# ops_events FILTER: how many webhook deliveries to ops match a jq filter.
ops_count() { hooks ops | jq -c "select($1)" | wc -l; }
# slack_count TEXT: growth messages whose fallback text contains TEXT.
slack_count() { hooks growth | jq -r .text | grep -c -- "$1" || true; }
# patch_count ID: PATCH status requests the simulator received for ID.
patch_count() {
        sim "$SIM_URL/__requests" | jq "[.requests[] | select(.method == \"PATCH\" and
                (.path | endswith(\"/experiment/$1/status\")))] | length"
}
# patches_are ID N: for wait_for, which must evaluate the count each time.
patches_are() { [ "$(patch_count "$1")" -eq "$2" ]; }
sim_status() { sim "$SIM_URL/__state" | jq ".experiments[] | select(.test_id == $1) | .status"; }
# The outbox: queued deliveries are rows of state.db's outbox table, gone
# once delivered or given up (db_query: tests/lib/harness.sh).
# outbox_count [NOTIFIER]: how many are queued (to NOTIFIER); prints
# nothing and fails when the database cannot be read.
outbox_count() { db_query "SELECT count(*) FROM outbox${1:+ WHERE notifier = '$1'}"; }
outbox_empty() { [ "$(outbox_count)" = 0 ]; }
outbox_at_least() { local n; n=$(outbox_count) && [ "$n" -ge "$1" ]; }
# outbox_ids NOTIFIER: the ids queued to NOTIFIER (a webhook's webhook-id), sorted.
outbox_ids() { db_query "SELECT id FROM outbox WHERE notifier = '$1' ORDER BY id"; }
# outbox_list: what is queued, one "notifier id attempts last_error" a line (for messages).
outbox_list() { db_query "SELECT notifier, id, attempts, last_error FROM outbox ORDER BY seq" | tr '\n' ';'; }
# given_up [NOTIFIER]: deliveries (to NOTIFIER) given up so far, from the
# log: the daemon logs a delivery-failed record and drops the row; nothing
# of it is kept in the state directory.
given_up() { grep -c "giving up delivery of [^ ]* to notifier ${1:-[^ ]*} after " "$T/daemon.log" 2>/dev/null || true; }
ops_count_at_least() { [ "$(ops_count "$1")" -ge "$2" ]; }

# check_signatures: every ops delivery verifies against SECRET (Standard
# Webhooks: HMAC-SHA256 over "id.timestamp.body", key base64 after whsec_).
check_signatures() {
        local key n=0 line id ts sig body want
        key=$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
        while IFS= read -r line; do
                id=$(jq -r '.headers["webhook-id"]' <<<"$line")
                ts=$(jq -r '.headers["webhook-timestamp"]' <<<"$line")
                sig=$(jq -r '.headers["webhook-signature"]' <<<"$line")
                body=$(jq -j '.body' <<<"$line")
                want=v1,$(printf '%s.%s.%s' "$id" "$ts" "$body" |
                        openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)
                [ "$sig" = "$want" ] || fail "bad signature on delivery $id: $sig, expected $want"
                [ "$(jq -r .id <<<"$body")" = "$id" ] || fail "webhook-id $id differs from the body's id"
                n=$((n + 1))
        done < <(sim "$SIM_URL/__hooks?name=ops" | jq -c '.deliveries[]')
        [ "$n" -gt 0 ] || fail "no webhook deliveries to check"
        echo "$n"
}
