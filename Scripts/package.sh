#!/usr/bin/env bash
# A livetop for hosts without a Swift toolchain, and its Debian package.
#
#   bash Scripts/package.sh               release build with the Swift runtime linked in, stripped,
#                                         checked with ldd; writes dist/livetop and
#                                         dist/livetop_VERSION_ARCH.deb
#   bash Scripts/package.sh --docs        regenerates the committed man pages (Packaging/man) and
#                                         shell completions (Packaging/completions) from a debug build
#   bash Scripts/package.sh --check-docs  the same into a temporary folder, compared with the
#                                         committed files: fails when they are out of step
#   bash Scripts/package.sh --check-libraries FILE
#                                         the ldd allow-list check alone (Scripts/package-test.sh)
#
# The man pages come from swift-argument-parser's generate-manual tool and the completions from
# `livetop --generate-completion-script`: nothing here is written by hand, so they follow the options.
# The release build uses its own scratch folder (.build-release), so the debug build of the tests is
# untouched; dist/ holds the results. Both are in .gitignore.
set -euo pipefail

cd "$(dirname "$0")/.."

RELEASE_SCRATCH=.build-release
DIST=dist
MAN_DIR=Packaging/man
COMPLETIONS_DIR=Packaging/completions
# The date the man pages carry. generate-manual would print today's date, which would make the
# committed pages differ every day; bump this with the version.
MANUAL_DATE=2026-12-02
PACKAGE_NAME=livetop
MAINTAINER="livetop maintainers <maintainers@users.noreply.r-seed-bd2f12cf.example>"
# The repository states no licence yet; the copyright file says so until it does (then name it
# here, with its text or the file under /usr/share/common-licenses that holds it).
LICENSE=none-stated
LICENSE_TEXT=" The livetop repository does not state a licence: no permission to copy,
 modify or distribute livetop is granted beyond what the law allows."

# The only shared libraries the packaged binary may need: glibc's parts, ncurses (the dashboard)
# and zlib (permessage-deflate). libstdc++ and libgcc_s are allowed because the Swift runtime and
# Foundation are C++ inside and the glibc toolchain links those two dynamically even with
# --static-swift-stdlib; every Debian system has them (apt itself is linked against both).
ALLOWED_LIBRARIES='^(linux-vdso\.so|ld-linux-x86-64\.so|ld-linux-aarch64\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libutil\.so|libncursesw\.so|libtinfo\.so|libz\.so|libstdc\+\+\.so|libgcc_s\.so)'

log() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: error: %s\n' "$*" >&2; exit 1; }

# Temporary folders, removed on exit.
TEMPORARY=()
cleanup() { [ "${#TEMPORARY[@]}" -eq 0 ] || rm -rf "${TEMPORARY[@]}"; }
trap cleanup EXIT

# ------------------------------------------------------------------ docs

# Builds (debug, default scratch folder) livetop and the generate-manual tool of
# swift-argument-parser, and prints the folder that holds both.
build_doc_tools() {
    swift build --product livetop >&2
    build_generate_manual "" >&2
    swift build --show-bin-path
}

# generate-manual is the tool behind swift-argument-parser's GenerateManual plugin; the plugin
# first builds every product of this package (benchmarks and the Autobahn client too), so the
# tool is built on its own instead (SwiftPM makes a product of every executable target).
# $1: extra `swift build` flags (the release build's).
build_generate_manual() {
    # shellcheck disable=SC2086
    swift build $1 --product generate-manual
}

# Writes the man pages and completions of the binary $1, using generate-manual from $2, into $3/man
# and $3/completions.
generate_docs() {
    local binary=$1 tool=$2 out=$3 shell
    mkdir -p "$out/man" "$out/completions"
    # One page: `man livetop` then documents every subcommand and option. --multi-page would
    # put the options of watch, the default command, on a page named livetop.watch.1.
    "$tool" "$binary" --date "$MANUAL_DATE" --output-directory "$out/man" >/dev/null
    for shell in bash zsh fish; do
        "$binary" --generate-completion-script "$shell" >"$out/completions/$(completion_file "$shell")"
    done
}

completion_file() {
    case "$1" in
        bash) echo livetop.bash ;;
        zsh) echo _livetop ;;
        fish) echo livetop.fish ;;
    esac
}

# Fails when the files generated into $1 differ from the committed ones.
compare_docs() {
    local generated=$1
    if ! diff -r "$generated/man" "$MAN_DIR" >/dev/null 2>&1 \
        || ! diff -r "$generated/completions" "$COMPLETIONS_DIR" >/dev/null 2>&1; then
        diff -ru "$MAN_DIR" "$generated/man" >&2 || true
        diff -ru "$COMPLETIONS_DIR" "$generated/completions" >&2 || true
        die "the man pages or completions in Packaging/ are out of step with the options: run bash Scripts/package.sh --docs"
    fi
}

