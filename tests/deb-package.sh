#!/usr/bin/env bash
# Builds the Debian package from a copy of the tree, installs it into a
# scratch root with dpkg (maintainer scripts included, nothing touches the
# machine) and checks that every file lands where Debian expects it, that the
# unit is enabled but waits for its API key, that /etc files are conffiles, and that
# lintian reports no errors. Exit 77 (skip) when the Debian tools are missing.
#
#   tests/deb-package.sh            package built with DEB_BUILD_OPTIONS=nocheck
#   MIDA_DEB_CHECK=1 tests/deb-package.sh   also run `make check` in the build
#   MIDA_DEB_OUT=DIR tests/deb-package.sh    also keep the .deb in DIR
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}

# scripts/test sets MIDA_REQUIRE_DEB: CI must never skip this silently.
for tool in dpkg-buildpackage dh dh_autoreconf lintian; do
        command -v "$tool" >/dev/null && continue
        [ -n "${MIDA_REQUIRE_DEB:-}" ] && { echo "FAIL: $tool is missing (apt-get install debhelper lintian)"; exit 1; }
        echo "SKIP: $tool is missing (apt-get install debhelper lintian)"; exit 77
done

T=$(mktemp -d "${TMPDIR:-/tmp}/mida-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# A copy of the source files only: no build directories or generated files.
mkdir "$T/src"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$top_srcdir" ls-files -z --cached --others --exclude-standard |
                (cd "$top_srcdir" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
                tar -C "$top_srcdir" --null -T - -cf - | tar -C "$T/src" -xf -
else
        tar -C "$top_srcdir" --exclude='./build*' --exclude=./autom4te.cache -cf - . | tar -C "$T/src" -xf -
fi

opts="nocheck"; [ -n "${MIDA_DEB_CHECK:-}" ] && opts=""
if ! (cd "$T/src" && DEB_BUILD_OPTIONS="$opts parallel=$(nproc)" DEB_BUILD_PROFILES="$opts" \
        dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
        tail -n 60 "$T/build.log" >&2; fail "dpkg-buildpackage failed"
fi
deb=$(ls "$T"/mida-monitor_*.deb)
pass "dpkg-buildpackage -us -uc -b built $(basename "$deb")"
[ -z "${MIDA_DEB_OUT:-}" ] || cp "$deb" "$MIDA_DEB_OUT/"

dpkg-deb -c "$deb" | awk '{print $1, $6}' >"$T/contents"
has() { grep -q " \./$1\$" "$T/contents" || fail "$1 not in the package: $(cat "$T/contents")"; }
has usr/bin/mida-monitor
has lib/systemd/system/mida-monitor.service
has lib/systemd/system/mida-monitor@.service
has lib/systemd/system/mida-monitor.socket
has usr/share/bash-completion/completions/mida-monitor
has usr/lib/systemd/catalog/mida-monitor.catalog
has etc/mida-monitor/mida-monitor.conf
for page in "$top_srcdir"/man/*.[1-8]; do
        [ -e "$page" ] || continue
        name=$(basename "$page"); has "usr/share/man/man${name##*.}/$name.gz"
done
grep -q '^-rwxr-xr-x \./usr/bin/mida-monitor$' "$T/contents" || fail "binary not executable"
if grep -q 'mida-sim' "$T/contents"; then fail "the test simulator must not be packaged"; fi
pass "binary, unit and its template, the socket, catalog, config, bash completion and man pages in the package"

dpkg-deb -e "$deb" "$T/control"
grep -qx /etc/mida-monitor/mida-monitor.conf "$T/control/conffiles" || fail "config is not a conffile"
grep -q 'deb-systemd-helper enable' "$T/control/postinst" || fail "postinst does not enable the unit"
grep -q 'deb-systemd-invoke' "$T/control/postinst" || fail "postinst neither starts nor restarts the unit"
grep -q 'deb-systemd-invoke stop' "$T/control/prerm" || fail "prerm does not stop the unit"
# What keeps the enabled unit from running before it is configured:
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./lib/systemd/system/mida-monitor.service |
        grep -qx 'ConditionPathExists=/etc/mida-monitor/api-key' || fail "unit not conditioned on the API key"
pass "config is a conffile; unit enabled, started only once /etc/mida-monitor/api-key exists, stopped on removal"

# Install into a scratch root: a dpkg database of its own, maintainer scripts
# run outside a chroot with DPKG_ROOT set (as deb-systemd-helper expects).
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc/systemd/system"
: >"$R/var/lib/dpkg/status"
if ! dpkg --root="$R" --force-depends --force-script-chrootless --force-not-root \
        --log=/dev/null -i "$deb" >"$T/dpkg.log" 2>&1; then
        cat "$T/dpkg.log" >&2; fail "dpkg -i into a scratch root failed"
fi
dpkg --root="$R" -s mida-monitor | grep -q '^Status: install ok installed' || fail "not installed"
[ -L "$R/etc/systemd/system/multi-user.target.wants/mida-monitor.service" ] ||
        fail "unit not enabled: $(find "$R/etc/systemd" | head)"
grep -q '^ExecStart=/usr/bin/mida-monitor -c /etc/mida-monitor/mida-monitor.conf run$' \
        "$R/lib/systemd/system/mida-monitor.service" || fail "unit ExecStart does not name /usr/bin"
[ ! -e "$R/etc/systemd/system/sockets.target.wants/mida-monitor.socket" ] ||
        fail "the status page's socket is enabled; it must be shipped disabled"
pass "dpkg -i into a scratch root: installed, unit enabled (multi-user.target.wants), its socket not"

"$R/usr/bin/mida-monitor" --version | grep -q "^mida-monitor [0-9]" || fail "installed binary does not run"
"$R/usr/bin/mida-monitor" -c "$R/etc/mida-monitor/mida-monitor.conf" check-config >"$T/check.log" 2>&1 ||
        fail "packaged config fails check-config: $(cat "$T/check.log")"
pass "installed binary runs; packaged config passes check-config"

# Removal keeps the operator's config; purge removes it.
echo '# local edit' >>"$R/etc/mida-monitor/mida-monitor.conf"
dpkg --root="$R" --force-depends --force-script-chrootless --force-not-root --log=/dev/null \
        -r mida-monitor >>"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log" >&2; fail "dpkg -r failed"; }
[ ! -e "$R/usr/bin/mida-monitor" ] || fail "binary left after remove"
grep -q '^# local edit' "$R/etc/mida-monitor/mida-monitor.conf" || fail "remove lost the edited config"
dpkg --root="$R" --force-depends --force-script-chrootless --force-not-root --log=/dev/null \
        -P mida-monitor >>"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log" >&2; fail "dpkg -P failed"; }
[ ! -e "$R/etc/mida-monitor/mida-monitor.conf" ] || fail "config left after purge"
[ ! -e "$R/etc/systemd/system/multi-user.target.wants/mida-monitor.service" ] || fail "enablement left after purge"
pass "remove keeps the edited config; purge removes config and enablement"

lintian --fail-on error --tag-display-limit 0 "$deb" >"$T/lintian.log" 2>&1 || {
        cat "$T/lintian.log" >&2; fail "lintian reports errors"; }
echo "lintian: $(grep -c '^E:' "$T/lintian.log" || true) errors, $(grep -c '^W:' "$T/lintian.log" || true) warnings"
sed 's/^/  /' "$T/lintian.log"
pass "lintian: no errors"
