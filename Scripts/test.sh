#!/usr/bin/env bash
# Scripts/test.sh: the one command that runs every livetop test.
#
# On a fresh Debian 12 machine, as root, it installs what the tests need
# (only what is missing), checks each real-server prerequisite and prints
# one "deps:" line per item so CI logs show what the tests ran against,
# then builds the tests and runs `swift test`, the fuzzing targets, the package build and its
# tests (Scripts/package.sh, Scripts/package-test.sh), and `swift test` again under
# ThreadSanitizer. Its exit status is 0 only when all of them pass.
#
#   bash Scripts/test.sh              install/verify, build, test
#   bash Scripts/test.sh --deps-only  install/verify, then exit 0
#
# Exported for the tests, which read them:
#   NODE_PATH             so `node ws_greeter.js` finds Debian's node-ws
#   LIVETOP_NGINX         the nginx binary
#   LIVETOP_NCHAN_MODULE  the Nchan dynamic module (.so) for load_module
#   LIVETOP_SOCKETIO2_PYTHON
#                         the interpreter of a venv with python-socketio 4.6 (Engine.IO v3)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '%s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- installing

# True when dpkg has PKG fully installed. `dpkg -s` alone also succeeds for a
# package that was removed but left its config files behind.
pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Python packages the test servers use: websockets (echo, deflate feed), python-socketio with
# aiohttp (the Socket.IO server).
PIP_PACKAGES=(websockets python-socketio aiohttp)
python_has_websockets() { python3 -c 'import websockets, socketio, aiohttp' >/dev/null 2>&1; }

# A Socket.IO 2.x server (Engine.IO v3, still deployed) for the test that livetop names it and
# stops: python-socketio 4.6 on python-engineio 3.14, in a venv of its own, since the system's
# python-socketio (5.x, for the v4 tests) cannot be both. LIVETOP_SOCKETIO2_VENV moves it.
SOCKETIO2_VENV=${LIVETOP_SOCKETIO2_VENV:-/opt/socketio2}
SOCKETIO2_PACKAGES=(python-socketio==4.6.1 python-engineio==3.14.2 aiohttp)
socketio2_ready() {
    "$SOCKETIO2_VENV/bin/python" -c 'import importlib.metadata as m, sys, aiohttp, socketio
sys.exit(0 if m.version("python-socketio").startswith("4.6") and m.version("python-engineio").startswith("3.") else 1)' >/dev/null 2>&1
}
install_socketio2_venv() {
    log "deps: making the venv $SOCKETIO2_VENV with ${SOCKETIO2_PACKAGES[*]}"
    python3 -m venv --clear "$SOCKETIO2_VENV"
    "$SOCKETIO2_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${SOCKETIO2_PACKAGES[@]}"
}

# Debian packages the tests need, each for a reason:
#   libncursesw5-dev    ncursesw headers + ncursesw.pc for the CNcurses target
#   zlib1g-dev          zlib for CompressNIO (permessage-deflate)
#   tmux                drives the real terminal UI in livetopTests
#   nginx, libnginx-mod-nchan
#                       a real Nchan server (WebSocket, EventSource, long-poll
#                       with Last-Modified/Etag) for PushLink's interop tests
#   node-ws             Node's ws module: a second, independent WebSocket peer
#   openssl             makes the self-signed certificate for the wss tests
#   python3             runs the websockets echo fixture (and picks free ports)
#   curl                used by Tests/PushLinkTests/Servers/nchan_check.sh and the
#                       Nchan example test (publishing)
#   tinyproxy           a real HTTP CONNECT proxy for the proxy tests
#   dante-server        a real SOCKS5 proxy (danted) for the proxy tests
#   jq                  reads the headless output of the hostile-data test, as users do
#   dpkg-dev            dpkg-shlibdeps computes the .deb's Depends (Scripts/package.sh)
#   man-db              `man livetop` after the .deb is installed (Scripts/package-test.sh)
#   redis-server        a real Redis for the redis:// source and RedisPublisher tests, and the one two
#                       nginx + Nchan share in the publish fan-out test (Tests/Support/RedisServer.swift
#                       starts private ones on free ports)
#   procps, sysstat     vmstat, free, ps and iostat: real programs read as command sources (--parse columns)
#   prometheus-node-exporter
#                       a real Prometheus exporter (started by the tests on free 127.0.0.1 ports, never
#                       as the service the package installs)
# nginx is Debian 12's full server package (nginx-light only adds the echo
# module on top of it), and nchan's ABI dependency is satisfied by it.
APT_PACKAGES=(libncursesw5-dev zlib1g-dev tmux nginx libnginx-mod-nchan node-ws openssl python3 curl tinyproxy dante-server jq dpkg-dev man-db redis-server
              procps sysstat prometheus-node-exporter)

