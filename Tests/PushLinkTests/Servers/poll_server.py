#!/usr/bin/env python3
"""Generic long-poll and SSE feeds for PushLink's tests (Python stdlib only).

    python3 poll_server.py [--port 0] [--ttl 120] [--total 300] [--per-poll 3]
                           [--interval-ms 2] [--keep 100000] [--burst-after-first 0]
                           [--sse-per-connection 0] [--hold 1.5]

Listens on 127.0.0.1, prints PORT=<n> once listening, then produces messages {"n":1},
{"n":2}, ... up to --total, one every --interval-ms, keeping the last --keep of them.
Every request prints one line "REQ <path>" on stdout. Endpoints:

  /poll?cursor=C        the `?cursor=` style: {"messages":[...]} with X-Next-Cursor (items after C)
  /v1/kv?index=I        Consul style: a JSON array, X-Consul-Index
  /db/_changes?since=S  CouchDB style: {"results":[...],"last_seq":N}
  /sse                  text/event-stream, `id:` = n, honours Last-Event-ID, sends `retry: 50`;
                        ends the response after --sse-per-connection events (0: never)

A poll returns at most --per-poll messages; with nothing new it holds the request up to
--hold seconds, then answers 204 (no cursor), [] (Consul) or an empty result (CouchDB). The
hold is longer than livetop's PollSchedule.heldThreshold (1 s): an answer that comes sooner
with the same cursor is a plain REST resource's, and livetop would poll it at an interval. A cursor older
than the oldest kept message is answered 410 (the client must reset it). With
--burst-after-first N, N messages are produced at once after the first poll is answered
(with --keep small, the next poll then finds its cursor gone). A request with
`Upgrade: websocket` is answered 404: there is no WebSocket here.
"""
import argparse, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Feed:
    def __init__(self, args):
        self.args, self.cond = args, threading.Condition()
        self.messages = []  # (n, bytes), the last --keep
        self.produced = 0
        self.burst_done = False

    def produce(self, count=1):
        with self.cond:
            for _ in range(count):
                if self.produced >= self.args.total:
                    break
                self.produced += 1
                self.messages.append((self.produced, json.dumps({"n": self.produced}, separators=(",", ":")).encode()))
            del self.messages[:-self.args.keep]
            self.cond.notify_all()

    def run(self):
        while self.produced < self.args.total:
            self.produce()
            time.sleep(self.args.interval_ms / 1000)

    def after(self, cursor, limit, hold=0.5):
        """Messages after `cursor` (None: from the oldest kept); 'gone' if the cursor is too old."""
        deadline = time.time() + hold
        with self.cond:
            while True:
                oldest = self.messages[0][0] if self.messages else self.produced + 1
                if cursor is not None and cursor < oldest - 1:
                    return "gone"
                items = [m for m in self.messages if cursor is None or m[0] > cursor][:limit]
                if items or time.time() >= deadline:
                    return items
                self.cond.wait(max(0.0, deadline - time.time()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in [("port", 0), ("total", 300), ("per-poll", 3), ("keep", 100000),
                          ("burst-after-first", 0), ("sse-per-connection", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--interval-ms", type=float, default=2)
    p.add_argument("--hold", type=float, default=1.5)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()
    feed = Feed(args)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_GET(self):
            print("REQ " + self.path, flush=True)
            if self.headers.get("Upgrade", "").lower() == "websocket":
                return self.reply(404, b"no websocket here\n", [("Content-Type", "text/plain")])
            url = urlparse(self.path)
            q = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path == "/poll":
                return self.poll(q.get("cursor"), lambda items, last: (
                    json.dumps({"messages": [json.loads(b) for _, b in items]}).encode(), [("X-Next-Cursor", str(last))]),
                    empty=204)
            if url.path == "/v1/kv":
                return self.poll(q.get("index"), lambda items, last: (
                    b"[" + b",".join(b for _, b in items) + b"]", [("X-Consul-Index", str(last))]), empty=None)
            if url.path == "/db/_changes":
                return self.poll(q.get("since"), lambda items, last: (
                    json.dumps({"results": [json.loads(b) for _, b in items], "last_seq": last}).encode(), []), empty=None)
            if url.path == "/sse":
                return self.sse()
            self.reply(404, b"not found\n")

        def poll(self, cursor, render, empty):
            cursor = int(cursor) if cursor not in (None, "") else None
            items = feed.after(cursor, args.per_poll, hold=args.hold)
            if items == "gone":
                return self.reply(410, b"cursor gone\n", [("Content-Type", "text/plain")])
            if not items and empty == 204:
                return self.reply(204)
            last = items[-1][0] if items else (cursor or 0)
            body, headers = render(items, last)
            self.reply(200, body, [("Content-Type", "application/json")] + headers)
            if args.burst_after_first and not feed.burst_done:
                feed.burst_done = True
                feed.produce(args.burst_after_first)

        def sse(self):
            last = self.headers.get("Last-Event-ID")
            cursor = int(last) if last else None
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"\xef\xbb\xbf: a comment first, after a BOM\r\nretry: 50\r\n\r\n")
            sent = 0
            try:
                while args.sse_per_connection == 0 or sent < args.sse_per_connection:
                    items = feed.after(cursor, 50)
                    if items == "gone" or (not items and feed.produced >= args.total):
                        break
                    for n, body in items:
                        self.wfile.write(b"id: %d\nevent: tick\ndata: %s\n\n" % (n, body))
                        cursor, sent = n, sent + 1
                        if sent == args.sse_per_connection:
                            break
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=feed.run, daemon=True).start()
    threading.Timer(args.ttl, server.shutdown).start()
    print(f"PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
