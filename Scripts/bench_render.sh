#!/usr/bin/env bash
# Render cost of the dashboard under the 1,000,000-message reference feed, in tmux:
# frames drawn against what --fps allows, how long `q` takes to end the program, and how often
# an idle dashboard wakes up (a `livetop serve` feed that says nothing). Bytes written to the pty
# per second and per frame show that output tracks the screen and --fps, not the message rate.
#
# With --layout FILE (Scripts/bench_layout.yaml is one) the first phase draws that layout, and
# the render CPU per frame is the UI thread's CPU time in Screen.render plus the terminal diff.
#
#   bash Scripts/bench_render.sh [--fps 20] [--layout Scripts/bench_layout.yaml] [--livetop PATH]
#
# With --tables, it measures tables instead: a layout table on /hosts over a fleet of 100 and of
# 100,000 hosts (`{"hosts":{"h000001":{"cpu":…,"status":…},…}}` served by `livetop serve`, then
# one host changing every 50 ms for TABLE_SECONDS, 8 by default), at 120x40, scrolled with PgDn
# as it runs: render CPU per frame for each size, side by side, then `q` timed under the large one.
#
#   bash Scripts/bench_render.sh --tables [--fps 20] [--livetop PATH]
#
# It builds livetop in release mode first, unless --livetop names a binary to time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fps=20
layout_args=""
bin=""
tables=0
while [ $# -gt 0 ]; do
    case "$1" in
        --fps) fps=$2; shift 2 ;;
        --layout) layout_args="--layout $PWD/$2"; shift 2 ;;
        --livetop) bin=$(realpath "$2"); shift 2 ;;
        --tables) tables=1; shift ;;
        *) echo "unknown argument: $1" >&2; exit 64 ;;
    esac
done
if [ -z "$bin" ]; then
    swift build -c release --product livetop >/dev/null
    bin=$PWD/.build/release/livetop
fi
sock="livetop-bench-$$"
work=$(mktemp -d)
serve_pid=
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

if [ "$tables" = 1 ]; then
    run_seconds=${TABLE_SECONDS:-8}
    cat >"$work/fleet.yaml" <<'YAML'
rows:
  - panels:
      - kind: table
        rows: /hosts
        key: {title: host}
        columns: [cpu, {key: status, thresholds: {up: ok, degraded: warn, down: crit}}]
YAML
    for hosts in 100 100000; do
        rm -f "$work/done" "$work/stats" "$work/serve"
        case "$hosts" in 100000) hosts_shown="100,000" ;; *) hosts_shown=$hosts ;; esac
        # The snapshot, then one host's cpu every 50 ms: every frame has a changed store to draw.
        python3 -c '
import sys, time
n, seconds = int(sys.argv[1]), float(sys.argv[2])
states = ["up", "up", "up", "degraded", "down"]
print("{\"hosts\":{" + ",".join("\"h%06d\":{\"cpu\":%d,\"status\":\"%s\"}" % (i, i % 100, states[i % 5]) for i in range(1, n + 1)) + "}}", flush=True)
end = time.time() + seconds + 30
i = 0
while time.time() < end:
    i += 1
    print("{\"hosts\":{\"h%06d\":{\"cpu\":%d}}}" % (i % n + 1, i % 100), flush=True)
    time.sleep(0.05)
' "$hosts" "$run_seconds" 2>/dev/null | "$bin" serve --port 0 2>"$work/serve" &
        serve_pid=$!
        for _ in $(seq 1 300); do grep -q 'serving stdin' "$work/serve" && break; sleep 0.1; done
        port=$(sed -n 's/.*ws:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$work/serve")
        tmux -L "$sock" new-session -d -s bench -x 120 -y 40 \
            "LIVETOP_FRAME_STATS=$work/stats TERM=screen LANG=C.UTF-8 $bin --fps $fps --max-keys 1000000 --layout $work/fleet.yaml ws://127.0.0.1:$port/; touch $work/done; sleep 30"
        # Timed from when the whole snapshot is folded and drawn (the title counts every host).
        shown=0
        for _ in $(seq 1 1200); do
            if tmux -L "$sock" capture-pane -p -t bench | grep -q "hosts ($hosts_shown)"; then shown=1; break; fi
            sleep 0.1
        done
        if [ "$shown" = 0 ]; then
            echo "bench_render: the table never showed \"hosts ($hosts_shown)\" in 120 s; the screen was:" >&2
            tmux -L "$sock" capture-pane -p -t bench | head -5 >&2
            exit 1
        fi
        tmux -L "$sock" send-keys -t bench Tab
        for _ in $(seq 1 "$run_seconds"); do sleep 1; tmux -L "$sock" send-keys -t bench PgDn; done
        t0=$(date +%s.%N)
        tmux -L "$sock" send-keys -t bench q
        for _ in $(seq 1 1000); do [ -f "$work/done" ] && break; sleep 0.01; done
        t1=$(date +%s.%N)
        tmux -L "$sock" kill-server 2>/dev/null || true
        kill "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
        serve_pid=
        # shellcheck disable=SC1090
        eval "$(tr ' ' '\n' <"$work/stats")"
        awk -v h="$hosts" -v f="$frames" -v s="$seconds" -v r="$render_cpu" -v a="$t0" -v b="$t1" 'BEGIN {
            printf "table of %d hosts at 120x40: %d frames in %.1f s, render CPU %.4f s = %.2f ms per frame; q ended it in %.3f s\n",
                h, f, s, r, (f > 0 ? r / f * 1000 : 0), b - a }'
    done
    exit 0