docs() {
    local check=$1 bin tmp
    bin=$(build_doc_tools)
    tmp=$(mktemp -d)
    TEMPORARY+=("$tmp")
    generate_docs "$bin/livetop" "$bin/generate-manual" "$tmp"
    if [ "$check" -eq 1 ]; then
        compare_docs "$tmp"
        log "Packaging/man and Packaging/completions match the options"
    else
        rm -rf "$MAN_DIR" "$COMPLETIONS_DIR"
        mkdir -p "$(dirname "$MAN_DIR")"
        cp -R "$tmp/man" "$MAN_DIR"
        cp -R "$tmp/completions" "$COMPLETIONS_DIR"
        log "wrote $MAN_DIR ($(ls "$MAN_DIR" | wc -l) pages) and $COMPLETIONS_DIR"
    fi
}

# ------------------------------------------------------------------ release

# `swift build` flags for the release build: the Static Linux SDK (musl) when one is installed,
# else the glibc toolchain with the Swift runtime and Foundation linked in statically.
release_flags() {
    local sdk
    sdk=$(swift sdk list 2>/dev/null | grep -E -m1 'static-linux|linux-musl' || true)
    if [ -n "$sdk" ]; then
        log "building with the Swift SDK $sdk"
        echo "-c release --scratch-path $RELEASE_SCRATCH --swift-sdk $sdk"
    else
        log "no Static Linux SDK in 'swift sdk list': glibc toolchain with --static-swift-stdlib"
        echo "-c release --scratch-path $RELEASE_SCRATCH --static-swift-stdlib"
    fi
}

# Fails, in one line, when the binary $1 needs a library outside ALLOWED_LIBRARIES.
check_libraries() {
    local binary=$1 out bad
    if ! out=$(ldd "$binary" 2>&1); then
        # A fully static binary (the Static Linux SDK's musl build) needs nothing.
        [[ "$out" == *"not a dynamic executable"* ]] && return 0
        die "ldd $binary failed: $out"
    fi
    [[ "$out" == *"statically linked"* ]] && return 0
    bad=$(printf '%s\n' "$out" | awk '{print $1}' | sed 's|.*/||' | grep -Ev "$ALLOWED_LIBRARIES" || true)
    if printf '%s\n' "$out" | grep -q 'not found'; then
        die "$binary needs libraries this host does not have: $(printf '%s\n' "$out" | grep 'not found' | awk '{print $1}' | tr '\n' ' ')"
    fi
    [ -z "$bad" ] || die "$binary needs libraries outside the allow-list: $(echo $bad)"
}

# Prints the Depends: value for the binary $1: dpkg-shlibdeps, in a throwaway source tree (it
# wants debian/control), maps every library the binary links to the package that ships it, with
# the lowest version that has the symbols used.
compute_depends() {
    local binary=$1 tree out
    tree=$(mktemp -d)
    mkdir -p "$tree/debian"
    printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$PACKAGE_NAME" "$PACKAGE_NAME" >"$tree/debian/control"
    # Its stderr is kept for a failure: it always warns that the binary is not yet "installed in
    # its package's directory" (debian/livetop/...), which does not change the answer.
    out=$(cd "$tree" && dpkg-shlibdeps -O -e "$binary" 2>"$tree/stderr") \
        || { cat "$tree/stderr" >&2; rm -rf "$tree"; die "dpkg-shlibdeps could not map the libraries of $binary to packages"; }
    rm -rf "$tree"
    out=$(printf '%s\n' "$out" | sed -n 's/^shlibs:Depends=//p')
    # dpkg-shlibdeps maps symbols to versions, and a version need without a symbol escapes it:
    # packed relative relocations (DT_RELR, lld's -z pack-relative-relocs) need glibc 2.36's
    # GLIBC_ABI_DT_RELR, yet Depends said libc6 (>= 2.35): the package would install on Ubuntu
    # 22.04 (glibc 2.35), where the binary cannot start.
    if objdump -p "$binary" | grep -q 'GLIBC_ABI_DT_RELR'; then
        out=$(printf '%s\n' "$out" | sed -E 's/libc6 \(>= 2\.(3[0-5]|[12][0-9]|[0-9])(\.[0-9]+)?\)/libc6 (>= 2.36)/')
    fi
    # Empty for a fully static binary, which depends on nothing.
    printf '%s\n' "$out"
}

