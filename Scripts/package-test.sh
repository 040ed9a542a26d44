#!/usr/bin/env bash
# Tests what Scripts/package.sh made, as a host without Swift would get it.
#
#   bash Scripts/package-test.sh     checks $LIVETOP_PACKAGE_DIR (default dist/)
#
# 1. The binary, copied alone into a temporary folder: ldd names only allowed libraries (the
#    allow-list of package.sh), and run with an empty environment (env -i, PATH=/usr/bin:/bin, empty
#    LD_LIBRARY_PATH; as root also with the toolchain's runtime folder hidden), `--version`
#    prints the package's version and `demo --headless --max-messages 5` prints 5 JSON messages
#    and exits 0.
# 2. As root with CI=true (or LIVETOP_PACKAGE_INSTALL=1): `apt-get install ./livetop_*.deb`, then
#    /usr/bin/livetop --version, `man -w livetop`, bash completion through the installed script,
#    zsh and fish completion files in their vendor folders; then `apt-get remove livetop`.
#
# A missing package is a failure under CI=true, else the script says so and exits 0.
set -euo pipefail

cd "$(dirname "$0")/.."

DIR=${LIVETOP_PACKAGE_DIR:-dist}

log() { printf 'package-test: %s\n' "$*" >&2; }
fail() { printf 'package-test: FAILED: %s\n' "$*" >&2; exit 1; }

TEMPORARY=()
cleanup() { [ "${#TEMPORARY[@]}" -eq 0 ] || rm -rf "${TEMPORARY[@]}"; }
trap cleanup EXIT

shopt -s nullglob
debs=("$DIR"/livetop_*_*.deb)
shopt -u nullglob
if [ ! -x "$DIR/livetop" ] || [ "${#debs[@]}" -ne 1 ]; then
    what="no $DIR/livetop and exactly one $DIR/livetop_*.deb (found ${#debs[@]}); run bash Scripts/package.sh"
    [ "${CI:-}" = true ] && fail "$what"
    log "skipped: $what"
    exit 0
fi
deb=${debs[0]}
version=$(dpkg-deb --field "$deb" Version)

# ------------------------------------------------------------ the binary alone

alone=$(mktemp -d)
TEMPORARY+=("$alone")
cp "$DIR/livetop" "$alone/livetop"
bash Scripts/package.sh --check-libraries "$alone/livetop" || fail "ldd of the packaged binary (see above)"
if ldd "$alone/livetop" | grep -qi swift; then fail "the binary links a Swift library: $(ldd "$alone/livetop" | grep -i swift)"; fi
log "ldd $alone/livetop: $(ldd "$alone/livetop" | awk '{print $1}' | tr '\n' ' ')"

# As root, the runs also happen with the toolchain's Swift runtime folder hidden under an empty
# tmpfs in a mount namespace of their own: a binary that still needed libswiftCore.so could not
# find it even through a path built into it (RUNPATH).
hide=()
swift_runtime=""
if command -v swift >/dev/null 2>&1; then
    swift_runtime=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/swift
fi
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && [ -d "$swift_runtime" ]; then
    hide=(unshare --mount sh -c 'mount -t tmpfs tmpfs "$0" && exec "$@"' "$swift_runtime")
    log "running the binary with $swift_runtime hidden (unshare --mount, tmpfs over it)"
fi

clean_run() { (cd "$alone" && env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= HOME="$alone" "${hide[@]}" timeout 60 ./livetop "$@"); }

got=$(clean_run --version) || fail "livetop --version exited $?"
[ "$got" = "$version" ] || fail "livetop --version printed '$got', the package says '$version'"
log "livetop --version: $got"

status=0
clean_run demo --headless --max-messages 5 >"$alone/demo.out" 2>"$alone/demo.err" || status=$?
[ "$status" -eq 0 ] || fail "demo --headless --max-messages 5 exited $status: $(head -c 300 "$alone/demo.err")"
# Every line is a JSON object; exactly 5 are messages (state lines may come around them).
python3 - "$alone/demo.out" <<'EOF' || fail "demo --headless --max-messages 5 output is wrong (above)"
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines()]
objects = []
for l in lines:
    try:
        objects.append(json.loads(l))
    except ValueError:
        sys.exit(f"not a JSON line: {l[:200]!r}")
messages = [o for o in objects if o.get("type") == "message"]
if len(messages) != 5:
    sys.exit(f"{len(messages)} messages, not 5, in {len(lines)} lines")
if [m.get("seq") for m in messages] != [1, 2, 3, 4, 5]:
    sys.exit(f"message seq {[m.get('seq') for m in messages]}")
EOF
log "demo --headless --max-messages 5: exit 0, $(wc -l <"$alone/demo.out") JSON lines, 5 messages"

# ------------------------------------------------------------ installed with apt

if [ "$(id -u)" -ne 0 ] || { [ "${CI:-}" != true ] && [ "${LIVETOP_PACKAGE_INSTALL:-}" != 1 ]; }; then
    log "not installing the package (that needs root and CI=true or LIVETOP_PACKAGE_INSTALL=1)"
    log "passed"
    exit 0
fi
command -v man >/dev/null || fail "man is missing: apt-get install man-db"

removed=0
remove() { [ "$removed" -eq 1 ] || DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq livetop >/dev/null; removed=1; }
trap 'remove || true; cleanup' EXIT

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/dev/null \
    || fail "apt-get install $deb failed"
log "installed: $(dpkg-query -W -f='${Package} ${Version}, Depends: ${Depends}' livetop)"

got=$(env -i PATH=/usr/bin:/bin /usr/bin/livetop --version) || fail "/usr/bin/livetop --version failed"
[ "$got" = "$version" ] || fail "/usr/bin/livetop --version printed '$got', not '$version'"

page=$(man -w livetop) || fail "man -w livetop found no page"
[ "$page" = /usr/share/man/man1/livetop.1.gz ] || fail "man -w livetop gave $page"
# The page renders, and documents an option of the default command.
man -P cat livetop 2>/dev/null | grep -q -- '--max-messages' || fail "man livetop does not show --max-messages"
log "man -w livetop: $page"

# The installed script, called as bash's programmable completion would call it: `livetop demo --max<TAB>`.
completions=$(bash -c 'source /usr/share/bash-completion/completions/livetop
COMP_WORDS=(livetop demo --fp); COMP_CWORD=2; COMP_LINE="livetop demo --fp"; COMP_POINT=${#COMP_LINE}
_livetop livetop --fp demo; printf "%s\n" "${COMPREPLY[@]}"') || fail "the bash completion script failed"
[ "$completions" = --fps ] || fail "bash completion of 'livetop demo --fp' gave '$completions', not --fps"
log "bash completion of 'livetop demo --fp': $completions"
[ -s /usr/share/zsh/vendor-completions/_livetop ] || fail "no zsh completion installed"
[ -s /usr/share/fish/vendor_completions.d/livetop.fish ] || fail "no fish completion installed"
[ -s /usr/share/doc/livetop/copyright ] || fail "no copyright file installed"

remove
[ ! -e /usr/bin/livetop ] || fail "apt-get remove livetop left /usr/bin/livetop"
log "removed; passed"
