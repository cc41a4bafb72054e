#!/usr/bin/env bash
# The bash completion (completion/mida-monitor), driven as bash drives it:
# COMP_WORDS and COMP_CWORD set, the function registered with `complete`
# called, COMPREPLY read. Commands, options per command, --log-level
# values, and test-notify's notifier names read from the config given with
# -c through the hidden --complete, which prints names and no secret.
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
CONF
expect "growth ops" -c "$T/c.conf" test-notify ""
expect "ops" --config "$T/c.conf" test-notify o
expect "" -c "$T/missing.conf" test-notify ""
out=$("$MIDA" -c "$T/c.conf" --complete notifiers; "$MIDA" -c "$T/c.conf" --complete rules)
[ "$out" = "$(printf 'growth\nops\nharm')" ] || fail "--complete printed: $out"
if grep -q -e completion-secret -e c2VjcmV0 <<<"$out"; then fail "--complete printed a secret"; fi
"$MIDA" -c "$T/c.conf" --complete urls >/dev/null 2>&1; [ $? -eq 2 ] || fail "--complete urls: not a usage error"
pass "test-notify completes the notifiers of the -c config (none for a missing file); --complete prints names only"
