# Shared by scripts/test and scripts/demo: the Debian packages the project
# needs, installed with apt-get only when missing (non-interactive); clang
# and its runtime are for `make fuzz` (tests/fuzz), python3 for the naive
# poller bench/peers.sh measures against, bash-completion for the directory
# the completion is installed in (pkg-config bash-completion); libcrypt-dev
# for the status page's password check, zlib1g-dev to send it compressed,
# libjs-chart.js for its charts and
# chromium (with python3-websocket, to ask it for a page with JavaScript
# off) for the tests that load it in a headless browser.
MIDA_PACKAGES="build-essential autoconf automake pkg-config curl
 libcurl4-openssl-dev libjson-c-dev libconfig-dev libsystemd-dev libssl-dev
 libmicrohttpd-dev libsqlite3-dev sqlite3 libcriterion-dev valgrind systemd jq strace
 clang libclang-rt-14-dev python3 python3-websocket bash-completion tzdata
 libcrypt-dev zlib1g-dev libjs-chart.js chromium"
# Building and checking the Debian package (tests/deb-package.sh); mandoc
# lints the man pages (tests/man-pages.sh uses groff alone without it).
MIDA_DEB_PACKAGES="dpkg-dev debhelper fakeroot lintian mandoc"

# fetch_promtool DIR: promtool (Prometheus's format checker, which the
# metrics tests run when it is on PATH) as DIR/bin/promtool, taken out of
# Debian's prometheus package without installing it: installing would
# start a Prometheus server. Nothing when promtool is on PATH already;
# fails (the checks are then skipped) when the package cannot be had.
fetch_promtool() {
        local dir=$1 deb
        command -v promtool >/dev/null && return 0
        [ -x "$dir/bin/promtool" ] && return 0
        mkdir -p "$dir/bin" "$dir/deb" || return 1
        (cd "$dir/deb" && apt-get download -qq prometheus >/dev/null 2>&1) || return 1
        deb=$(ls "$dir"/deb/prometheus_*.deb 2>/dev/null | head -n 1)
        [ -n "$deb" ] && dpkg-deb -x "$deb" "$dir/root" && [ -x "$dir/root/usr/bin/promtool" ] || return 1
        ln -sf "$dir/root/usr/bin/promtool" "$dir/bin/promtool"
        rm -f "$deb"
}

install_missing_packages() {
        local missing=() p
        for p in $MIDA_PACKAGES; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        echo "Installing missing packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