# Lists the Debian packages that are missing, one a line.
missing_apt_packages() {
    local pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        pkg_installed "$pkg" || echo "$pkg"
    done
    # node-ws depends on `nodejs:any`, so apt brings Debian's nodejs with it;
    # a machine may also have node from elsewhere (then we keep that one).
    command -v node >/dev/null 2>&1 || pkg_installed nodejs || echo nodejs
    # pip is needed only when websockets is missing.
    if ! python_has_websockets && ! python3 -m pip --version >/dev/null 2>&1; then
        echo python3-pip
    fi
}

NGINX_PID_BEFORE=""    # what /run/nginx.pid said before we installed anything

apt_install() {
    [ -f /run/nginx.pid ] && NGINX_PID_BEFORE=$(cat /run/nginx.pid 2>/dev/null || true)
    log "deps: installing with apt-get: $*"
    # One update, only because something is about to be installed: a fresh
    # machine's package lists may be empty or stale.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pip_install_websockets() {
    log "deps: installing with pip: ${PIP_PACKAGES[*]}"
    local -a flags=(--quiet --disable-pip-version-check --root-user-action=ignore)
    # Debian's own python3 refuses pip installs into the system (PEP 668,
    # marked by EXTERNALLY-MANAGED); this is a throwaway test machine, and
    # Debian's python3-websockets (10.4) is older than the API the fixtures
    # prefer, so override that marker only where it is present.
    if python3 -c 'import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
        flags+=(--break-system-packages)
    fi
    python3 -m pip install "${flags[@]}" "${PIP_PACKAGES[@]}"
}

# Debian's nginx package starts its own service on port 80 where an init
# system and policy-rc.d let it (this workplace's image has a policy-rc.d
# that forbids it, so normally there is nothing to stop). Tests start private nginx instances and must not meet a
# stray one, so stop the master the package install started: the one named
# by /run/nginx.pid, if that file is new or names a new process. Nothing else
# is touched.
stop_package_nginx() {
    [ -f /run/nginx.pid ] || return 0
    local pid
    pid=$(cat /run/nginx.pid 2>/dev/null || true)
    [ -n "$pid" ] && [ "$pid" != "$NGINX_PID_BEFORE" ] || return 0
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = nginx ] || return 0
    log "deps: stopping the nginx service the package started (pid $pid)"
    kill -QUIT "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 50); do               # up to 5 s for a graceful exit
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
}

install_missing() {
    local -a apt_missing
    mapfile -t apt_missing < <(missing_apt_packages)
    local need_pip=0 need_venv=0
    python_has_websockets || need_pip=1
    socketio2_ready || need_venv=1

    if [ "${#apt_missing[@]}" -eq 0 ] && [ "$need_pip" -eq 0 ] && [ "$need_venv" -eq 0 ]; then
        log "deps: nothing to install"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        local hint=""
        [ "${#apt_missing[@]}" -gt 0 ] && hint="apt-get install ${apt_missing[*]}"
        [ "$need_pip" -eq 1 ] && hint="${hint:+$hint && }python3 -m pip install ${PIP_PACKAGES[*]}"
        [ "$need_venv" -eq 1 ] && hint="${hint:+$hint && }python3 -m venv $SOCKETIO2_VENV && $SOCKETIO2_VENV/bin/pip install ${SOCKETIO2_PACKAGES[*]}"
        die "not root, so cannot install what is missing; run as root, or first: $hint"
    fi
    if [ "${#apt_missing[@]}" -gt 0 ]; then
        apt_install "${apt_missing[@]}"
        stop_package_nginx
    fi
    # Checked again: python3 itself may have been installed just now.
    python_has_websockets || pip_install_websockets
    socketio2_ready || install_socketio2_venv
}

# ----------------------------------------------------------------- verifying

FAILED=0
ok()   { log "deps: $1 OK ($2)"; }
bad()  { log "deps: $1 MISSING ($2)"; FAILED=1; }

