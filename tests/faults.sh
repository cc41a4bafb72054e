#!/usr/bin/env bash
# The fault matrix: every fault mida-sim can inject, on every endpoint the
# daemon uses (experiments list, result, status = the pause PATCH,
# serve-winner, and the webhook receiver), each in its own row with its own
# simulator, daemon and state directory, rows run in parallel.
#
# A row: the simulator's clock is set back 59 h so the demo experiments are
# young and nothing fires; the daemon starts and watches the four live ones.
# Then the fault is planned, the clock goes forward 59 h (now every alert of
# the demo should fire) and two cycles run under the fault; the fault is
# removed (or was bounded) and one more cycle runs. Checked per row:
#   survived   the daemon never died, no sanitizer report, SIGTERM -> exit 0
#   errors     error records about the fault: one per failing experiment
#              (or one for the list), not one per retry or per cycle
#   others     while one experiment's result fails the others are polled
#              and alert (list faults: the watched experiments go on)
#   recovered  the failing request works again (log, state.db, action);
#              the outbox table drained
#   lost       alerts of the fault-free baseline row, as (event, rule,
#              experiment) tuples, that never reached the webhook
# The matrix is printed at the end. `make check` runs 20 rows (every fault
# kind at least once), MIDA_LONG=1
# (make check-long) all 53; MIDA_FAULT_ROWS="result.500 list.close" picks
# rows, MIDA_FAULT_JOBS sets how many run at a time (default 8),
# MIDA_FAULT_MATRIX=FILE saves the table.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

BACK=212400          # 59 h: 1003, the oldest alerting experiment, has 1 h of data
                     # (about 800 visitors: its srm rule waits for 2,000, so a
                     # chance p < 0.001 this early cannot fire it)
KINDS="500 502 503 429 401 delay close malformed truncated oversized wrong-types html"
API_EPS="list result status serve-winner"
HOOK_KINDS="500 502 503 429 401"
JOBS=${MIDA_FAULT_JOBS:-8}

# fault_body EP KIND: the POST /__faults body of a row.
fault_body() {
        local ep=$1 kind=$2 where count=
        case $ep in
        list) where='"endpoint": "experiments"' ;;
        result) where='"endpoint": "result", "test_id": 1002' ;;
        # Actions are retried 4 times within a run: a bounded fault must let
        # the third attempt through (an unbounded one is reported as failed).
        status) where='"endpoint": "status", "test_id": 1002'; count=', "count": 2' ;;
        serve-winner) where='"endpoint": "serve-winner", "test_id": 1001'; count=', "count": 2' ;;
        esac
        case $kind in
        429) echo "{\"kind\": \"status\", \"status\": 429, \"retry_after\": 1, $where$count}" ;;
        [0-9]*) echo "{\"kind\": \"status\", \"status\": $kind, $where$count}" ;;
        delay) echo "{\"kind\": \"delay\", \"delay_ms\": 3500, $where$count}" ;;   # timeout is 3 s
        oversized) echo "{\"kind\": \"oversized\", \"bytes\": 12582912, $where$count}" ;;
        *) echo "{\"kind\": \"$kind\", $where$count}" ;;
        esac
}

