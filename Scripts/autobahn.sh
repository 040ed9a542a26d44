#!/usr/bin/env bash
# Scripts/autobahn.sh: the Autobahn|Testsuite (wstest) for livetop's WebSocket client.
#
#   bash Scripts/autobahn.sh --install    install wstest under /opt/wstest when missing
#                                         (as root), then verify it; prints "deps:" lines
#   bash Scripts/autobahn.sh --check      only verify; exit 1 when wstest is missing
#   bash Scripts/autobahn.sh --manual [CASES...]
#                                         the full suite, 12.* and 13.* (permessage-deflate,
#                                         minutes) included, against `livetop-autobahn`;
#                                         CASES are the spec's patterns, default "*";
#                                         the report goes to .build/autobahn/report;
#                                         exit 1 on any FAILED case
#   bash Scripts/autobahn.sh --deflate    what CI runs of 12 and 13: 12.1, 13.1 and 13.5
#                                         with the release client
#
# Sections 1-10 take about 35-60 s with the debug client; 12 and 13 take
# minutes per subsection (measured: 50 cases of 12.1-12.4 in 830 s on 2 busy
# cores), nearly all of it NIO's frame masking of the echoes, which a debug
# build leaves unoptimized: AUTOBAHN_CONFIGURATION=release builds the client
# optimized for --manual runs of 12 and 13.
#
# The test suite AutobahnTests runs sections 1-7, 9 and 10 (see
# Tests/PushLinkTests/AutobahnTests.swift); it finds wstest at $LIVETOP_WSTEST,
# else /opt/wstest/bin/wstest. In --manual mode, AUTOBAHN_CLIENT_WRAPPER runs the
# client under another command, e.g. 'perf record -o /tmp/ab.perf --'.
#
# wstest is Python 2 code (on Python 3 it fails with "No module named
# '_version'"). Debian 12 has no Python 2.7, but Debian 11's installs cleanly
# on it: apt reads Debian 11 from a private sources list (the system's sources
# stay unchanged), virtualenv 20.21.1 (the last that makes 2.7 environments)
# makes /opt/wstest, and pip installs autobahntestsuite 25.10.1 there, which
# pins its own Python 2 dependencies (gcc builds their C extensions).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

WSTEST_PREFIX=/opt/wstest
WSTEST=${LIVETOP_WSTEST:-$WSTEST_PREFIX/bin/wstest}
VENV_TOOL=/opt/abtool              # a Python 3 venv holding only virtualenv 20.21.1
AUTOBAHN_VERSION=25.10.1
VIRTUALENV_VERSION=20.21.1
APT_DIR=/var/lib/livetop-bullseye  # the private sources list and its package lists
APT_PACKAGES=(python2.7 libpython2.7-dev gcc python3-venv)

log() { printf '%s\n' "$*"; }
die() { printf 'autobahn.sh: %s\n' "$*" >&2; exit 1; }
ok()  { log "deps: $1 OK ($2)"; }
bad() { log "deps: $1 MISSING ($2)"; }

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Prints the wstest version line when the tool runs, fails otherwise. Importing
# the module proves the Python 2 environment is whole, not just that a script exists.
wstest_version() {
    [ -x "$WSTEST" ] || return 1
    local python version
    python=$(dirname "$WSTEST")/python
    version=$("$python" -c 'import autobahntestsuite, sys; print(autobahntestsuite.__version__)' 2>/dev/null) || return 1
    printf 'autobahntestsuite %s, %s\n' "$version" "$("$python" --version 2>&1)"
}