verify_ncurses() {
    local h=/usr/include/ncursesw/curses.h pc
    pc=$(dpkg -L libncurses-dev 2>/dev/null | grep '/ncursesw\.pc$' | head -n1 || true)
    if [ -f "$h" ] && [ -n "$pc" ]; then ok "ncursesw headers" "$h, $pc"
    else bad "ncursesw headers" "need $h and ncursesw.pc: apt-get install libncursesw5-dev"; fi
}

verify_tmux() {
    if command -v tmux >/dev/null 2>&1; then ok tmux "$(tmux -V)"
    else bad tmux "apt-get install tmux"; fi
}

verify_openssl() {
    if command -v openssl >/dev/null 2>&1; then ok openssl "$(openssl version)"
    else bad openssl "apt-get install openssl"; fi
}

verify_jq() {
    if command -v jq >/dev/null 2>&1; then ok jq "$(jq --version)"
    else bad jq "apt-get install jq"; fi
}

verify_redis() {
    if command -v redis-server >/dev/null 2>&1; then ok redis-server "$(redis-server --version | cut -d' ' -f1-3)"
    else bad redis-server "apt-get install redis-server"; fi
}

verify_host_programs() {
    local name
    for name in vmstat free ps iostat; do
        if command -v "$name" >/dev/null 2>&1; then ok "$name" "$(command -v "$name")"
        else bad "$name" "apt-get install procps sysstat"; fi
    done
    if command -v prometheus-node-exporter >/dev/null 2>&1; then
        ok prometheus-node-exporter "$(prometheus-node-exporter --version 2>&1 | head -n1 | cut -d' ' -f1-3)"
    else bad prometheus-node-exporter "apt-get install prometheus-node-exporter"; fi
}

verify_curl() {
    if command -v curl >/dev/null 2>&1; then ok curl "$(curl --version | head -n1 | cut -d' ' -f1-2)"
    else bad curl "apt-get install curl"; fi
}

# Node from any source, plus Debian's ws module, which lives outside the
# module paths of a node that is not Debian's own: hence NODE_PATH.
verify_node_ws() {
    if ! command -v node >/dev/null 2>&1; then bad node "apt-get install nodejs"; return; fi
    ok node "$(command -v node) $(node --version)"
    local pkgjson dir
    pkgjson=$(dpkg -L node-ws 2>/dev/null | grep -E '/nodejs/ws/package\.json$' | head -n1 || true)
    if [ -z "$pkgjson" ]; then bad "node ws" "apt-get install node-ws"; return; fi
    dir=$(dirname "$pkgjson")                       # .../nodejs/ws
    NODE_PATH="$(dirname "$dir")${NODE_PATH:+:$NODE_PATH}"
    export NODE_PATH
    local version
    if node -e 'process.exit(typeof require("ws").WebSocketServer === "function" ? 0 : 1)' 2>/dev/null; then
        version=$(node -p 'require(process.argv[1]).version' "$pkgjson" 2>/dev/null || echo '?')
        ok "node ws" "$dir, ws $version, NODE_PATH=$NODE_PATH"
    else
        bad "node ws" "node cannot require('ws') with NODE_PATH=$NODE_PATH"
    fi
}

verify_python_websockets() {
    if ! command -v python3 >/dev/null 2>&1; then bad python3 "apt-get install python3"; return; fi
    local info
    if info=$(python3 -c 'import websockets, sys; print(websockets.__version__, sys.executable)' 2>/dev/null); then
        ok "python3 websockets" "websockets ${info% *}, $(python3 --version 2>&1) at ${info#* }"
    else
        bad "python3 websockets" "python3 -m pip install websockets"
    fi
    if info=$(python3 -c 'import importlib.metadata as m; print(m.version("python-socketio"), m.version("aiohttp"))' 2>/dev/null) \
        && python3 -c 'import socketio, aiohttp' >/dev/null 2>&1; then
        ok "python3 socketio" "python-socketio ${info% *}, aiohttp ${info#* }"
    else
        bad "python3 socketio" "python3 -m pip install python-socketio aiohttp"
    fi
    if socketio2_ready; then
        export LIVETOP_SOCKETIO2_PYTHON="$SOCKETIO2_VENV/bin/python"
        info=$("$LIVETOP_SOCKETIO2_PYTHON" -c 'import importlib.metadata as m; print(m.version("python-socketio"), m.version("python-engineio"))')
        ok "socketio 2.x venv" "python-socketio ${info% *}, python-engineio ${info#* } at $LIVETOP_SOCKETIO2_PYTHON"
    else
        bad "socketio 2.x venv" "python3 -m venv $SOCKETIO2_VENV && $SOCKETIO2_VENV/bin/pip install ${SOCKETIO2_PACKAGES[*]}"
    fi
}

