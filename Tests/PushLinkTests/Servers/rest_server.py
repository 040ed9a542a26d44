#!/usr/bin/env python3
"""A plain REST resource for PushLink's interval-polling tests (Python stdlib only).

    python3 rest_server.py [--port 0] [--ttl 120] [--etag] [--change-at 0]
                           [--throttle-at 0] [--retry-after 3] [--retry-after-date]

Listens on 127.0.0.1, prints PORT=<n> once listening. Every GET is answered at once with
200 and application/json {"status":"ok","version":V}, V = 1, or 2 from request number
--change-at on (0: never). No long-poll, no cursor.

  --etag              the answer carries Etag "vV" (and Last-Modified); a request whose
                      If-None-Match matches the current Etag is answered 304 with no body
  --throttle-at N     request number N is answered 429 with Retry-After: --retry-after
                      (seconds), or with that many seconds as an HTTP-date
                      (--retry-after-date, next to the answer's own Date header)

Each request prints one line on stdout before it is answered:
    REQ n=<number> t=<monotonic seconds> status=<status> inm=<If-None-Match or ->
"""
import argparse, json, threading, time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    p.add_argument("--etag", action="store_true")
    p.add_argument("--change-at", type=int, default=0)
    p.add_argument("--throttle-at", type=int, default=0)
    p.add_argument("--retry-after", type=int, default=3)
    p.add_argument("--retry-after-date", action="store_true")
    args = p.parse_args()
    lock = threading.Lock()
    count = [0]
    # One Last-Modified per version, fixed when the server starts.
    modified = {1: formatdate(time.time() - 60, usegmt=True), 2: formatdate(time.time(), usegmt=True)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            with lock:
                count[0] += 1
                n = count[0]
            version = 2 if args.change_at and n >= args.change_at else 1
            etag = '"v%d"' % version
            inm = self.headers.get("If-None-Match")
            if args.throttle_at and n == args.throttle_at:
                status = 429
            elif args.etag and inm == etag:
                status = 304
            else:
                status = 200
            print("REQ n=%d t=%.6f status=%d inm=%s" % (n, time.monotonic(), status, inm or "-"), flush=True)
            self.send_response(status)
            if status == 429:
                retry = formatdate(time.time() + args.retry_after, usegmt=True) if args.retry_after_date else str(args.retry_after)
                body = b"slow down\n"
                self.send_header("Retry-After", retry)
                self.send_header("Content-Type", "text/plain")
            elif status == 304:
                body = b""
            else:
                body = json.dumps({"status": "ok", "version": version}, separators=(",", ":")).encode()
                self.send_header("Content-Type", "application/json")
            if args.etag and status != 429:
                self.send_header("Etag", etag)
                self.send_header("Last-Modified", modified[version])
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Timer(args.ttl, server.shutdown).start()
    print(f"PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