# The mirror the machine's own apt sources use (their first URIs: line), so
# Debian 11 comes from the same place as everything else.
debian_mirror() {
    local uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '/^deb / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
    fi
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# apt with Debian 11 added beside the system's sources, through a private list
# and private package-list directory: /etc/apt stays as it was.
apt_bullseye() {
    local mirror security
    mirror=$(debian_mirror)
    security=${mirror%/debian}/debian-security
    mkdir -p "$APT_DIR/lists/partial"
    # The private list is a parts directory: the system's own sources (so everything
    # but Python 2.7 still comes from them), then Debian 11 beside them.
    rm -rf "$APT_DIR/parts"
    mkdir -p "$APT_DIR/parts"
    if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$APT_DIR/parts/system.list"; fi
    local f
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        if [ -f "$f" ]; then cp "$f" "$APT_DIR/parts/"; fi
    done
    {
        printf 'Types: deb\nURIs: %s\nSuites: bullseye\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
        printf '\nTypes: deb\nURIs: %s\nSuites: bullseye-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security"
    } >"$APT_DIR/parts/livetop-bullseye.sources"
    apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APT_DIR/parts" \
        -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache::pkgcache="$APT_DIR/pkgcache.bin" \
        -o Dir::Cache::srcpkgcache="$APT_DIR/srcpkgcache.bin" "$@"
}

install_wstest() {
    [ "$(id -u)" -eq 0 ] || die "not root, so cannot install wstest; run as root: bash Scripts/autobahn.sh --install"
    local -a missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do pkg_installed "$pkg" || missing+=("$pkg"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "deps: installing with apt-get (Debian 11 sources added privately): ${missing[*]}"
        apt_bullseye update -qq
        DEBIAN_FRONTEND=noninteractive apt_bullseye install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    local -a pipflags=(--quiet --disable-pip-version-check)
    if [ ! -x "$VENV_TOOL/bin/virtualenv" ]; then
        log "deps: installing virtualenv $VIRTUALENV_VERSION into $VENV_TOOL"
        python3 -m venv "$VENV_TOOL"
        "$VENV_TOOL/bin/pip" install "${pipflags[@]}" "virtualenv==$VIRTUALENV_VERSION"
    fi
    log "deps: installing autobahntestsuite $AUTOBAHN_VERSION into $WSTEST_PREFIX"
    rm -rf "$WSTEST_PREFIX"
    "$VENV_TOOL/bin/virtualenv" -q -p /usr/bin/python2.7 "$WSTEST_PREFIX"
    "$WSTEST_PREFIX/bin/pip" install "${pipflags[@]}" --no-python-version-warning "autobahntestsuite==$AUTOBAHN_VERSION" 2>&1 \
        | grep -v -i 'deprecat' || true
}

verify_wstest() {
    local info
    if info=$(wstest_version); then
        ok wstest "$WSTEST, $info"
        return 0
    fi
    bad wstest "bash Scripts/autobahn.sh --install (as root)"
    return 1
}

# The whole suite, compression included, against the echo client; for people, not CI.
run_manual() {
    verify_wstest || exit 1
    local -a cases=("$@")
    [ "${#cases[@]}" -gt 0 ] || cases=("*")
    local dir=.build/autobahn port
    rm -rf "$dir/report"
    mkdir -p "$dir/report"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 - "$port" "$dir/report" "${cases[@]}" >"$dir/spec.json" <<'EOF'
import json, sys
port, outdir, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
json.dump({"url": "ws://127.0.0.1:%s" % port, "outdir": outdir, "cases": cases,
           "exclude-cases": [], "exclude-agent-cases": {}}, sys.stdout)
EOF
    local config=${AUTOBAHN_CONFIGURATION:-debug} bin
    swift build -c "$config" --product livetop-autobahn
    bin=$(swift build -c "$config" --show-bin-path)/livetop-autobahn
    # Bound to 127.0.0.1 only (wstest alone listens on every interface).
    "$(dirname "$WSTEST")/python" Tests/PushLinkTests/Servers/wstest_loopback.py \
        -m fuzzingserver -s "$dir/spec.json" -u 0 >"$dir/wstest.log" 2>&1 &
    SERVER_PID=$!
    trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
    local start=$SECONDS status=0
    # The client retries its first connection while the server starts (--wait seconds).
    ${AUTOBAHN_CLIENT_WRAPPER:-} "$bin" "ws://127.0.0.1:$port" --wait 30 >"$dir/client.log" || status=$?
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    log "== autobahn: client exit $status after $((SECONDS - start)) s; report: $dir/report/index.html, client log: $dir/client.log"
    python3 - "$dir/report/index.json" <<'EOF'
import collections, json, sys
agents = json.load(open(sys.argv[1]))
def counts(cases):
    c = collections.Counter(v["behavior"] for v in cases)
    return ", ".join("%s %d" % kv for kv in sorted(c.items()))
for agent, cases in agents.items():
    print("%s: %d cases: %s" % (agent, len(cases), counts(cases.values())))
    sections = collections.defaultdict(list)
    for case, v in cases.items():
        sections[int(case.split(".")[0])].append(v)
    for section in sorted(sections):
        took = sum(v["duration"] for v in sections[section]) / 1000.0
        print("  section %d: %d cases in %.1f s: %s" % (section, len(sections[section]), took, counts(sections[section])))
    for case, v in sorted(cases.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]):
        if v["behavior"] != "OK" or v["behaviorClose"] not in ("OK", "INFORMATIONAL"):
            print("  %s %s (close %s)" % (case, v["behavior"], v["behaviorClose"]))
failed = [case for cases in agents.values() for case, v in cases.items()
          if "FAILED" in (v["behavior"], v["behaviorClose"])]
if not any(agents.values()):
    sys.exit("autobahn: no case ran")
if failed:
    sys.exit("autobahn: %d FAILED: %s" % (len(failed), " ".join(sorted(failed))))
EOF
    return "$status"
}

# What CI runs of the compression sections: 12.1, 13.1 and 13.5 (54 cases) with the release
# client; the whole of 12 and 13 takes about 13 minutes more (docs/testing.md). Fails on any
# FAILED case, on no case run, or on the client's own failure.
run_deflate() {
    AUTOBAHN_CONFIGURATION=${AUTOBAHN_CONFIGURATION:-release} run_manual '12.1.*' '13.1.*' '13.5.*'
}

main() {
    case "${1:-}" in
        --install) verify_wstest >/dev/null 2>&1 || install_wstest; verify_wstest ;;
        --check) verify_wstest ;;
        --manual) shift; run_manual "$@" ;;
        --deflate) run_deflate ;;
        -h|--help|"") sed -n '2,/^[^#]/{/^#/p}' "$0"; [ -n "${1:-}" ] ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
}

main "$@"
