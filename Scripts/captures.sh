#!/usr/bin/env bash
# Produces tmux captures of the dashboard on a ticker feed (--fold upsert:/symbol), on a
# metrics feed (numeric leaves), of `livetop demo` with its layout and of examples/host.yaml,
# into docs/captures/NAME.txt (the text) and NAME.svg (a colour picture made from the pane's
# escapes by Scripts/ansi_svg.py with Python's rich, installed here when missing). README and
# docs/ show them.
#
#   bash Scripts/captures.sh [seconds of feed before each capture, default 4]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
wait_for=${1:-4}
swift build -c release --product livetop >/dev/null
bin=.build/release/livetop
sock="livetop-captures-$$"
mkdir -p docs/captures
python3 -c 'import rich' 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore rich ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages rich

# Saves pane "cap" as docs/captures/NAME.txt and NAME.svg: name, columns, title.
save() {
    local name=$1 cols=$2 title=$3 ansi
    ansi=$(mktemp)
    tmux -L "$sock" capture-pane -p -t cap | sed -e 's/[[:space:]]*$//' >"docs/captures/$name.txt"
    tmux -L "$sock" capture-pane -e -p -t cap >"$ansi"
    python3 Scripts/ansi_svg.py "$ansi" "docs/captures/$name.svg" --width "$cols" --title "$title"
    rm -f "$ansi"
    echo "docs/captures/$name.txt docs/captures/$name.svg"
}

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
    save "$name" 100 "livetop $*"
    tmux -L "$sock" send-keys -t cap q
    tmux -L "$sock" kill-server 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$out"
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
save demo 120 "livetop demo"
tmux -L "$sock" send-keys -t cap q
tmux -L "$sock" kill-server 2>/dev/null || true

# This host, with README's first quick start (commands only: vmstat, free, df, ps).
tmux -L "$sock" new-session -d -s cap -x 120 -y 40 \
    "TERM=screen LANG=C.UTF-8 $bin --layout examples/host.yaml; sleep 30"
sleep "$((wait_for * 3))"   # a few vmstat samples, so the charts have lines
save host 120 "livetop --layout examples/host.yaml"
tmux -L "$sock" send-keys -t cap q
tmux -L "$sock" kill-server 2>/dev/null || true
