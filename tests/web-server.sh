#!/usr/bin/env bash
# The status page's listener end to end, against the real daemon and
# mida-sim's demo scenario: what HTTP the listener speaks, not what the
# pages show (tests/test_web_site and the browser tests do that).
#   - GET / and /metrics: 200 with every security header; HEAD: the
#     headers and no body; POST: 405 with Allow; a body: 413; a query
#     string is ignored; an unknown path, a long URL: 404, 414, headers too
#   - /metrics passes the strict format checker (and promtool when installed)
#   - basic_auth_file: no or a wrong password 401 with WWW-Authenticate, the
#     right one 200; a reload takes a new file up; no password or hash in
#     the log; a changed listen applies at restart (logged)
#   - check-config refuses a non-loopback listen without allow_remote and
#     auth, and a plain-text password
#   - 1,000 slow connections (half a request line each, then nothing): a
#     poll cycle still finishes in its normal time, the daemon's descriptors
#     stay bounded, and a normal GET is answered once they are gone
#   - systemd socket activation (systemd-socket-activate): the socket it
#     passes is served; a non-loopback one without auth is refused
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/alerts.sh"

PROM_CHECK=$top_builddir/tests/prom-check
HEADERS=("Content-Security-Policy: default-src 'self'" "X-Content-Type-Options: nosniff"
         "Referrer-Policy: no-referrer" "Cache-Control: no-store" "X-Frame-Options: DENY")
REALM='WWW-Authenticate: Basic realm="mida-monitor", charset="UTF-8"'

# web_config WEB_GROUP: the demo project's config with a long interval (only
# poll_now starts cycles) and the given web group (or none).
web_config() {
        cat >"$T/mida-monitor.conf" <<CONF
mida: { base_url = "$SIM_URL/v2"; project_key = "demo"; api_key = "demo-key"; timeout = "2s";
        max_requests_per_second = 0; };
monitor: { interval = "1h"; spread = 0; state_directory = "$T/state"; };
$1
CONF
}

# fetch NAME CURL_ARGS...: prints the status; the headers go to $T/NAME.h
# (without CRs) and the body to $T/NAME.b.
fetch() {
        local name=$1 code; shift
        code=$(curl -sS --max-time 10 -D "$T/$name.raw" -o "$T/$name.b" -w '%{http_code}' "$@" 2>>"$T/curl.log")
        tr -d '\r' <"$T/$name.raw" >"$T/$name.h" 2>/dev/null
        echo "$code"
}
has_header() { grep -qixF -- "$2" "$T/$1.h"; }
# secure NAME: the response NAME carries every security header.
secure() {
        local h
        for h in "${HEADERS[@]}"; do
                has_header "$1" "$h" || fail "$1: no '$h': $(tr '\n' '|' <"$T/$1.h")"
        done
}
# expect NAME STATUS CURL_ARGS...: fetch, then the status and the headers.
expect() {
        local name=$1 want=$2 got; shift 2
        got=$(fetch "$name" "$@")
        [ "$got" = "$want" ] || fail "$name: status $got, expected $want: $(tr '\n' '|' <"$T/$name.h") $(head -c 300 "$T/$name.b")"
        secure "$name"
}

# raw REQUEST: the whole answer of the listener to REQUEST (printf escapes),
# read until it closes the connection.
raw() {
        python3 - "$WEB_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.buffer.write(out)
PY
}

