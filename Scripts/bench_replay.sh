#!/usr/bin/env bash
# Replay speed: a 1,000,000-message recording (made by `livetop --record` from the reference
# feed) played back with `livetop replay --speed 0`, headless to /dev/null. Best of 3 rounds.
#
#   bash Scripts/bench_replay.sh [--count 1000000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
count=1000000
[ "${1:-}" = "--count" ] && count=$2
swift build -c release --product livetop >/dev/null
bin=$PWD/.build/release/livetop
blast=$PWD/../shared/bench/ws_blast.py
work=$(mktemp -d)
feed_pid=
trap '[ -n "$feed_pid" ] && kill "$feed_pid" 2>/dev/null; rm -rf "$work"' EXIT

python3 "$blast" --count "$count" --connections 1 --ttl 120 >"$work/feed" &
feed_pid=$!
for _ in $(seq 1 300); do grep -q PORT= "$work/feed" && break; sleep 0.1; done
port=$(sed -n 's/^PORT=//p' "$work/feed")
"$bin" --headless --exit-on-close --record "$work/recording.jsonl" "ws://127.0.0.1:$port/" >/dev/null
wait "$feed_pid" 2>/dev/null || true
feed_pid=
lines=$(grep -c '"type":"message"' "$work/recording.jsonl")
size=$(du -m "$work/recording.jsonl" | cut -f1)
echo "recording: $lines messages, ${size} MB"

best() {  # label, then the command; prints the best wall time of 3 and msg/s
    local label=$1; shift
    local best_s=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        best_s=$(awk -v a="$t0" -v b="$t1" -v best="$best_s" 'BEGIN { s = b - a; if (best == "" || s < best) print s; else print best }')
    done
    awk -v s="$best_s" -v n="$lines" -v l="$label" 'BEGIN { printf "%-36s %.2f s = %.0f msg/s (best of 3)\n", l, s, n / s }'
}
best "replay --speed 0 --headless" "$bin" replay --speed 0 --headless "$work/recording.jsonl"
best "replay --speed 0 --emit messages" "$bin" replay --speed 0 --headless --emit messages "$work/recording.jsonl"
/usr/bin/time -f "peak RSS of a replay: %M KB" "$bin" replay --speed 0 --headless "$work/recording.jsonl" >/dev/null