faults_config() {
        write_config "" "notifiers = (
  { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; secret = \"$SECRET\"; } );
rules = (
  { name = \"winner\"; when = \"significant && lift > 0.02\"; notify = [ \"ops\" ]; action = \"serve-winner\"; },
  { name = \"harm\"; when = \"significant && lift_high < -0.05\"; severity = \"critical\";
    notify = [ \"ops\" ]; action = \"pause\"; },
  { name = \"srm\"; when = \"srm_p < 0.001 && visitors > 2000\"; notify = [ \"ops\" ]; } );"
        sed -i 's/timeout = "2s"/timeout = "3s"/' "$T/mida-monitor.conf"
}

tuples() { hooks ops | jq -r '"\(.event) \(.rule) \(.experiment.id)"' | sort -u; }
# Error records other than alerts (a critical rule firing is logged as an error).
errors() { grep '^mida-monitor: error:' "$T/daemon.log" | grep -vc ' fired on \| resolved on ' || true; }
sanitizer_report() { grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log"; }
delivered_at_least() { [ "$(hooks ops | wc -l)" -ge "$1" ]; }
# exp_failing ID / exp_ok ID: state.db has / has no last_error for experiment ID.
exp_failing() { db_true "(SELECT last_error IS NOT NULL FROM experiments WHERE id = $1)"; }
exp_ok() { db_true "(SELECT last_error IS NULL FROM experiments WHERE id = $1)"; }
serving() { sim "$SIM_URL/__state" | jq ".experiments[] | select(.test_id == $1) | .is_serving"; }
# wait_slow SECONDS COMMAND...: wait_for for checks that run curl and jq.
wait_slow() {
        local limit=$(( $1 * 4 )) i=0; shift
        until "$@" 2>/dev/null; do
                i=$((i + 1)); [ $i -ge $limit ] && return 1; sleep 0.25
        done
}
has_tuple() { tuples | grep -qx "$1"; }
actions_settled() { db_true "NOT EXISTS (SELECT 1 FROM actions WHERE state = 'intended')"; }

# row EP KIND: one row of the matrix; writes $ROWS/EP.KIND (a tab-separated
# line: ep kind survived errors others recovered lost note seconds).
row() (
        local ep=$1 kind=$2 started=$SECONDS
        T=$ROWS_DIR/$ep.$kind; mkdir -p "$T"
        PIDS=""; NOTIFY_PID=""
        trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
        local survived=yes others=- recovered=- note="" n_err lost expected got
        # fail() ends the row: it is recorded as broken, the matrix goes on.
        fail() { printf '%s\t%s\tno\t-\t-\t-\t-\t%s\t%s\n' "$ep" "$kind" "$*" $((SECONDS - started)) >"$T.row"
                 echo "row $ep.$kind: $*" >&2; tail -n 15 "$T/daemon.log" >&2; exit 1; }

        step() { echo "$((SECONDS - started)) s: $*" >>"$T/steps"; }
        start_sim demo.conf
        sim_post /__clock "{\"advance\": -$BACK}" >/dev/null
        faults_config
        start_daemon
        wait_for 20 cycles_more_than 0 || fail "first cycle did not finish"
        [ "$(db_meta daemon.last_cycle_polled)" = 4 ] || fail "4 experiments not watched"
        [ "$(hooks ops | wc -l)" -eq 0 ] || fail "alerts before the clock moved: $(tuples)"

        case $ep in
        # A 401 is permanent: the delivery it hits is given up at once.
        webhook) sim_post /__hooks/fail "{\"name\": \"ops\", \"count\": $([ "$kind" = 401 ] && echo 1 || echo 2),
                 \"status\": $kind}" >/dev/null ;;
        none) ;;
        *) sim_post /__faults "$(fault_body "$ep" "$kind")" | jq -e .id >/dev/null || fail "fault not accepted" ;;
        esac
        sim_post /__clock "{\"advance\": $BACK}" >/dev/null
        step "fault planned"
        poll_now 60; poll_now 60; step "two cycles under the fault"
        kill -0 "$DAEMON_PID" 2>/dev/null || survived=no

        # While the fault holds, the others go on.
        case $ep in
        result)
                others=yes
                for id in 1001 1003 1004; do
                        exp_ok $id || others=no
                done
                wait_slow 15 has_tuple 'fired srm 1003' && wait_slow 15 has_tuple 'fired winner 1001' || others=no
                exp_failing 1002 || note="fault not seen as an error; "
                ;;
        list)
                others=yes
                [ "$(db_meta daemon.last_cycle_polled)" = 4 ] || others=no
                wait_slow 15 has_tuple 'fired srm 1003' || others=no
                ;;
        esac

        [ "$ep" = list ] || [ "$ep" = result ] && curl -sS -X DELETE "$SIM_URL/__faults" >/dev/null
        poll_now 60
        expected=5; [ -f "$ROWS_DIR/baseline.tuples" ] && expected=$(wc -l <"$ROWS_DIR/baseline.tuples")
        [ "$ep.$kind" = webhook.401 ] && expected=$((expected - 1))   # given up on purpose
        step "recovery cycle"
        wait_for 40 actions_settled; step "actions settled"
        wait_slow 40 delivered_at_least "$expected"; step "delivered"
        wait_for 30 outbox_empty; step "outbox empty"
        kill -0 "$DAEMON_PID" 2>/dev/null || survived=no

        case $ep.$kind in
        result.*)
                grep -q 'experiment 1002 .*polling works again' "$T/daemon.log" &&
                        exp_ok 1002 && recovered=yes || recovered=no ;;
        list.*)
                db_true "(SELECT value FROM meta WHERE key = 'daemon.api_error') = '' AND
                         (SELECT value FROM meta WHERE key = 'daemon.last_cycle_failed') = '0'" &&
                        recovered=yes || recovered=no ;;
        # A 401 on an action is permanent: reported as failed, not retried.
        status.401|serve-winner.401) recovered=n/a ;;
        status.*)
                [ "$(sim_status 1002)" -eq 0 ] && recovered=yes || recovered=no ;;
        serve-winner.*)
                [ "$(serving 1001)" = true ] && recovered=yes || recovered=no ;;
        # The permanent failure: one delivery given up (logged), its row gone.
        webhook.401)
                outbox_empty && [ "$(given_up ops)" -eq 1 ] && recovered=yes || recovered=no ;;
        webhook.*|none.*)
                outbox_empty && recovered=yes || recovered=no ;;
        esac
        [ "$ep.$kind" = webhook.401 ] && note="${note}$(given_up ops) given up (logged); "
        case $ep in
        status|serve-winner)
                db_true "(SELECT count(*) FROM actions WHERE state = 'done') = 2" ||
                        note="${note}ledger: $(db_query "SELECT rule, state, error FROM actions" | tr '\n' ' '); "
                note="${note}$(patch_or_post_count "$ep") requests; "
                ;;
        esac
        [ "$recovered" = no ] && note="${note}not recovered; "

        n_err=$(errors)
        tuples >"$T/tuples"
        stop_daemon || survived=no
        sanitizer_report && survived=no && note="${note}sanitizer report; "
        if [ "$ep" = none ]; then
                cp "$T/tuples" "$ROWS_DIR/baseline.tuples"
                lost=0
        else
                lost=$(comm -23 "$ROWS_DIR/baseline.tuples" "$T/tuples" | wc -l)
                got=$(comm -13 "$ROWS_DIR/baseline.tuples" "$T/tuples" | tr '\n' ',' | sed 's/,$//')
                [ "$lost" -eq 0 ] || note="${note}lost: $(comm -23 "$ROWS_DIR/baseline.tuples" "$T/tuples" |
                        tr '\n' ',' | sed 's/,$//'); "
                [ -z "$got" ] || note="${note}instead: $got; "
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ep" "$kind" "$survived" "$n_err" "$others" \
                "$recovered" "$lost" "$(n=${note%; }; echo "${n:--}")" $((SECONDS - started)) >"$T.row"
)

