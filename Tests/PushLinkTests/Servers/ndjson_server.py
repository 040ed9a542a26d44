#!/usr/bin/env python3
"""A streamed-JSON feed in the style of a Kubernetes watch, for PushLink's tests (stdlib only).

    python3 ndjson_server.py [--port 0] [--ttl 120] [--total 1000] [--stop-after 0]
                             [--interval-ms 0] [--content-type application/x-ndjson] [--oldest 0]

Listens on 127.0.0.1 and prints PORT=<n> once listening. Every request prints "REQ <path>".

  GET /watch?resourceVersion=RV   one long chunked response: a line per event
      {"type":"ADDED","object":{"metadata":{"resourceVersion":"N"},"n":N}} for N after RV (from 1
      without RV) up to --total, then the response stays open (a watch has no end).
      With --stop-after K the server sends nothing past N = K (a test then stops it and starts
      another on the same port: the resumed watch must ask for RV = K).
      An RV below --oldest is answered 410 Gone (the server no longer has it).
  GET /seq                        the same events as RFC 7464 records (RS, JSON, LF) with
                                  Content-Type application/json-seq, then the response ends.
Any answer's Content-Type is --content-type (/seq excepted), whatever the Accept header
asks for, so a client that asked for an event stream gets streamed JSON instead.
A request with `Upgrade: websocket` is answered 404: there is no WebSocket here.
"""
import argparse, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def event(n):
    return json.dumps({"type": "ADDED", "object": {"metadata": {"resourceVersion": str(n)}, "n": n}},
                      separators=(",", ":")).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        args = self.server.args
        print("REQ " + self.path, flush=True)
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        url = urlparse(self.path)
        query = parse_qs(url.query)
        rv = int(query.get("resourceVersion", ["0"])[0] or 0)
        if url.path == "/seq":
            body = b"".join(b"\x1e" + event(n) + b"\n" for n in range(1, args.total + 1))
            self.send_response(200)
            self.send_header("Content-Type", "application/json-seq")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            return
        if url.path != "/watch":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if rv and rv < args.oldest:
            body = b'{"kind":"Status","code":410,"reason":"Expired"}'
            self.send_response(410)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", args.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        last = args.stop_after or args.total
        try:
            n = rv + 1
            while n <= last:
                # Several events per chunk, as a busy server writes them.
                end = min(last, n + 49)
                self.chunk(b"".join(event(i) + b"\n" for i in range(n, end + 1)))
                n = end + 1
                if args.interval_ms:
                    time.sleep(args.interval_ms / 1000)
            while True:  # a watch stays open; a blank line now and then is a keep-alive
                time.sleep(0.5)
                self.chunk(b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    p.add_argument("--total", type=int, default=1000)
    p.add_argument("--stop-after", type=int, default=0)
    p.add_argument("--interval-ms", type=float, default=0)
    p.add_argument("--content-type", default="application/x-ndjson")
    p.add_argument("--oldest", type=int, default=0)
    args = p.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.args = args
    print("PORT=%d" % server.server_address[1], flush=True)
    threading.Timer(args.ttl, lambda: server.shutdown()).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
