#!/usr/bin/env bash
# Scripts/bench_publish.sh: `livetop publish` throughput into a private nginx + Nchan.
#
#   bash Scripts/bench_publish.sh [--livetop PATH] [--lines N] [--window W] [--subscriber]
#
# Starts nginx with Tests/PushLinkTests/Servers/nchan_publish.conf.template on a free 127.0.0.1
# port (stopped by its PID at the end), writes N JSON lines of about 40 bytes to a file, and times
# `livetop publish http://127.0.0.1:PORT/pub/bench < file`. With --subscriber, a `livetop
# --headless` subscriber reads the channel meanwhile (and its message count is checked).
# Prints lines/s and the publisher's own summary line. Needs LIVETOP_NCHAN_MODULE or Debian's path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

livetop=.build/release/livetop lines=100000 window=64 subscriber=0
while [ $# -gt 0 ]; do
    case "$1" in
        --livetop) livetop=$2; shift 2 ;;
        --lines) lines=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --subscriber) subscriber=1; shift ;;
        *) echo "bench_publish.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
[ -x "$livetop" ] || { echo "bench_publish.sh: no livetop at $livetop (swift build -c release, or --livetop PATH)" >&2; exit 1; }
nginx=${LIVETOP_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
module=${LIVETOP_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}

dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|@NCHAN_MODULE@|$module|g" -e "s|@PREFIX@|$dir|g" -e "s|@PORT@|$port|g" \
    -e "s|error_log $dir/error.log info;|error_log $dir/error.log warn;|" \
    Tests/PushLinkTests/Servers/nchan_publish.conf.template >"$dir/nginx.conf"
"$nginx" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" &
pids+=($!)
for _ in $(seq 1 100); do   # up to 10 s for nginx to listen
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.1)" 2>/dev/null && break
    sleep 0.1
done

python3 -c "
import sys
w = sys.stdout.write
for i in range(1, $lines + 1):
    w('{\"n\":%d,\"cpu\":0.42,\"host\":\"host1\"}\n' % i)
" >"$dir/lines"

if [ "$subscriber" -eq 1 ]; then
    "$livetop" --headless --emit messages "ws://127.0.0.1:$port/sub/bench" >"$dir/sub.out" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 1 100); do
        curl -s "http://127.0.0.1:$port/pub/bench" -H 'Accept: text/json' 2>/dev/null | grep -q '"subscribers": *1' && break
        sleep 0.1
    done
fi

start=$(date +%s.%N)
"$livetop" publish --window "$window" "http://127.0.0.1:$port/pub/bench" <"$dir/lines" 2>"$dir/publish.err"
end=$(date +%s.%N)
python3 -c "print('livetop publish: $lines lines in %.2f s = %.0f lines/s (window $window)' % ($end - $start, $lines / ($end - $start)))"
grep 'lines acknowledged' "$dir/publish.err" || cat "$dir/publish.err"
if [ "$subscriber" -eq 1 ]; then
    for _ in $(seq 1 300); do
        [ "$(wc -l <"$dir/sub.out")" -ge "$lines" ] && break
        sleep 0.1
    done
    echo "subscriber: $(wc -l <"$dir/sub.out") messages"
fi
