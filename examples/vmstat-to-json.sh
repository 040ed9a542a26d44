#!/bin/sh
# vmstat's lines as JSON objects, one per line, for `livetop serve` and examples/host.yaml:
#
#   vmstat -n 1 | sh examples/vmstat-to-json.sh | livetop serve --port 9000
#   livetop --layout examples/host.yaml ws://127.0.0.1:9000/
#
# Reads vmstat's output on stdin (procps columns: r b swpd free buff cache si so bi bo in cs us sy
# id wa st); header lines are skipped. HOST names the host (default: hostname).
host=${HOST:-$(hostname 2>/dev/null || echo host)}
exec awk -v host="$host" '
    $1 ~ /^[0-9]+$/ && NF >= 16 {
        printf "{\"host\":\"%s\",\"procs\":{\"running\":%d,\"blocked\":%d},", host, $1, $2
        printf "\"memory_mb\":{\"free\":%.1f,\"buffers\":%.1f,\"cache\":%.1f,\"swapped\":%.1f},", $4 / 1024, $5 / 1024, $6 / 1024, $3 / 1024
        printf "\"swap\":{\"in\":%d,\"out\":%d},\"io\":{\"in\":%d,\"out\":%d},", $7, $8, $9, $10
        printf "\"system\":{\"interrupts\":%d,\"switches\":%d},", $11, $12
        printf "\"cpu\":{\"user\":%d,\"system\":%d,\"idle\":%d,\"wait\":%d,\"busy\":%d}}\n", $13, $14, $15, $16, 100 - $15
        fflush()
    }'
