#!/usr/bin/env bash
# The built systemd unit, checked with systemd's own tools and then run for
# real: a private systemd manager is booted in its own PID, mount and cgroup
# namespaces (the machine's PID 1 need not be systemd) and starts the unit
# with every sandbox setting as written, against mida-sim on loopback.
#
# Part 1 (needs systemd-analyze): `systemd-analyze security --offline=yes`
#   overall exposure <= 1.2, and `systemd-analyze verify` prints nothing.
# Part 2 (needs root, unshare, nsenter, /lib/systemd/systemd, cgroup2):
#   without the API key file the start is skipped (condition), not failed;
#   with it the daemon starts (Type=notify), polls through the sandbox, writes its
#   state in StateDirectory= (state.db, read with sqlite3 from outside the
#   sandbox: the 4 experiments, the last cycle's time), reads its API key as a credential, pings the
#   watchdog, reloads on `systemctl reload`, polls on SIGUSR1, stops cleanly
#   on `systemctl stop`; and /proc shows the sandbox took effect (dynamic
#   uid, no capabilities, no_new_privs, seccomp filter, read-only root);
#   the status page answers under the sandbox, listening by itself and on
#   the socket of mida-monitor.socket (verified in part 1 too), whose
#   first connection starts the service.
# What the test changes for part 2, in a drop-in, and why:
#   DefaultDependencies=no   sysinit.target's services would act on the
#                            machine's real /var, /tmp and devices
#   StandardOutput=append:   the log goes to a file: no journald is running
#   WatchdogSec=3s           to see pings within seconds (unit: 2min)
#   ASAN_OPTIONS            LeakSanitizer needs ptrace, which
#                            SystemCallFilter= rightly denies
# and the paths: ExecStart=, -c and the credential point at a copy of the
# built binary and a test config. The host's / is read-only in the
# namespace, and /etc an overlay: nothing the manager does reaches the host.
. "$(dirname "$0")/lib/harness.sh"

UNIT=$top_builddir/systemd/mida-monitor.service
MAX_EXPOSURE=1.2
[ -f "$UNIT" ] || fail "$UNIT not built"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze missing (apt-get install systemd)"; exit 77; }

# ---- Part 1: systemd-analyze --------------------------------------------
systemd-analyze security --offline=yes "$UNIT" >"$T/security.txt" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for mida-monitor.service: \([0-9.]*\).*/\1/p' "$T/security.txt")
[ -n "$exposure" ] || fail "no exposure figure: $(cat "$T/security.txt")"
awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
        fail "exposure $exposure > $MAX_EXPOSURE: $(grep '✗' "$T/security.txt")"
pass "systemd-analyze security --offline=yes: overall exposure $exposure (<= $MAX_EXPOSURE)"

# The unit names the installed binary; verify checks that it is executable,
# so point ExecStart= at the built one (the only change).
exec_line=$(grep '^ExecStart=' "$UNIT")
bin_path=$(echo "$exec_line" | sed -n 's|^ExecStart=\(/[^ ]*/mida-monitor\) -c .*|\1|p')
conf_dir=$(echo "$exec_line" | sed -n 's|.* -c \(/.*/mida-monitor\)/mida-monitor.conf run$|\1|p')
[ -n "$bin_path" ] && [ -n "$conf_dir" ] || fail "unexpected $exec_line"
mkdir -p "$T/verify" "$T/man/man5" "$T/man/man8"
sed "s|^ExecStart=$bin_path |ExecStart=$MIDA |" "$UNIT" >"$T/verify/mida-monitor.service"
man_check=--man=no
if [ -f "$top_srcdir/man/mida-monitor.8" ] && [ -f "$top_srcdir/man/mida-monitor.conf.5" ] && command -v man >/dev/null; then
        ln -s "$top_srcdir/man/mida-monitor.8" "$T/man/man8/"
        ln -s "$top_srcdir/man/mida-monitor.conf.5" "$T/man/man5/"
        man_check=--man=yes
fi
MANPATH=$T/man systemd-analyze verify $man_check "$T/verify/mida-monitor.service" >"$T/verify.txt" 2>&1 ||
        fail "systemd-analyze verify failed: $(cat "$T/verify.txt")"
