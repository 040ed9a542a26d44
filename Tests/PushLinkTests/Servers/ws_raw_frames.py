#!/usr/bin/env python3
"""A WebSocket server that sends exactly the frames it is told to, malformed ones included, for
PushLink's protocol-error tests. Raw sockets, because no library sends a bad close frame on purpose.

    python3 ws_raw_frames.py [--port 0] [--ttl 120]

The client names the frames in its request target, as hex: GET /<hex bytes> sends those bytes
after the 101 answer. Prints PORT=<n>, then for each frame the client sends
FRAME <opcode> <payload hex>, and CLOSE=<code or None> when the client's close frame (or the end
of the connection) comes; then it closes the connection.
"""
import argparse, base64, binascii, hashlib, socket, struct, threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exactly(conn, n, buffer):
    while len(buffer) < n:
        data = conn.recv(65536)
        if not data:
            raise EOFError
        buffer += data
    return buffer[:n], buffer[n:]


def serve(conn):
    request = b""
    while b"\r\n\r\n" not in request:
        data = conn.recv(4096)
        if not data:
            return
        request += data
    head, rest = request.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    target = lines[0].split(b" ")[1].decode()
    key = [l.split(b":", 1)[1].strip() for l in lines if l.lower().startswith(b"sec-websocket-key:")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + binascii.unhexlify(target.lstrip("/")))
    buffer = rest
    code = None
    try:
        while True:
            header, buffer = read_exactly(conn, 2, buffer)
            opcode, length = header[0] & 0x0F, header[1] & 0x7F
            if length == 126:
                raw, buffer = read_exactly(conn, 2, buffer)
                length = struct.unpack("!H", raw)[0]
            elif length == 127:
                raw, buffer = read_exactly(conn, 8, buffer)
                length = struct.unpack("!Q", raw)[0]
            mask, buffer = read_exactly(conn, 4, buffer)
            masked, buffer = read_exactly(conn, length, buffer)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(masked))
            print("FRAME %d %s" % (opcode, payload.hex()), flush=True)
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                break
    except (EOFError, OSError):
        pass
    print("CLOSE=%s" % code, flush=True)
    conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen()
    listener.settimeout(args.ttl)
    print("PORT=%d" % listener.getsockname()[1], flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    except socket.timeout:
        pass


if __name__ == "__main__":
    main()