fi
blast=$PWD/../shared/bench/ws_blast.py

start_feed() {  # count -> sets port and feed_pid
    python3 "$blast" --count "$1" --connections 1 --ttl 120 >"$work/feed" &
    feed_pid=$!
    for _ in $(seq 1 300); do grep -q PORT= "$work/feed" && break; sleep 0.1; done
    port=$(sed -n 's/^PORT=//p' "$work/feed")
}

# 1. The whole feed with --exit-on-close: frames drawn while it streams, and every byte livetop
# writes to its pty (tmux pipe-pane, attached before livetop starts: the pane's shell waits for it).
start_feed 1000000
tmux -L "$sock" new-session -d -s bench -x 120 -y 40 \
    "while [ ! -f $work/go ]; do sleep 0.05; done; LIVETOP_FRAME_STATS=$work/stats TERM=screen LANG=C.UTF-8 $bin --fps $fps --exit-on-close $layout_args ws://127.0.0.1:$port/; touch $work/done; sleep 30"
tmux -L "$sock" pipe-pane -o -t bench "cat > $work/pty"
touch "$work/go"
for _ in $(seq 1 600); do [ -f "$work/done" ] && break; sleep 0.1; done
wait "$feed_pid" 2>/dev/null || true
tmux -L "$sock" pipe-pane -t bench   # closes the pipe: cat has everything once it exits
pty_bytes=$(wc -c <"$work/pty")
# shellcheck disable=SC1090
eval "$(tr ' ' '\n' <"$work/stats")"
echo "feed: ws_blast.py, $messages messages, dashboard at --fps $fps, 120x40${layout_args:+, $layout_args}"
awk -v f="$frames" -v s="$seconds" -v m="$messages" -v fps="$fps" -v r="$render_cpu" -v b="$pty_bytes" 'BEGIN {
    printf "frames drawn: %d in %.2f s = %.1f frames/s (allowed: %d/s, at most %d frames)\n", f, s, f / s, fps, int(s * fps) + 1
    printf "render CPU: %.4f s in all, %.2f ms per frame\n", r, (f > 0 ? r / f * 1000 : 0)
    printf "bytes to the pty: %d = %.0f bytes/s, %.0f per frame (a full 120x40 screen is 4800 cells), %.4f per message\n", b, b / s, (f > 0 ? b / f : 0), b / m
    printf "messages folded: %d = %.0f msg/s\n", m, m / s }'
tmux -L "$sock" kill-server 2>/dev/null || true

# 2. Quitting under load: `q` sent mid-feed; time until the process has ended.
rm -f "$work/done"
start_feed 5000000
tmux -L "$sock" new-session -d -s bench -x 120 -y 40 \
    "TERM=screen LANG=C.UTF-8 $bin --fps $fps ws://127.0.0.1:$port/; touch $work/done; sleep 30"
sleep 2   # well into the feed
t0=$(date +%s.%N)
tmux -L "$sock" send-keys -t bench q
for _ in $(seq 1 1000); do [ -f "$work/done" ] && break; sleep 0.01; done
t1=$(date +%s.%N)
kill "$feed_pid" 2>/dev/null || true
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "quit on q under load: %.3f s\n", b - a }'

# 3. Idle: a feed that sends nothing; the dashboard should wake about once a second (clocks).
tmux -L "$sock" kill-server 2>/dev/null || true
idle=${IDLE_SECONDS:-6}
sleep $((idle + 10)) | "$bin" serve --port 0 2>"$work/serve" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q 'serving stdin' "$work/serve" && break; sleep 0.1; done
port=$(sed -n 's/.*ws:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$work/serve")
rm -f "$work/done" "$work/stats"
tmux -L "$sock" new-session -d -s bench -x 120 -y 40 \
    "LIVETOP_FRAME_STATS=$work/stats TERM=screen LANG=C.UTF-8 $bin --fps $fps ws://127.0.0.1:$port/; touch $work/done; sleep 30"
sleep "$idle"
tmux -L "$sock" send-keys -t bench q
for _ in $(seq 1 100); do [ -f "$work/done" ] && break; sleep 0.1; done
# shellcheck disable=SC1090
eval "$(tr ' ' '\n' <"$work/stats")"
awk -v w="$wakeups" -v f="$frames" -v s="$seconds" 'BEGIN {
    printf "idle: %d wake-ups and %d frames in %.1f s (%.1f wake-ups/s; a frame-interval timer would be %d)\n", w, f, s, w / s, int(s * 20) }'
