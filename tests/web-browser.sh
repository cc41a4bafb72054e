#!/usr/bin/env bash
# The status page in a real browser: headless Chromium loads / and
# /experiment/ID from the real daemon (its web listener) running against
# mida-sim's demo scenario, with one experiment renamed to carry a
# <script>. Checked in the DOM after the page's JavaScript ran: one row per
# watched experiment, the firing alert shown, the hostile name shown as
# text and never run; per non-control variant one chart whose points are
# the polls in history. With JavaScript off the tables are all there.
# Screenshots go to tests/web-screenshots/ in the build directory.
. "$top_srcdir/tests/lib/harness.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
        fail "chromium is missing (scripts/lib/deps.sh installs it)"
SHOTS=$top_builddir/tests/web-screenshots
HOSTILE='<script>alert(1)</script> Header navigation'

# browse URL [CHROMIUM ARGS...]: the DOM once the page's scripts ran (the
# virtual time budget lets Chart.js finish without waiting in real time).
# As root, Chromium needs --no-sandbox.
browse() {
        local url=$1; shift
        "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
                --user-data-dir="$T/chromium" --virtual-time-budget=15000 "$@" "$url" 2>>"$T/chromium.log"
}
dom() { browse "$1" --dump-dom; }
# dom_without_js URL: the DOM with JavaScript off (--dump-dom needs it on).
dom_without_js() { /usr/bin/python3 "$top_srcdir/tests/lib/dom_without_js.py" "$CHROMIUM" "$T/chromium-nojs" "$1"; }
shot() { browse "$1" --screenshot="$SHOTS/$2" --window-size="$3" >/dev/null; [ -s "$SHOTS/$2" ]; }
count() { grep -o "$1" | wc -l; }

# The demo scenario with 1003 renamed: API data is shown, never run.
sed "s|name = \"Header navigation\"|name = \"${HOSTILE//\//\\/}\"|" "$top_srcdir/sim/scenarios/demo.conf" >"$T/hostile.conf"
grep -qF "$HOSTILE" "$T/hostile.conf" || fail "the scenario was not renamed"
"$SIM" --scenario "$T/hostile.conf" --port 0 --port-file "$T/sim.port" -q >"$T/sim.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/sim.port" || fail "mida-sim did not start: $(cat "$T/sim.log")"
SIM_URL=http://127.0.0.1:$(cat "$T/sim.port")
WEB_PORT=$(free_port); WEB=http://127.0.0.1:$WEB_PORT
write_config "" "web: { listen = \"127.0.0.1:$WEB_PORT\"; };
notifiers = ( { name = \"ops\"; type = \"webhook\"; url = \"$SIM_URL/hooks/ops\"; } );
rules = ( { name = \"winner\"; when = \"significant && lift > 0\"; notify = [ \"ops\" ]; } );"
start_daemon
wait_for 30 cycles_more_than 0 || fail "first cycle did not finish"
# A simulated hour between polls: the counts move, and history has a row each time.
for _ in 1 2 3 4; do sim_post /__clock '{"advance": 3600}' >/dev/null; sleep 1; poll_now; done
mkdir -p "$SHOTS"

polls=$(curl -sf "$WEB/api/v1/experiment/1001" | jq '.polls | length') || fail "no history of 1001"
[ "$polls" -ge 3 ] || fail "only $polls polls of 1001 in history"
watched=$(curl -sf "$WEB/api/v1/status" | jq '[.experiments[] | select(.active)] | length') || fail "no status"

dom "$WEB/" >"$T/index.html" || fail "chromium could not load /: $(tail -n 5 "$T/chromium.log")"
[ "$(count '<tr class="experiment[^"]*" data-experiment=' <"$T/index.html")" -eq "$watched" ] ||
        fail "want $watched experiment rows: $(grep -o '<tr class="experiment[^>]*>' "$T/index.html")"
grep -q 'data-experiment="1001"[^>]*>.*' "$T/index.html" && grep -q 'data-state="firing" data-rule="winner"' "$T/index.html" ||
        fail "the firing alert is not shown"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; Header navigation' "$T/index.html" ||
        fail "the hostile name is not shown as text: $(grep -o '[^>]*Header navigation[^<]*' "$T/index.html")"
if grep -q '<script>alert(1)' "$T/index.html"; then fail "the hostile name became a script element"; fi
shot "$WEB/" index.png 1280,1400 || fail "no screenshot of /"
shot "$WEB/" index-phone.png 390,1600 || fail "no phone screenshot of /"
pass "/: one row per watched experiment ($watched), the firing alert, a <script> name shown as text"

dom "$WEB/experiment/1004" >"$T/1004.html" || fail "chromium could not load /experiment/1004"
grep -q '<body[^>]*data-charts="ready"' "$T/1004.html" || fail "the charts were not drawn: $(grep -o '<body[^>]*>' "$T/1004.html")"
canvases=$(count '<canvas class="lift-chart"' <"$T/1004.html")
[ "$canvases" -eq 2 ] || fail "1004 has 2 variants besides the control; $canvases charts"
polls4=$(curl -sf "$WEB/api/v1/experiment/1004" | jq '.polls | length')
[ "$(count "data-points=\"$polls4\"" <"$T/1004.html")" -eq 2 ] ||
        fail "want $polls4 points per chart: $(grep -o '<canvas[^>]*>' "$T/1004.html")"
[ "$(count '<tr class="poll"' <"$T/1004.html")" -eq "$polls4" ] || fail "the table of polls is not one row per poll"
dom "$WEB/experiment/1001" >"$T/1001.html"
grep -q 'class="event[^"]*" data-kind="fired"[^>]*data-rule="winner"' "$T/1001.html" ||
        fail "1001's page does not show when winner fired: $(grep -o '<li class="event[^>]*>' "$T/1001.html")"
shot "$WEB/experiment/1001" experiment-1001.png 1280,1400 || fail "no screenshot of /experiment/1001"
pass "/experiment/ID: a chart per variant with one point per poll ($polls4), the table of polls, the alert's marker"

# JavaScript off: everything is in the tables.
dom_without_js "$WEB/" >"$T/index-nojs.html" || fail "could not load / with JavaScript off"
[ "$(count '<tr class="experiment[^"]*" data-experiment=' <"$T/index-nojs.html")" -eq "$watched" ] ||
        fail "without JavaScript the experiments table is incomplete"
dom_without_js "$WEB/experiment/1004" >"$T/1004-nojs.html" || fail "could not load /experiment/1004 with JavaScript off"
[ "$(count '<tr class="poll"' <"$T/1004-nojs.html")" -eq "$polls4" ] || fail "without JavaScript the polls table is incomplete"
if grep -q 'data-charts=' "$T/1004-nojs.html"; then fail "scripts ran with JavaScript off"; fi
pass "JavaScript off: the experiments and the polls are all in the tables"
stop_daemon
