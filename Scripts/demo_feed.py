#!/usr/bin/env python3
"""A small SSE feed for screenshots: a ticker or host metrics (Python stdlib only).

    python3 Scripts/demo_feed.py ticker|metrics [--port 0] [--ttl 60] [--interval-ms 100]

Prints PORT=<n> once listening on 127.0.0.1. Every connection gets a text/event-stream of JSON
messages: `ticker` sends quotes {"symbol","px","change","volume","venue"} for a few symbols;
`metrics` sends {"cpu","load","memory":{...},"net":{...},"host","uptime_s","healthy"}.
Deterministic (seeded) so captures are stable in shape.
"""
import argparse, json, math, random, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SYMBOLS = {"BTC-USD": 64123.5, "ETH-USD": 3100.25, "SOL-USD": 150.1, "ADA-USD": 0.45, "DOGE-USD": 0.16}


def messages(kind):
    rnd, i = random.Random(42), 0
    px = dict(SYMBOLS)
    while True:
        i += 1
        if kind == "ticker":
            sym = list(px)[i % len(px)]
            old = px[sym]
            px[sym] = round(old * (1 + rnd.uniform(-0.002, 0.002)), 4)
            yield {"symbol": sym, "px": px[sym], "change": round(px[sym] - SYMBOLS[sym], 4),
                   "volume": rnd.randint(1, 500), "venue": ["coinbase", "kraken", "binance"][i % 3]}
        else:
            yield {"cpu": round(0.35 + 0.3 * math.sin(i / 7) + rnd.uniform(0, 0.05), 3),
                   "load": round(1.2 + math.sin(i / 11), 2),
                   "memory": {"used_mb": 3100 + (i * 7) % 400, "total_mb": 8192, "swap_mb": 0},
                   "net": {"rx_kbps": round(900 + 300 * math.sin(i / 5), 1), "tx_kbps": round(200 + 80 * math.cos(i / 6), 1)},
                   "host": "db-1.example", "uptime_s": 86400 + i, "healthy": True}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["ticker", "metrics"])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=60)
    p.add_argument("--interval-ms", type=float, default=100)
    a = p.parse_args()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.headers.get("Upgrade", "").lower() == "websocket":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for m in messages(a.kind):
                    self.wfile.write(b"data: " + json.dumps(m, separators=(",", ":")).encode() + b"\n\n")
                    self.wfile.flush()
                    time.sleep(a.interval_ms / 1000)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    threading.Timer(a.ttl, server.shutdown).start()
    print(f"PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
