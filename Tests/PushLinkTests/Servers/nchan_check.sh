#!/usr/bin/env bash
# Proves nchan.conf.template works here: renders it into a temporary prefix
# with a free port, starts a private nginx+Nchan, publishes a message, reads
# it back by long-poll (printing the response headers, whose Last-Modified
# and Etag are the cursor PushLink follows), follows that cursor once to a
# second message, then stops nginx and removes the prefix.
#
#   bash Tests/PushLinkTests/Servers/nchan_check.sh
#
# Uses $LIVETOP_NGINX and $LIVETOP_NCHAN_MODULE when set (Scripts/test.sh
# exports them), else finds nginx and Debian's libnginx-mod-nchan itself.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NGINX=${LIVETOP_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
MODULE=${LIVETOP_NCHAN_MODULE:-$(dpkg -L libnginx-mod-nchan 2>/dev/null | grep '\.so$' | head -n1 || true)}
[ -x "$NGINX" ] || { echo "nchan_check: no nginx (apt-get install nginx)" >&2; exit 1; }
[ -f "$MODULE" ] || { echo "nchan_check: no nchan module (apt-get install libnginx-mod-nchan)" >&2; exit 1; }

PREFIX=$(mktemp -d)
chmod 755 "$PREFIX"          # nginx started as root runs its worker as nobody
NGINX_PID=""

cleanup() {
    # Stop nginx by its own pid file (the master), else by the pid we started.
    local pid=""
    [ -s "$PREFIX/nginx.pid" ] && pid=$(cat "$PREFIX/nginx.pid")
    pid=${pid:-$NGINX_PID}
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    if [ -n "$NGINX_PID" ]; then wait "$NGINX_PID" 2>/dev/null || true; fi
    rm -rf "$PREFIX"
}
trap cleanup EXIT

# A port the kernel just gave out and released; racy in theory, fine here.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

sed -e "s|@NCHAN_MODULE@|$MODULE|g" -e "s|@PREFIX@|$PREFIX|g" -e "s|@PORT@|$PORT|g" \
    "$HERE/nchan.conf.template" >"$PREFIX/nginx.conf"

echo "nchan_check: $("$NGINX" -v 2>&1), module $MODULE, prefix $PREFIX, port $PORT"
"$NGINX" -p "$PREFIX/" -c "$PREFIX/nginx.conf" -e "$PREFIX/error.log" &
NGINX_PID=$!

# Poll until it accepts connections: at most 10 s, 0.1 s apart.
ready=0
for _ in $(seq 1 100); do
    if ! kill -0 "$NGINX_PID" 2>/dev/null; then
        echo "nchan_check: nginx exited early; error.log:" >&2
        cat "$PREFIX/error.log" >&2 || true
        exit 1
    fi
    if curl -s -o /dev/null --max-time 1 "$BASE/"; then ready=1; break; fi
    sleep 0.1
done
[ "$ready" -eq 1 ] || { echo "nchan_check: nginx not ready after 10 s" >&2; exit 1; }

echo "--- publish: POST /pub/test 'hi'"
curl -s --max-time 5 -X POST --data 'hi' "$BASE/pub/test"
echo

# The channel buffers messages and a first long-poll gets the oldest one, so
# this returns at once.
echo "--- long-poll: GET /sub/test (Accept: text/plain)"
curl -s --max-time 5 -D "$PREFIX/headers" -o "$PREFIX/body" -H 'Accept: text/plain' "$BASE/sub/test"
tr -d '\r' <"$PREFIX/headers"
echo "body: $(cat "$PREFIX/body")"

# The cursor: Last-Modified/Etag come back as If-Modified-Since/If-None-Match.
last_modified=$(tr -d '\r' <"$PREFIX/headers" | sed -n 's/^[Ll]ast-[Mm]odified: //p')
etag=$(tr -d '\r' <"$PREFIX/headers" | sed -n 's/^[Ee][Tt]ag: //p')
curl -s --max-time 5 -X POST --data 'hi again' "$BASE/pub/test" >/dev/null
echo "--- long-poll with the cursor: If-Modified-Since: $last_modified, If-None-Match: $etag"
curl -s --max-time 5 -D "$PREFIX/headers2" -o "$PREFIX/body2" -H 'Accept: text/plain' \
    -H "If-Modified-Since: $last_modified" -H "If-None-Match: $etag" "$BASE/sub/test"
tr -d '\r' <"$PREFIX/headers2"
echo "body: $(cat "$PREFIX/body2")"

if [ "$(cat "$PREFIX/body")" != hi ] || [ "$(cat "$PREFIX/body2")" != 'hi again' ]; then
    echo "nchan_check: FAILED (unexpected bodies)" >&2
    exit 1
fi
echo "nchan_check: OK"
