#!/usr/bin/env python3
"""An HTTP/1.1 publisher endpoint with scripted faults, for NchanPublisherTests.

    python3 publish_sink.py [--port P] [--status-at N:CODE ...] [--close-at N] [--drop-at N]

Reads requests one after another from each keep-alive connection (pipelined requests wait in the
socket, as they do in nginx), and numbers them from 1 across connections. For each request it
prints one line, before answering:
    REQ {"n": N, "status": CODE, "type": "<Content-Type>", "body": "<body>"}
CODE 0 means no answer was sent (--drop-at). Answers are 201, except:
    --status-at N:CODE  request N is answered CODE (repeatable)
    --close-at N        request N is answered 201 with "Connection: close", then the connection is
                        closed, so the requests pipelined behind it are never read
    --drop-at N         request N is read, then the connection is closed without an answer
    --close-new N       the first N connections are closed at once, before reading anything
    --hang-at N         request N is read and never answered; the connection stays open until
                        the client closes it
Prints PORT=<port> once listening.
"""
import argparse, json, os, signal, socket, sys, threading

# The test's threads block SIGTERM, and a child inherits the mask: unblocked, the test's stop ends
# this process at once. Its stdin is a pipe from the test: when the test goes, so does the sink.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, signal.SIG_DFL)


def exit_with_stdin():
    while sys.stdin.buffer.read(65536):
        pass
    os._exit(0)


threading.Thread(target=exit_with_stdin, daemon=True).start()

p = argparse.ArgumentParser()
p.add_argument("--status-at", action="append", default=[])
p.add_argument("--close-at", type=int, action="append", default=[])
p.add_argument("--drop-at", type=int, action="append", default=[])
p.add_argument("--hang-at", type=int, action="append", default=[])
p.add_argument("--close-new", type=int, default=0)
p.add_argument("--port", type=int, default=0)
a = p.parse_args()
status_at = {int(n): int(c) for n, c in (s.split(":") for s in a.status_at)}
lock = threading.Lock()
count = 0


def read_request(f):
    line = f.readline()
    if not line:
        return None
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return headers, body


def serve(conn):
    global count
    f = conn.makefile("rb")
    try:
        while True:
            request = read_request(f)
            if request is None:
                return
            headers, body = request
            with lock:
                count += 1
                n = count
            code = 0 if n in a.drop_at or n in a.hang_at else status_at.get(n, 201)
            print("REQ " + json.dumps({"n": n, "status": code, "type": headers.get("content-type", ""),
                                       "body": body.decode("utf-8", "replace")}), flush=True)
            if code == 0 and n in a.hang_at:
                while conn.recv(65536):  # until the client gives up on it
                    pass
            if code == 0:
                return
            close = n in a.close_at
            text = b"queued messages: 1\r\n"
            conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n%s\r\n" % (code, len(text), b"Connection: close\r\n" if close else b"") + text)
            if close:
                return
    except OSError:
        return
    finally:
        linger(conn)


def linger(conn):
    """Closes as nginx does (lingering close): a close with unread requests in the socket would
    send a reset that can destroy the answer before the client reads it."""
    try:
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(5)
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", a.port))
s.listen(16)
print(f"PORT={s.getsockname()[1]}", flush=True)
accepted = 0
while True:
    c, _ = s.accept()
    accepted += 1
    if accepted <= a.close_new:
        print(f"CLOSED {accepted}", flush=True)
        c.close()
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