# /usr/share/doc/livetop/copyright in Debian's machine-readable format.
write_copyright() {
    cat >"$1" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: livetop
Upstream-Contact: $MAINTAINER

Files: *
Copyright: 2026 livetop maintainers
License: $LICENSE
$LICENSE_TEXT
Comment: /usr/bin/livetop also holds, linked in statically, the Swift runtime,
 Foundation (with ICU data) and Dispatch (Apache-2.0 with Runtime Library
 Exception; ICU under the Unicode licence), SwiftNIO, swift-nio-ssl,
 swift-nio-extras, swift-argument-parser, swift-log and compress-nio
 (Apache-2.0; on Debian systems /usr/share/common-licenses/Apache-2.0),
 BoringSSL inside swift-nio-ssl (ISC and OpenSSL licences) and Yams with
 libyaml (MIT).
EOF
}

release() {
    local flags start bin binary version arch root deb depends size
    command -v dpkg-deb >/dev/null || die "dpkg-deb is missing: apt-get install dpkg"
    command -v dpkg-shlibdeps >/dev/null || die "dpkg-shlibdeps is missing: apt-get install dpkg-dev"
    flags=$(release_flags)
    start=$SECONDS
    # shellcheck disable=SC2086
    swift build $flags --product livetop
    build_generate_manual "$flags"
    log "release build: $((SECONDS - start)) s"
    # shellcheck disable=SC2086
    bin=$(swift build $flags --show-bin-path)

    rm -rf "$DIST"
    mkdir -p "$DIST"
    binary=$DIST/livetop
    cp "$bin/livetop" "$binary"
    strip "$binary"
    check_libraries "$binary"
    version=$("$binary" --version) || die "$binary --version failed"
    [[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "livetop --version printed '$version', not a Debian version"

    local docs
    docs=$(mktemp -d)
    TEMPORARY+=("$docs")
    generate_docs "$(realpath "$binary")" "$bin/generate-manual" "$docs"
    compare_docs "$docs"

    arch=$(dpkg --print-architecture)
    root=$(mktemp -d)
    TEMPORARY+=("$root")
    install -D -m 0755 "$binary" "$root/usr/bin/livetop"
    local page
    for page in "$docs"/man/*; do
        install -D -m 0644 "$page" "$root/usr/share/man/man1/$(basename "$page")"
        gzip -9n "$root/usr/share/man/man1/$(basename "$page")"
    done
    install -D -m 0644 "$docs/completions/livetop.bash" "$root/usr/share/bash-completion/completions/livetop"
    install -D -m 0644 "$docs/completions/_livetop" "$root/usr/share/zsh/vendor-completions/_livetop"
    install -D -m 0644 "$docs/completions/livetop.fish" "$root/usr/share/fish/vendor_completions.d/livetop.fish"
    mkdir -p "$root/usr/share/doc/livetop"
    write_copyright "$root/usr/share/doc/livetop/copyright"
    chmod 0644 "$root/usr/share/doc/livetop/copyright"

    depends=$(compute_depends "$(realpath "$root/usr/bin/livetop")")
    size=$(du -sk --apparent-size "$root/usr" | cut -f1)
    mkdir -p "$root/DEBIAN"
    cat >"$root/DEBIAN/control" <<EOF
Package: $PACKAGE_NAME
Version: $version
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $size
${depends:+Depends: $depends
}Section: net
Priority: optional
Description: terminal dashboard for live feeds (WebSocket, SSE, long-poll)
 livetop connects to a live feed over WebSocket, Server-Sent Events,
 long-poll, Socket.IO or streamed JSON, folds every message into a store
 and draws panels and a status line with ncurses; without a terminal it
 prints JSON lines. Built with the Swift runtime linked in: no Swift
 toolchain is needed on the host.
EOF
    find "$root" -type d -exec chmod 0755 {} +
    deb=$DIST/${PACKAGE_NAME}_${version}_${arch}.deb
    dpkg-deb --build --root-owner-group -Zxz "$root" "$deb" >/dev/null
    log "ldd $binary:"
    { ldd "$binary" || true; } | sed "s/^/package:   /" >&2
    log "Depends: $depends"
    log "wrote $binary ($(du -h "$binary" | cut -f1)) and $deb ($(du -h "$deb" | cut -f1)) after $((SECONDS - start)) s"
}

case "${1:-}" in
    "") release ;;
    --docs) docs 0 ;;
    --check-docs) docs 1 ;;
    --check-libraries) [ -n "${2:-}" ] || die "--check-libraries needs a file"; check_libraries "$2" ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" ;;
    *) die "unknown argument: $1 (try --help)" ;;
esac