# nginx and the Nchan module, proved by `nginx -t` on a config that loads
# it: a module built for another nginx ABI fails here, not in a test.
NCHAN_TEMPLATE=Tests/PushLinkTests/Servers/nchan.conf.template
verify_nginx_nchan() {
    local nginx
    nginx=$(command -v nginx || true)
    [ -n "$nginx" ] || { [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx; }
    if [ -z "$nginx" ]; then bad nginx "apt-get install nginx"; return; fi
    export LIVETOP_NGINX="$nginx"
    ok nginx "$nginx, $("$nginx" -v 2>&1 | sed 's/^nginx version: //')"

    local so
    so=$(dpkg -L libnginx-mod-nchan 2>/dev/null | grep '\.so$' | head -n1 || true)
    if [ -z "$so" ] || [ ! -f "$so" ]; then bad "nchan module" "apt-get install libnginx-mod-nchan"; return; fi
    export LIVETOP_NCHAN_MODULE="$so"

    # Render the tests' own template, so this also proves the template;
    # `nginx -t` binds its listen address, hence a free port.
    local prefix out port
    prefix=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    sed -e "s|@NCHAN_MODULE@|$so|g" -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" \
        "$NCHAN_TEMPLATE" >"$prefix/nginx.conf"
    if out=$("$nginx" -t -q -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" 2>&1); then
        ok "nchan module" "$so, nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan), nginx -t of $NCHAN_TEMPLATE passed"
    else
        bad "nchan module" "nginx -t of $NCHAN_TEMPLATE with $so failed: $(echo "$out" | grep -m1 -E 'emerg|alert|crit' || echo "$out" | tail -n1)"
    fi
    rm -rf "$prefix"
}

# The proxies the proxy tests start privately; a service the package may have started is left alone
# (the tests pick their own ports).
verify_proxies() {
    if command -v tinyproxy >/dev/null 2>&1; then ok tinyproxy "$(tinyproxy -v 2>&1 | head -n1)"
    else bad tinyproxy "apt-get install tinyproxy"; fi
    if [ -x /usr/sbin/danted ] || command -v danted >/dev/null 2>&1; then ok danted "dante-server $(dpkg-query -W -f='${Version}' dante-server 2>/dev/null)"
    else bad danted "apt-get install dante-server"; fi
}

# The Autobahn|Testsuite fuzzing server (Python 2, under /opt/wstest) for AutobahnTests;
# Scripts/autobahn.sh installs it when missing and prints its own deps: line.
verify_wstest() {
    bash Scripts/autobahn.sh --install || bad wstest "Scripts/autobahn.sh --install failed (see above)"
}

verify_all() {
    verify_wstest
    verify_proxies
    verify_ncurses
    verify_tmux
    verify_openssl
    verify_curl
    verify_jq
    verify_redis
    verify_host_programs
    verify_node_ws
    verify_python_websockets
    verify_nginx_nchan
    [ "$FAILED" -eq 0 ] || die "some prerequisites are missing (see the deps: lines above)"
}

# ------------------------------------------------------------------- running

# Each step's output is also kept in a file of its own, and each step's outcome in STEPS: CI shows
# only the end of a long run, so the summary at the end says which step failed, and why.
STEP_LOGS=.build/ci-logs
STEPS=()

# Runs "$@" and prints how long it took; returns its status.
timed() {
    local name=$1; shift
    local start=$SECONDS status=0
    mkdir -p "$STEP_LOGS"
    log "== $name: $*"
    "$@" 2>&1 | tee "$STEP_LOGS/$name.log" || status=$?
    log "== $name: exit $status after $((SECONDS - start)) s"
    STEPS+=("$name:$status:$((SECONDS - start))")
    return "$status"
}

# The end of the run: every step's exit status, and for each failed one what failed (the failed
# tests' lines for a test run, the end of the output otherwise).
summary() {
    local entry name status seconds
    log "== summary"
    for entry in "${STEPS[@]}"; do
        IFS=: read -r name status seconds <<<"$entry"
        log "$(printf '%-16s exit %-3s %5s s' "$name" "$status" "$seconds")"
    done
    for entry in "${STEPS[@]}"; do
        IFS=: read -r name status seconds <<<"$entry"
        [ "$status" -eq 0 ] && continue
        log "== $name failed; from $STEP_LOGS/$name.log:"
        if grep -q '✘' "$STEP_LOGS/$name.log"; then
            # A failed expectation's comment follows its ✘ line as "↳ …" lines.
            grep -E '✘|↳|Expectation failed|error:' "$STEP_LOGS/$name.log" | head -80
        else
            tail -40 "$STEP_LOGS/$name.log"
        fi
    done
}

# The suite under ThreadSanitizer. Reports go to files (log_path), so that those of the livetop
# processes the tests start, whose stderr a test may not show, are seen too; any report fails.
run_tsan() {
    local reports=.build-tsan/reports status=0
    rm -rf "$reports"
    mkdir -p "$reports"
    TSAN_OPTIONS="log_path=$PWD/$reports/tsan" LIVETOP_SANITIZER=thread LIVETOP_TEST_TIME_SCALE=4 \
        swift test --skip-build --sanitize=thread --scratch-path .build-tsan --no-parallel || status=$?
    if compgen -G "$reports/tsan.*" >/dev/null; then
        log "tsan: ThreadSanitizer reports from $(ls "$reports" | wc -l) processes:"
        cat "$reports"/tsan.*
        return 1
    fi
    log "tsan: no ThreadSanitizer report from the tests or from any process they started"
    return "$status"
}

main() {
    local deps_only=0 arg
    for arg in "$@"; do
        case "$arg" in
            --deps-only) deps_only=1 ;;
            -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
            *) die "unknown argument: $arg (try --help)" ;;
        esac
    done

    local start=$SECONDS
    install_missing
    verify_all
    log "== deps: ready after $((SECONDS - start)) s"
    [ "$deps_only" -eq 1 ] && exit 0

    # CI=true (set by CI) is inherited by swift test as it is: tests may use
    # it to be stricter (no skipping for a missing server) or more patient.
    log "== CI=${CI:-<unset>}"
    # The tests start dozens of Python servers at once. Through pyenv's shim each start is a bash
    # script and `pyenv exec` before Python itself; the interpreter's own directory first on PATH
    # makes `python3` (and `#!/usr/bin/env python3`) that interpreter directly, the same one.
    local python_dir
    python_dir=$(dirname "$(python3 -c 'import sys; print(sys.executable)')")
    export PATH="$python_dir:$PATH"
    log "== python3 for the tests: $python_dir/python3"
    timed build swift build --build-tests || { summary; exit 1; }
    # argument-parser's man page generator: GeneratedDocsTests compares its page with Packaging/.
    timed build-manual swift build --product generate-manual || { summary; exit 1; }
    local status=0
    # At most 8 tests at a time. Unbounded, Swift Testing starts every test at once: about a
    # hundred servers and livetop processes in the first seconds on 2 cores, and waits of 10-30 s
    # for a connect or an answer expired in every full run (30 tests failed in an 82 s run; none
    # with 8, with two CPU hogs running too). Most tests wait on servers, so 8 keeps both cores busy.
    export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}
    timed test swift test || status=$?
    # libFuzzer targets for the parsers, a fixed number of runs each (Scripts/fuzz.sh).
    timed fuzz bash Scripts/fuzz.sh || status=$?
    # The release binary without the Swift runtime, and the .deb; then that binary alone and the
    # package installed with apt-get (as root under CI=true), man page and completion included.
    timed package bash Scripts/package.sh || status=$?
    timed package-test bash Scripts/package-test.sh || status=$?
    # Autobahn's permessage-deflate sections, the part of them CI has time for (12.1, 13.1, 13.5)
    # with the release client; AutobahnTests in the suite runs sections 1-10.
    timed autobahn-deflate bash Scripts/autobahn.sh --deflate || status=$?
    # The whole suite again under ThreadSanitizer, in a build folder of its own. Tests run one at
    # a time and their deadlines are scaled: every thread, and every livetop process a test
    # starts, runs several times slower under TSan; what the tests check is unchanged.
    timed tsan-build swift build --build-tests --sanitize=thread --scratch-path .build-tsan || status=$?
    timed tsan run_tsan || status=$?
    summary
    exit "$status"
}

main "$@"