[ ! -s "$T/verify.txt" ] || fail "systemd-analyze verify is not clean: $(cat "$T/verify.txt")"
pass "systemd-analyze verify $man_check: clean"

# The template mida-monitor@.service: the same sandbox, and verify clean for
# an instance.
TEMPLATE=$top_builddir/systemd/mida-monitor@.service
[ -f "$TEMPLATE" ] || fail "$TEMPLATE not built"
sed "s|^ExecStart=$bin_path |ExecStart=$MIDA |" "$TEMPLATE" >"$T/verify/mida-monitor@.service"
cp "$T/verify/mida-monitor@.service" "$T/verify/mida-monitor@clientA.service"
systemd-analyze security --offline=yes "$T/verify/mida-monitor@clientA.service" >"$T/security@.txt" 2>&1 || true
exposure_at=$(sed -n 's/.*Overall exposure level for mida-monitor@clientA.service: \([0-9.]*\).*/\1/p' "$T/security@.txt")
[ "$exposure_at" = "$exposure" ] || fail "template exposure '$exposure_at', the unit's $exposure: $(cat "$T/security@.txt")"
MANPATH=$T/man systemd-analyze verify $man_check "$T/verify/mida-monitor@clientA.service" >"$T/verify@.txt" 2>&1 ||
        fail "systemd-analyze verify of an instance failed: $(cat "$T/verify@.txt")"
[ ! -s "$T/verify@.txt" ] || fail "systemd-analyze verify of an instance is not clean: $(cat "$T/verify@.txt")"
pass "mida-monitor@.service: exposure $exposure_at as the unit's, verify of an instance clean"

# The status page's socket unit, beside the unit it starts.
cp "$top_srcdir/systemd/mida-monitor.socket" "$T/verify/"
MANPATH=$T/man systemd-analyze verify $man_check "$T/verify/mida-monitor.socket" >"$T/verify-socket.txt" 2>&1 ||
        fail "systemd-analyze verify of mida-monitor.socket failed: $(cat "$T/verify-socket.txt")"
[ ! -s "$T/verify-socket.txt" ] || fail "systemd-analyze verify of mida-monitor.socket is not clean: $(cat "$T/verify-socket.txt")"
pass "mida-monitor.socket: verify clean"