patch_or_post_count() {
        local suffix=status; [ "$1" = serve-winner ] && suffix=serve-winner
        sim "$SIM_URL/__requests" | jq "[.requests[] | select(.method != \"GET\" and
                (.path | endswith(\"/$suffix\")))] | length"
}

ROWS_DIR=$T/rows; mkdir -p "$ROWS_DIR"
all_rows() {
        for ep in $API_EPS; do for k in $KINDS; do echo "$ep.$k"; done; done
        for k in $HOOK_KINDS; do echo "webhook.$k"; done
}
# make check: a cross-section (20 rows, every fault kind at least once);
# make check-long (MIDA_LONG=1): all 53 rows.
short_rows() {
        for k in 500 429 401 delay close malformed oversized html; do echo "result.$k"; done
        echo list.502 list.401 list.truncated list.wrong-types
        echo status.503 status.401 status.delay
        echo serve-winner.500 serve-winner.truncated
        echo webhook.500 webhook.429 webhook.401
}
if [ -n "${MIDA_FAULT_ROWS:-}" ]; then selected=$MIDA_FAULT_ROWS
elif [ -n "${MIDA_LONG:-}" ]; then selected=$(all_rows)
else selected=$(short_rows); fi
started=$SECONDS

# The baseline first: its deliveries are what every row must reproduce.
row none none || fail "the fault-free baseline failed: $(cat "$ROWS_DIR/none.none.row")"
baseline=$(cat "$ROWS_DIR/baseline.tuples")
for want in 'fired winner 1001' 'fired harm 1002' 'fired srm 1003' 'action harm 1002' 'action winner 1001'; do
        grep -qx "$want" <<<"$baseline" || fail "baseline lacks '$want': $baseline"
done
pass "baseline without faults: $(wc -l <<<"$baseline") alerts and actions delivered ($(tr '\n' ',' <<<"$baseline"))"

running=0
for r in $selected; do
        row "${r%%.*}" "${r#*.}" &
        running=$((running + 1))
        if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

# The matrix.
matrix=$T/matrix.txt
{
        printf '%-13s %-12s %-8s %-6s %-6s %-9s %-5s %s\n' endpoint fault survived errors others recovered lost note
        for r in $selected; do
                f=$ROWS_DIR/$r.row
                if [ -s "$f" ]; then
                        IFS=$'\t' read -r ep kind surv nerr oth rec lost note secs <"$f"
                else
                        ep=${r%%.*} kind=${r#*.} surv=no nerr=- oth=- rec=- lost=- note="row did not finish" secs=-
                fi
                printf '%-13s %-12s %-8s %-6s %-6s %-9s %-5s %s\n' "$ep" "$kind" "$surv" "$nerr" "$oth" "$rec" "$lost" "$note"
        done
} >"$matrix"
cat "$matrix"
[ -n "${MIDA_FAULT_MATRIX:-}" ] && cp "$matrix" "$MIDA_FAULT_MATRIX"
echo "# $(wc -w <<<"$selected") rows in $((SECONDS - started)) s"

# Verdicts: every row survived and recovered; the expected error count;
# no alert lost except where the design gives up on purpose.
bad=0
for r in $selected; do
        f=$ROWS_DIR/$r.row
        [ -s "$f" ] || { echo "row $r did not finish" >&2; bad=1; continue; }
        IFS=$'\t' read -r ep kind surv nerr oth rec lost note secs <"$f"
        why=""
        [ "$surv" = yes ] || why="did not survive; "
        case $rec in yes) ;; n/a) [ "$kind" = 401 ] || why="${why}did not recover; " ;; *) why="${why}did not recover; " ;; esac
        [ "$oth" = no ] && why="${why}the other experiments were disturbed; "
        case $ep.$kind in
        # A webhook answering 401 is a permanent failure: given up at once,
        # one delivery-failed error record, its outbox row removed (checked
        # as "recovered"). That alert is lost by design.
        webhook.401) [ "$lost" -eq 1 ] && [ "$nerr" -eq 1 ] || why="${why}expected exactly the one permanent give-up; " ;;
        # A 401 on an action is permanent: the action fails, is reported
        # (action_failed) and is not retried.
        status.401|serve-winner.401) [ "$lost" -eq 1 ] && [ "$nerr" -eq 1 ] ||
                why="${why}expected the action reported failed once; " ;;
        list.*|result.*) [ "$nerr" -eq 1 ] || why="${why}$nerr error records, expected 1; "
                         [ "$lost" -eq 0 ] || why="${why}$lost alerts lost; " ;;
        *) [ "$nerr" -eq 0 ] || why="${why}$nerr error records for a fault retried away; "
           [ "$lost" -eq 0 ] || why="${why}$lost alerts lost; " ;;
        esac
        [ -z "$why" ] && continue
        echo "FAIL row $r: ${why%; } ($note)" >&2; bad=1
done
[ "$bad" -eq 0 ] || fail "fault matrix has failing rows (above)"
pass "fault matrix: $(wc -w <<<"$selected") rows survived, recovered, and lost nothing the design keeps"
