#!/usr/bin/env bash
# Produces tmux captures of the dashboard on a ticker feed (--fold upsert:/symbol), on a
# metrics feed (numeric leaves) and of `livetop demo` with its layout, into docs/captures/*.txt
# (README shows them).
#
#   bash Scripts/captures.sh [seconds of feed before each capture, default 4]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
wait_for=${1:-4}
swift build -c release --product livetop >/dev/null
bin=.build/release/livetop
sock="livetop-captures-$$"
mkdir -p docs/captures

capture() {  # name, feed kind, extra livetop options...
    local name=$1 kind=$2; shift 2
    local out pid port
    out=$(mktemp)
    python3 Scripts/demo_feed.py "$kind" --ttl 60 >"$out" &
    pid=$!
    for _ in $(seq 1 100); do grep -q PORT= "$out" && break; sleep 0.1; done
    port=$(sed -n 's/^PORT=//p' "$out")
    tmux -L "$sock" new-session -d -s cap -x 100 -y 24 \
        "TERM=screen LANG=C.UTF-8 $bin $* ws://127.0.0.1:$port/feed; sleep 30"
    sleep "$wait_for"   # let the feed run, so rates, sparklines and the table fill in
    tmux -L "$sock" capture-pane -p -t cap | sed -e 's/[[:space:]]*$//' >"docs/captures/$name.txt"
    tmux -L "$sock" send-keys -t cap q
    tmux -L "$sock" kill-server 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$out"
    echo "docs/captures/$name.txt"
}

capture ticker ticker --fold upsert:/symbol
capture metrics metrics

# The demo, as README's run command shows it (its feed is in-process; a fixed seed), with its
# layout, captured once an alert is up (a service degraded or down for 2 s; within a minute).
tmux -L "$sock" new-session -d -s cap -x 120 -y 40 "TERM=screen LANG=C.UTF-8 $bin demo --seed 7; sleep 90"
sleep "$wait_for"
for _ in $(seq 1 600); do
    tmux -L "$sock" capture-pane -p -t cap | grep -q ' alert' && break
    sleep 0.1
done
sleep 0.5   # a frame or two more, so the strip and the table agree
tmux -L "$sock" capture-pane -p -t cap | sed -e 's/[[:space:]]*$//' >docs/captures/demo.txt
tmux -L "$sock" send-keys -t cap q
tmux -L "$sock" kill-server 2>/dev/null || true
echo docs/captures/demo.txt