# ---- Part 2: the unit run by a private systemd ---------------------------
skip_part2() { echo "# SKIP part 2 (running the unit): $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip_part2 "needs root to boot a private systemd manager"
for tool in unshare nsenter findmnt ip; do command -v $tool >/dev/null || skip_part2 "$tool missing"; done
SYSTEMD=/lib/systemd/systemd
[ -x "$SYSTEMD" ] || skip_part2 "$SYSTEMD missing"
cgroot=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[ -n "$cgroot" ] || skip_part2 "no cgroup2 hierarchy mounted"
CG=$cgroot/mida-unit-test.$$
mkdir "$CG" || skip_part2 "cannot create a cgroup under $cgroot"

SD_PID=""
cgroup_empty() { [ -z "$(find "$CG" -name cgroup.procs -exec cat {} +)" ]; }
stop_manager() {
        [ -n "$SD_PID" ] && kill -9 "$SD_PID" 2>/dev/null
        # unshare --kill-child takes the manager with it if it is not known yet.
        [ -n "${UNSHARE_PID:-}" ] && kill -9 "$UNSHARE_PID" 2>/dev/null && wait "$UNSHARE_PID" 2>/dev/null
        # Everything in the namespace dies with its PID 1; then drop its cgroups.
        [ -d "$CG" ] && wait_for 10 cgroup_empty && find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null
        cleanup
}
trap stop_manager EXIT

S=/mnt/mida-test          # where the test files appear inside the namespace
mkdir -p "$T/srv/etc/mida-monitor" "$T/srv/units/mida-monitor.service.d"
cp "$MIDA" "$T/srv/mida-monitor"
# No api_key setting: the daemon uses the credential "mida-api-key", which
# only LoadCredential= can provide; no state_directory: $STATE_DIRECTORY.
cat >"$T/srv/etc/mida-monitor/mida-monitor.conf" <<CONF
mida: { base_url = "@SIM_URL@/v2"; project_key = "demo"; timeout = "5s"; max_requests_per_second = 0; };
monitor: { interval = "1h"; spread = 0; };
CONF
printf 'demo-key\n' >"$T/srv/etc/mida-monitor/api-key"
chmod 600 "$T/srv/etc/mida-monitor/api-key"
sed -e "s|$bin_path |$S/mida-monitor |" -e "s|$conf_dir/|$S/etc/mida-monitor/|g" "$UNIT" \
        >"$T/srv/units/mida-monitor.service"
cat >"$T/srv/units/mida-monitor.service.d/test.conf" <<EOF
[Unit]
DefaultDependencies=no
[Service]
StandardOutput=append:$S/daemon.log
StandardError=inherit
WatchdogSec=3s
Environment=ASAN_OPTIONS=detect_leaks=0
EOF
# Two instances of the template, each with its own project (a simulator of
# its own), key and state: clientA and clientB.
tpl_conf_dir=$(grep '^ExecStart=' "$TEMPLATE" | sed -n 's|.* -c \(/.*/mida-monitor\)/%i.conf run$|\1|p')
[ -n "$tpl_conf_dir" ] || fail "unexpected ExecStart= in $TEMPLATE"
sed -e "s|$bin_path |$S/mida-monitor |" -e "s|$tpl_conf_dir/|$S/etc/mida-monitor/|g" "$TEMPLATE" \
        >"$T/srv/units/mida-monitor@.service"
mkdir -p "$T/srv/units/mida-monitor@.service.d"
sed "s|$S/daemon.log|$S/daemon-%i.log|" "$T/srv/units/mida-monitor.service.d/test.conf" \
        >"$T/srv/units/mida-monitor@.service.d/test.conf"
for i in clientA clientB; do
        sed "s|@SIM_URL@|@SIM_URL_$i@|" "$T/srv/etc/mida-monitor/mida-monitor.conf" >"$T/srv/etc/mida-monitor/$i.conf"
        printf 'demo-key\n' >"$T/srv/etc/mida-monitor/$i.api-key"
        chmod 600 "$T/srv/etc/mida-monitor/$i.api-key"
        : >"$T/srv/daemon-$i.log"
done
printf '[Unit]\nDescription=mida-monitor unit test\nDefaultDependencies=no\n' >"$T/srv/units/mida-test.target"
# The manager must start nothing of the machine's own boot: it boots into
# mida-test.target (also as default.target), and the boot targets and the
# services that act on global state (devices, sysctl, clock, /tmp cleaning)
# are masked as well.
ln -s mida-test.target "$T/srv/units/default.target"
for u in sysinit.target basic.target multi-user.target graphical.target rescue.target emergency.target \
        local-fs.target sockets.target timers.target systemd-tmpfiles-setup.service \
        systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer systemd-udevd.service \
        systemd-udev-trigger.service systemd-sysctl.service systemd-modules-load.service \
        systemd-timesyncd.service systemd-journald.service systemd-journald.socket networking.service; do
        ln -s /dev/null "$T/srv/units/$u"
done
: >"$T/srv/daemon.log"; : >"$T/srv/console"

# Runs inside the new namespaces: private /run, /tmp, /var/lib, unit
# directory and cgroup tree; /etc an overlay whose changes stay in /run
# (ConfigurationDirectory= creates /etc/mida-monitor); the rest of the
# host's / read-only; then systemd as PID 1.
boot_script='set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir /run/hold && mount --bind "$1" /run/hold
for d in /tmp /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs $d; done
for d in /var/lib /mnt; do mount -t tmpfs -o mode=0755 tmpfs $d; done
mkdir /run/etc-up /run/etc-work
mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/etc-up,workdir=/run/etc-work /etc
mount -t tmpfs -o mode=0755 tmpfs /etc/systemd/system
mkdir -p "$2" && mount --move /run/hold "$2"
cp -a "$2"/units/. /etc/systemd/system/
test -f /etc/systemd/system/mida-test.target && test -L /etc/systemd/system/sysinit.target
ip link set lo up
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount --bind "$2"/console /dev/console
mount -o remount,bind,ro /
mount --make-rshared /
exec env -i container=mida-test "$3" --unit=mida-test.target --log-level=info --log-target=console'
# Enter the test cgroup first, so that the cgroup namespace is rooted there.
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
        unshare --pid --fork --kill-child --mount --mount-proc --cgroup --uts --ipc --net \
        sh -c "$boot_script" sh "$T/srv" "$S" "$SYSTEMD" >"$T/unshare.log" 2>&1 &
UNSHARE_PID=$!; PIDS="$PIDS $!"
manager_pid() { awk '{ print $1 }' "/proc/$UNSHARE_PID/task/$UNSHARE_PID/children" 2>/dev/null; }
has_manager_pid() { [ -n "$(manager_pid)" ]; }
wait_for 10 has_manager_pid || skip_part2 "unshare failed: $(cat "$T/unshare.log")"
SD_PID=$(manager_pid)
in_ns() { nsenter -t "$SD_PID" -m -p -- "$@"; }
sdctl() { in_ns timeout 60 systemctl --no-pager "$@"; }
manager_up() { [ "$(sdctl is-system-running 2>/dev/null)" = running ]; }
wait_for 20 manager_up || skip_part2 "the private systemd did not come up: $(tail -n 20 "$T/srv/console" "$T/unshare.log")"
pass "private systemd manager running in its own namespaces"

# mida-sim in the namespace's network (loopback only), files on the host side.
nsenter -t "$SD_PID" -n -- "$SIM" --scenario "$top_srcdir/sim/scenarios/demo" --seed 3 --speed 3600 \
        --port 0 --port-file "$T/sim.port" -q >"$T/sim.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/sim.port" || fail "mida-sim did not start: $(cat "$T/sim.log")"
SIM_URL=http://127.0.0.1:$(cat "$T/sim.port")
sed -i "s|@SIM_URL@|$SIM_URL|" "$T/srv/etc/mida-monitor/mida-monitor.conf"

fail_unit() {
        sdctl status mida-monitor >&2 || true
        tail -n 30 "$T/srv/console" "$T/srv/daemon.log" >&2; fail "$*"
}
prop() { sdctl show -P "$1" mida-monitor; }
# Not configured yet (no API key file): the start is skipped, not failed.
mv "$T/srv/etc/mida-monitor/api-key" "$T/api-key"
sdctl start mida-monitor || fail_unit "start without an API key failed instead of being skipped"
[ "$(prop ConditionResult)" = no ] && [ "$(prop ActiveState)" = inactive ] && [ "$(prop Result)" = success ] ||
        fail_unit "without an API key: ConditionResult=$(prop ConditionResult) ActiveState=$(prop ActiveState)"
pass "without $S/etc/mida-monitor/api-key the start is skipped (ConditionPathExists=), not failed"
mv "$T/api-key" "$T/srv/etc/mida-monitor/api-key"

sdctl start mida-monitor || fail_unit "systemctl start failed"
[ "$(prop ActiveState)" = active ] || fail_unit "not active after start"
pass "systemctl start: READY=1 received through the sandbox (Type=notify)"

watching() { prop StatusText | grep -q '^Watching 4 experiments'; }
wait_for 30 watching ||
        fail_unit "no 'Watching 4 experiments' status: $(prop StatusText)"
# db_ns SQL: the unit's state.db, read-only (WAL: while the daemon runs).
db_ns() {
        in_ns sqlite3 -init /dev/null -batch -readonly -cmd '.timeout 5000' \
                /var/lib/private/mida-monitor/state.db "$1"
}
in_ns test -s /var/lib/private/mida-monitor/state.db || fail_unit "no state.db in StateDirectory="
[ "$(db_ns 'SELECT count(*) FROM experiments WHERE active')" = 4 ] ||
        fail_unit "state.db lacks the 4 experiments: $(db_ns 'SELECT id, name, active FROM experiments')"
if grep -q 'demo-key' "$T/srv/daemon.log"; then fail "the API key reached the log"; fi
pass "polled mida-sim over AF_INET, API key from the credential, state in StateDirectory= (status: $(prop StatusText))"

pid=$(prop MainPID)
in_ns cat "/proc/$pid/status" >"$T/proc-status"
field() { awk -v k="$1:" '$1 == k { print $2 }' "$T/proc-status"; }
uid=$(field Uid)
[ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] || fail_unit "uid $uid is not a dynamic user"
[ "$(field CapEff)" = 0000000000000000 ] && [ "$(field CapBnd)" = 0000000000000000 ] ||
        fail_unit "capabilities left: $(grep ^Cap "$T/proc-status")"
[ "$(field NoNewPrivs)" = 1 ] || fail_unit "no_new_privs not set"
[ "$(field Seccomp)" = 2 ] || fail_unit "no seccomp filter (Seccomp: $(field Seccomp))"
in_ns awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo" | grep -q '^ro' ||
        fail_unit "/ is writable for the service"
pass "sandbox in effect: dynamic uid $uid, no capabilities, no_new_privs, seccomp filter, read-only /"

wd1=$(prop WatchdogTimestampMonotonic); sleep 4; wd2=$(prop WatchdogTimestampMonotonic)
[ "$wd2" -gt "$wd1" ] && [ "$(prop ActiveState)" = active ] || fail_unit "watchdog pings missing ($wd1 -> $wd2)"
pass "watchdog pings arrive (WatchdogSec=3s)"

last_cycle() { db_ns "SELECT value FROM meta WHERE key = 'daemon.last_cycle_at'"; }
before=$(last_cycle); [ -n "$before" ] || fail_unit "no daemon.last_cycle_at in state.db"; sleep 1.1
sdctl kill -s USR1 --kill-who=main mida-monitor
new_cycle() { local now; now=$(last_cycle) && [ -n "$now" ] && [ "$now" != "$before" ]; }
wait_for 30 new_cycle || fail_unit "SIGUSR1 did not start a cycle (last_cycle_at $before)"
pass "SIGUSR1: poll now"

sdctl reload mida-monitor || fail_unit "systemctl reload failed"
wait_for 10 grep -q 'configuration reloaded' "$T/srv/daemon.log" || fail_unit "reload not logged"
[ "$(prop ActiveState)" = active ] || fail_unit "not active after reload"
pass "systemctl reload: SIGHUP, configuration reloaded, still active"

sdctl stop mida-monitor || fail_unit "systemctl stop failed"
[ "$(prop Result)" = success ] && [ "$(prop ExecMainStatus)" = 0 ] ||
        fail_unit "stop: Result=$(prop Result) status=$(prop ExecMainStatus)"
grep -q 'state saved' "$T/srv/daemon.log" || fail_unit "no 'state saved' on stop"
pass "systemctl stop: exit 0, state saved"

# Two instances side by side: each polls its own project and keeps its own
# state, which `status -c NAME.conf` finds outside systemd.
start_sim_ns() {   # start_sim_ns NAME SEED: a simulator in the namespace; prints its URL
        nsenter -t "$SD_PID" -n -- "$SIM" --scenario "$top_srcdir/sim/scenarios/demo" --seed "$2" --speed 3600 \
                --port 0 --port-file "$T/sim-$1.port" -q >"$T/sim-$1.log" 2>&1 &
        PIDS="$PIDS $!"
        wait_for 10 test -s "$T/sim-$1.port" || fail "mida-sim for $1 did not start: $(cat "$T/sim-$1.log")"
        echo "http://127.0.0.1:$(cat "$T/sim-$1.port")"
}
for i in clientA clientB; do
        url=$(start_sim_ns "$i" 7)
        sed -i "s|@SIM_URL_$i@|$url|" "$T/srv/etc/mida-monitor/$i.conf"
        eval "URL_$i=\$url"
done
sdctl start mida-monitor@clientA mida-monitor@clientB || { sdctl status mida-monitor@clientA >&2; tail -n 20 "$T/srv/console" "$T/srv/daemon-clientA.log" >&2; fail "starting the two instances failed"; }
iprop() { sdctl show -P "$2" "mida-monitor@$1"; }
instance_watching() { iprop "$1" StatusText | grep -q '^Watching 4 experiments'; }
results_seen() { nsenter -t "$SD_PID" -n -- curl -sS --max-time 5 "$1/__requests" |
                 jq '[.requests[] | select(.path | endswith("/result"))] | length'; }
for i in clientA clientB; do
        [ "$(iprop $i ActiveState)" = active ] || fail_unit "mida-monitor@$i not active"
        wait_for 30 instance_watching $i || fail_unit "mida-monitor@$i: no 'Watching 4 experiments': $(iprop $i StatusText)"
        eval "url=\$URL_$i"
        [ "$(results_seen "$url")" -ge 4 ] || fail_unit "the project of $i was not polled"
        in_ns test -s "/var/lib/private/mida-monitor-$i/state.db" || fail_unit "no state.db for $i"
        in_ns "$S/mida-monitor" -c "$S/etc/mida-monitor/$i.conf" status >"$T/status-$i.txt" 2>&1 ||
                fail_unit "status -c $i.conf failed: $(cat "$T/status-$i.txt")"
        grep -q 'Checkout CTA copy' "$T/status-$i.txt" || fail_unit "status -c $i.conf: $(cat "$T/status-$i.txt")"
done
[ "$(iprop clientA MainPID)" != "$(iprop clientB MainPID)" ] || fail_unit "one process for two instances"
sdctl stop mida-monitor@clientA mida-monitor@clientB || fail_unit "stopping the instances failed"
pass "mida-monitor@clientA and @clientB side by side: each polled its own project, state in /var/lib/mida-monitor-NAME, found by status -c NAME.conf"

# The status page under the whole sandbox: the daemon listening by itself
# (a web group), then on the socket mida-monitor.socket passes, the service
# started by the first connection (socket activation).
web_get() { nsenter -t "$SD_PID" -n -- curl -sS --max-time 20 -o /dev/null -w '%{http_code}' "$1"; }
printf 'web: { listen = "127.0.0.1:9448"; };\n' >>"$T/srv/etc/mida-monitor/mida-monitor.conf"
sdctl start mida-monitor || fail_unit "start with a web group failed"
web_up() { [ "$(web_get http://127.0.0.1:9448/metrics)" = 200 ]; }
wait_for 20 web_up || fail_unit "the status page did not answer under the sandbox"
grep -q 'web: listening on http://127.0.0.1:9448/' "$T/srv/daemon.log" || fail_unit "no 'web: listening' line"
sdctl stop mida-monitor || fail_unit "systemctl stop failed"
pass "the status page answers under the sandbox (web group, 127.0.0.1:9448)"

mkdir -p "$T/srv/units/mida-monitor.socket.d"
cp "$top_srcdir/systemd/mida-monitor.socket" "$T/srv/units/"
printf '[Unit]\nDefaultDependencies=no\n' >"$T/srv/units/mida-monitor.socket.d/test.conf"
in_ns cp -r "$S/units/mida-monitor.socket" "$S/units/mida-monitor.socket.d" /etc/systemd/system/
sdctl daemon-reload || fail "daemon-reload failed"
sdctl start mida-monitor.socket || { sdctl status mida-monitor.socket >&2; fail "starting mida-monitor.socket failed"; }
[ "$(prop ActiveState)" = inactive ] || fail_unit "the service runs before any connection"
[ "$(web_get http://127.0.0.1:9447/metrics)" = 200 ] || fail_unit "no answer through the socket"
[ "$(prop ActiveState)" = active ] || fail_unit "the connection did not start the service"
grep -q 'web: listening on the socket systemd passed, http://127.0.0.1:9447/ (web.listen is not used)' \
        "$T/srv/daemon.log" || fail_unit "no line about the socket systemd passed"
sdctl stop mida-monitor.socket mida-monitor || fail_unit "stopping the socket and the service failed"
pass "mida-monitor.socket: the first connection starts the service, which answers on the socket (127.0.0.1:9447)"
