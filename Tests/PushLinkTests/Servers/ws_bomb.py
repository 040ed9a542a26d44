#!/usr/bin/env python3
"""A hostile WebSocket server for PushLink's tests: it agrees to permessage-deflate and sends one
text message whose compressed payload (about 1 MB) inflates to --inflated bytes of zeros (1 GiB by
default): a compression bomb. Raw sockets, because no library sends this on purpose.

    python3 ws_bomb.py [--port 0] [--ttl 120] [--inflated 1073741824]

Prints PORT=<n>, then for each connection CLOSE=<code the client sent> once it closes.
"""
import argparse, base64, hashlib, socket, struct, threading, zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def bomb(size):
    # Each 1 MiB of zeros is compressed once and ended with a full flush, which resets the
    # window: every later MiB compresses to the same bytes, so the bomb is cheap to build.
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    data = first + again * ((size >> 20) - 1) + c.flush(zlib.Z_SYNC_FLUSH)
    return data[:-4] if data.endswith(b"\x00\x00\xff\xff") else data


def frame(payload, rsv1):
    head = bytes([0x80 | (0x40 if rsv1 else 0) | 0x1])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def serve(conn, payload):
    request = b""
    while b"\r\n\r\n" not in request:
        data = conn.recv(4096)
        if not data:
            return
        request += data
    key = [l.split(b":", 1)[1].strip() for l in request.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key:")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
    try:
        conn.sendall(frame(payload, rsv1=True))
        code = None
        data = conn.recv(4096)
        if len(data) >= 4 and data[0] & 0x0F == 0x8:
            mask, body = data[2:6], data[6:8]
            code = struct.unpack("!H", bytes(b ^ mask[i % 4] for i, b in enumerate(body)))[0]
        print("CLOSE=%s" % code, flush=True)
    except OSError:
        print("CLOSE=None", flush=True)
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    p.add_argument("--inflated", type=int, default=1 << 30)
    args = p.parse_args()
    payload = bomb(args.inflated)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen()
    listener.settimeout(args.ttl)
    print("COMPRESSED=%d" % len(payload), flush=True)
    print("PORT=%d" % listener.getsockname()[1], flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn, payload), daemon=True).start()
    except socket.timeout:
        pass


if __name__ == "__main__":
    main()