last_cycle_seconds() { sed -n 's/.*poll cycle finished: .* in \([0-9.]*\) s$/\1/p' "$T/daemon.log" | tail -n 1; }
reloads() { grep -c 'configuration reloaded' "$T/daemon.log" || true; }
reloads_more_than() { [ "$(reloads)" -gt "$1" ]; }
sanitizer_report() { grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log"; }

start_sim demo.conf
WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT

# ---- 1. check-config -------------------------------------------------------
web_config 'web: { listen = "0.0.0.0:9447"; };'
"$MIDA" -c "$T/mida-monitor.conf" check-config >"$T/check.out" 2>&1 && fail "check-config accepts 0.0.0.0 without auth"
grep -qF "mida-monitor.conf:4: web.listen 0.0.0.0:9447 is not loopback: set allow_remote = true and basic_auth_file, and put TLS in front (a reverse proxy)" \
        "$T/check.out" || fail "check-config: $(cat "$T/check.out")"
printf 'admin:%s\nops:hunter2\n' "$(openssl passwd -6 admin-pw)" >"$T/plain.htpasswd"
web_config "web: { listen = \"0.0.0.0:9447\"; allow_remote = true; basic_auth_file = \"$T/plain.htpasswd\"; };"
"$MIDA" -c "$T/mida-monitor.conf" check-config >"$T/check.out" 2>&1 && fail "check-config accepts a plain-text password"
grep -qF "line 2 of $T/plain.htpasswd: user 'ops' has no crypt(3) hash (a plain-text password?): make it with htpasswd -B" \
        "$T/check.out" || fail "check-config: $(cat "$T/check.out")"
grep -q hunter2 "$T/check.out" && fail "check-config shows the password: $(cat "$T/check.out")"
pass "check-config refuses a non-loopback listen without allow_remote and auth, and a plain-text password"

# ---- 2. HTTP ----------------------------------------------------------------
web_config "web: { listen = \"127.0.0.1:$WEB_PORT\"; };"
"$MIDA" -c "$T/mida-monitor.conf" check-config >/dev/null || fail "check-config rejects the web group"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
grep -qF "web: listening on http://127.0.0.1:$WEB_PORT/" "$T/daemon.log" || fail "no 'listening on' line"

expect index 200 "$BASE/"
has_header index "Content-Type: text/html; charset=utf-8" || fail "/: $(tr '\n' '|' <"$T/index.h")"
expect metrics 200 "$BASE/metrics"
has_header metrics "Content-Type: text/plain; version=0.0.4; charset=utf-8" ||
        has_header metrics "Content-Type: text/plain; version=0.0.4" || fail "/metrics: $(tr '\n' '|' <"$T/metrics.h")"
"$PROM_CHECK" "$T/metrics.b" || fail "/metrics fails the format check"
grep -q '^mida_visitors{experiment_id="1001"' "$T/metrics.b" || fail "/metrics has no experiment: $(head -c 500 "$T/metrics.b")"
if command -v promtool >/dev/null; then
        promtool check metrics <"$T/metrics.b" || fail "promtool rejects /metrics"
        pass "/metrics passes the strict checker and promtool check metrics"
else
        pass "/metrics passes the strict checker (promtool not installed: its check skipped)"
fi
expect query 200 "$BASE/metrics?x=1&name=%3Cscript%3E"
cmp -s "$T/query.b" "$T/metrics.b" || fail "/metrics?query differs from /metrics"
expect query_index 200 "$BASE/?refresh=1"
pass "GET / and /metrics: 200, every security header; a query string is ignored"

expect plain 200 "$BASE/api/v1/status"
expect gz 200 --compressed "$BASE/api/v1/status"
has_header gz "Content-Encoding: gzip" && has_header gz "Vary: Accept-Encoding" ||
        fail "a browser's request is not answered compressed: $(tr '\n' '|' <"$T/gz.h")"
cmp -s "$T/plain.b" "$T/gz.b" || fail "the compressed document differs from the plain one"
if has_header plain "Content-Encoding: gzip"; then fail "gzip sent to a client that did not ask for it"; fi
pass "pages go gzip-compressed to a client that accepts it, as they are to one that does not"

head=$(raw 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | tr -d '\r')
grep -q '^HTTP/1.1 200' <<<"$head" || fail "HEAD: $head"
for h in "${HEADERS[@]}"; do grep -qixF -- "$h" <<<"$head" || fail "HEAD: no $h: $head"; done
length=$(sed -n 's/^Content-Length: //Ip' <<<"$head")
[ "${length:-0}" -gt 0 ] || fail "HEAD: no Content-Length: $head"
[ -z "$(sed '1,/^$/d' <<<"$head")" ] || fail "HEAD has a body: $head"
pass "HEAD: the headers (Content-Length $length), no body"

for method in POST PUT DELETE OPTIONS; do
        expect "m_$method" 405 -X "$method" "$BASE/"
        has_header "m_$method" "Allow: GET, HEAD" || fail "$method: no Allow: $(tr '\n' '|' <"$T/m_$method.h")"
done
expect post_body 405 -X POST -H 'Content-Type: application/json' -d '{"a":1}' "$BASE/metrics"
expect get_body 413 -H 'Content-Type: text/plain' --data-binary 'abc' -X GET "$BASE/"
expect missing 404 "$BASE/no/such/page"
expect long_url 414 "$BASE/$(head -c 3000 /dev/zero | tr '\0' a)"
huge=$(fetch huge -H "X-Filler: $(head -c 20000 /dev/zero | tr '\0' a)" "$BASE/")
[ "$huge" = 431 ] || [ "$huge" = 413 ] || fail "a 20 KB header: status $huge"
pass "POST/PUT/DELETE/OPTIONS 405 with Allow: GET, HEAD; a body 413; 404 and 414 with the headers; a 20 KB header $huge"

# ---- 3. 1,000 slow connections during a cycle -------------------------------
# timed_poll: poll_now; sets WALL_MS, the time from SIGUSR1 to the end of the cycle.
timed_poll() { local start; start=$(date +%s%N); poll_now 20; WALL_MS=$(( ($(date +%s%N) - start) / 1000000 )); }
# cpu_ticks: the daemon's user + system time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
poll_now
timed_poll
base_ms=$WALL_MS
base_seconds=$(last_cycle_seconds)
[ -n "$base_seconds" ] || fail "no cycle duration in the log"
fds_before=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
cat >"$T/slow.py" <<'PY'
# Opens N connections, sends half a request line on each, holds them
# until killed (or HOLD seconds), then closes them.
import resource, socket, sys, time
port, n, hold, ready = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 64 if hard == resource.RLIM_INFINITY else min(hard, n + 64)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
socks = []
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        continue
    socks.append(s)
time.sleep(0.5)
sent = 0
for s in socks:
    try:
        s.send(b"GET / HT")
        sent += 1
    except OSError:
        pass
open(ready, "w").write("%d %d\n" % (len(socks), sent))
time.sleep(hold)
PY
python3 "$T/slow.py" "$WEB_PORT" 1000 12 "$T/slow.ready" >"$T/slow.log" 2>&1 &
SLOW_PID=$!; PIDS="$PIDS $SLOW_PID"
wait_for 20 test -s "$T/slow.ready" || fail "the slow clients did not start: $(cat "$T/slow.log")"
read -r opened sent <"$T/slow.ready"
[ "$opened" -ge 1000 ] || fail "only $opened connections opened: $(cat "$T/slow.log")"
fds_during=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
ticks=$(cpu_ticks)
timed_poll
loaded_seconds=$(last_cycle_seconds)
sleep 2   # held, and idle: the daemon must not spin on them
cpu_ms=$(( ($(cpu_ticks) - ticks) * 1000 / $(getconf CLK_TCK) ))
awk -v l="$loaded_seconds" -v b="$base_seconds" 'BEGIN { exit !(l <= 3 * b + 1.0) }' ||
        fail "the cycle took $loaded_seconds s under 1,000 slow connections, $base_seconds s without"
[ "$WALL_MS" -le $((3 * base_ms + 1000)) ] ||
        fail "SIGUSR1 to the cycle's end took $WALL_MS ms under 1,000 slow connections, $base_ms ms without"
[ "$fds_during" -le $((fds_before + 64 + 8)) ] ||
        fail "the daemon holds $fds_during descriptors under load, $fds_before before (limit 64 connections)"
[ "$cpu_ms" -le 1500 ] || fail "the daemon used $cpu_ms ms of CPU in 2 s of holding slow connections"
pass "1,000 slow connections ($sent half requests): the cycle took $loaded_seconds s, $WALL_MS ms from SIGUSR1 to its end ($base_seconds s, $base_ms ms unloaded); descriptors $fds_before -> $fds_during; $cpu_ms ms of CPU while held"
kill "$SLOW_PID" 2>/dev/null; wait "$SLOW_PID" 2>/dev/null
ok_again() { [ "$(fetch after "$BASE/")" = 200 ]; }
wait_for 20 ok_again || fail "no 200 after the slow connections: $(cat "$T/after.h")"
pass "a normal GET is answered once the slow connections are gone"
stop_daemon
sanitizer_report && fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$T/daemon.log")"

# ---- 4. Basic auth ----------------------------------------------------------
printf '# status page users\nops:%s\n' "$(openssl passwd -6 'right horse')" >"$T/htpasswd"
hash=$(sed -n 's/^ops://p' "$T/htpasswd")
web_config "web: { listen = \"127.0.0.1:$WEB_PORT\"; basic_auth_file = \"$T/htpasswd\"; };"
"$MIDA" -c "$T/mida-monitor.conf" check-config >/dev/null || fail "check-config rejects the auth file"
start_daemon
expect anon 401 "$BASE/"
has_header anon "$REALM" || fail "401 without $REALM: $(tr '\n' '|' <"$T/anon.h")"
expect wrong 401 -u 'ops:wrong horse' "$BASE/"
has_header wrong "$REALM" || fail "401 without $REALM"
expect nobody 401 -u 'nobody:right horse' "$BASE/metrics"
expect right 200 -u 'ops:right horse' "$BASE/"
expect right_metrics 200 -u 'ops:right horse' "$BASE/metrics"
expect anon_metrics 401 "$BASE/metrics"
pass "basic_auth_file: no password, a wrong one, an unknown user 401 with $REALM; the right one 200"

printf 'ops:%s\n' "$(openssl passwd -6 'new horse')" >"$T/htpasswd"
r=$(reloads)
kill -HUP "$DAEMON_PID"
wait_for 10 reloads_more_than "$r" || fail "no reload"
expect old_pw 401 -u 'ops:right horse' "$BASE/"
expect new_pw 200 -u 'ops:new horse' "$BASE/"
pass "a reload takes the new auth file up: the old password 401, the new one 200"

web_config "web: { listen = \"127.0.0.1:$((WEB_PORT + 1))\"; basic_auth_file = \"$T/htpasswd\"; };"
r=$(reloads)
kill -HUP "$DAEMON_PID"
wait_for 10 reloads_more_than "$r" || fail "no reload"
grep -qF "web: listen changed from 127.0.0.1:$WEB_PORT to 127.0.0.1:$((WEB_PORT + 1)); it applies at the next restart" \
        "$T/daemon.log" || fail "no line about the changed listen"
expect still 200 -u 'ops:new horse' "$BASE/"
pass "a changed listen is logged and applies at restart; the listener goes on where it was"
for secret in 'right horse' 'new horse' 'wrong horse' "$hash"; do
        grep -qF -- "$secret" "$T/daemon.log" && fail "the log holds a password or hash: $(grep -F -- "$secret" "$T/daemon.log")"
done
pass "no password or hash in the daemon's log"
stop_daemon
sanitizer_report && fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$T/daemon.log")"

# ---- 5. socket activation ---------------------------------------------------
if command -v systemd-socket-activate >/dev/null; then
        # systemd-socket-activate starts the daemon at the first connection,
        # which waits in the socket's backlog and is answered once it runs.
        # It passes on only the environment it is told to.
        activate="systemd-socket-activate -E NOTIFY_SOCKET -E WATCHDOG_USEC -E ASAN_OPTIONS -E UBSAN_OPTIONS"
        SOCK_PORT=$(free_port)
        web_config ""
        (sleep 1; fetch first "http://127.0.0.1:$SOCK_PORT/metrics" >"$T/first.code") &
        DAEMON_WRAPPER="$activate -l 127.0.0.1:$SOCK_PORT" start_daemon
        wait_for 20 test -s "$T/first.code" || fail "the first request was not answered"
        [ "$(cat "$T/first.code")" = 200 ] || fail "the first request: $(cat "$T/first.code")"
        secure first
        grep -qF "web: listening on the socket systemd passed, http://127.0.0.1:$SOCK_PORT/" "$T/daemon.log" ||
                fail "no line about the socket systemd passed"
        stop_daemon
        pass "socket activation: the socket systemd passed is served (no web group needed)"

        SOCK_PORT=$(free_port)
        (sleep 1; curl -s --max-time 3 "http://127.0.0.1:$SOCK_PORT/" >/dev/null 2>&1; echo done >"$T/second.done") &
        DAEMON_WRAPPER="$activate -l 0.0.0.0:$SOCK_PORT" start_daemon
        grep -qF "web: the socket systemd passed (0.0.0.0:$SOCK_PORT) is not loopback: set allow_remote = true and basic_auth_file" \
                "$T/daemon.log" || fail "a non-loopback socket from systemd was not refused"
        poll_now
        wait_for 10 test -s "$T/second.done"
        stop_daemon
        pass "socket activation: a non-loopback socket without auth is refused, the daemon polls on"
else
        echo "SKIP: systemd-socket-activate not installed: socket activation not tested"
fi
sanitizer_report && fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$T/daemon.log")"
exit 0
