#!/usr/bin/env bash
# The bash completion (completion/mida-monitor), driven as bash drives it:
# COMP_WORDS and COMP_CWORD set, the function registered with `complete`
# called, COMPREPLY read. Commands, options per command, --log-level
# values, and test-notify's notifier names read from the config given with
# -c through the hidden --complete, which prints names and no secret;
# silence's subcommands, options per subcommand, the rule names after
# --rule, and for `silence expire` the ids of the silences in force, read
# with `silence list --json` from a state directory the daemon created.
. "$(dirname "$0")/lib/harness.sh"

# The completion calls the program as typed (COMP_WORDS[0]).
. "$top_srcdir/completion/mida-monitor"
complete -p mida-monitor | grep -q -- '-F _mida_monitor' || fail "not registered: $(complete -p mida-monitor)"

# completes WORD...: the last word is the one being completed; prints the
# candidates sorted, space-separated.
completes() {
        COMP_WORDS=("$MIDA" "$@"); COMP_CWORD=$#; COMPREPLY=()
        _mida_monitor
        printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}
expect() { local want=$1; shift; local got; got=$(completes "$@"); [ "$got" = "$want" ] || fail "'$*': got '$got', want '$want'"; }

expect "check-config" ch
expect "status" -c x.conf st
expect "--json --json-lines" once --js
expect "--json" status --j
expect "--since" history 1001 --si
expect "debug" --log-level de
pass "commands, options per command and --log-level values complete"

secret_url=https://hooks.slack.com/services/T000/B000/completion-secret
cat >"$T/c.conf" <<CONF
mida: { project_key = "demo"; api_key = "demo-key"; };
notifiers = ( { name = "growth"; type = "slack"; url = "$secret_url"; },
              { name = "ops"; type = "webhook"; url = "https://example.com/hook"; secret = "whsec_c2VjcmV0LXNpZ25pbmcta2V5"; } );
rules = ( { name = "harm"; when = "lift < -0.05"; notify = [ "ops" ]; } );
digests = ( { name = "weekly"; schedule = "mon 09:00"; notify = [ "growth" ]; } );
CONF
expect "growth ops" -c "$T/c.conf" test-notify ""
expect "ops" --config "$T/c.conf" test-notify o
expect "" -c "$T/missing.conf" test-notify ""
out=$("$MIDA" -c "$T/c.conf" --complete notifiers; "$MIDA" -c "$T/c.conf" --complete rules)
[ "$out" = "$(printf 'growth\nops\nharm')" ] || fail "--complete printed: $out"
if grep -q -e completion-secret -e c2VjcmV0 <<<"$out"; then fail "--complete printed a secret"; fi
"$MIDA" -c "$T/c.conf" --complete urls >/dev/null 2>&1; [ $? -eq 2 ] || fail "--complete urls: not a usage error"
expect "weekly" -c "$T/c.conf" digest ""
expect "--print" digest weekly --pr
pass "digest completes the digests of the -c config, and --print/--send"
pass "test-notify completes the notifiers of the -c config (none for a missing file); --complete prints names only"

expect "silence" sil
expect "add expire list" silence ""
expect "list" silence l
expect "--actions" silence add --act
expect "--all" silence list --a
expect "--actions --all" silence --a
expect "--comment --config" -c "$T/c.conf" silence add --rule harm --for 1h --co
expect "" silence list ""
expect "" silence add --for ""
expect "" silence add --comment ""
expect "harm" -c "$T/c.conf" silence add --experiment 1001 --rule ""
expect "harm" -c "$T/c.conf" silence add --for 2h --rule h
expect "" -c "$T/missing.conf" silence add --rule ""
pass "silence completes its subcommands, the options of each, and the rule names of the -c config after --rule"

# The ids of `silence expire`: those in force, from the state directory of
# the config (it exists once the daemon has run).
start_sim demo.conf
write_config "" "rules = ( { name = \"harm\"; when = \"significant && lift_high < -0.05\"; } );"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
stop_daemon
expect "" -c "$T/mida-monitor.conf" silence expire ""
for what in "--experiment 1001" "--rule harm" "--experiment 1002 --rule harm"; do
        # shellcheck disable=SC2086
        "$MIDA" -c "$T/mida-monitor.conf" silence add $what --for 1h --comment "completion" >/dev/null 2>&1 ||
                fail "silence add $what"
done
"$MIDA" -c "$T/mida-monitor.conf" silence expire 2 >/dev/null || fail "silence expire 2"
expect "1 3" -c "$T/mida-monitor.conf" silence expire ""
expect "3" --config "$T/mida-monitor.conf" silence expire 3
expect "" -c "$T/mida-monitor.conf" silence expire 1 ""
expect "" -c "$T/missing.conf" silence expire ""
pass "silence expire completes the ids of the silences in force of the -c config, and nothing more"
