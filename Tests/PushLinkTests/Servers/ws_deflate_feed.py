#!/usr/bin/env python3
"""A WebSocket feed with permessage-deflate on (Python `websockets`' default), for PushLink's tests.

    python3 ws_deflate_feed.py [--port 0] [--ttl 120] [--count 2000] [--no-compression]

Listens on 127.0.0.1, prints PORT=<n> once listening. Each connection gets --count JSON
messages shaped like a metrics feed ({"seq":N,"host":"demo-1","cpu_pct":…,"services":{…}}),
then a close with 1000. Prints EXT=<negotiated extensions> for each connection.
"""
import argparse, asyncio, json, signal, sys

try:
    from websockets.asyncio.server import serve
except ImportError:
    from websockets import serve


def message(n):
    services = {name: {"status": "up", "latency_ms": round(10 + (n * 7 + i) % 40 / 3, 1), "version": "2.3.1"}
                for i, name in enumerate(["api", "auth", "billing", "search", "payments", "cache"])}
    return json.dumps({"seq": n, "host": "demo-1", "cpu_pct": round(20 + n % 17 / 3, 1), "services": services},
                      separators=(",", ":"))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--no-compression", action="store_true")
    args = p.parse_args()

    async def handler(ws):
        extensions = getattr(ws, "extensions", None) or getattr(getattr(ws, "protocol", None), "extensions", [])
        print("EXT=" + ",".join(e.name for e in extensions), flush=True)
        for n in range(1, args.count + 1):
            await ws.send(message(n))
        await ws.close(1000, "done")

    kwargs = {"compression": None} if args.no_compression else {}
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with serve(handler, "127.0.0.1", args.port, **kwargs) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print("PORT=%d" % port, flush=True)
        await asyncio.wait([stop], timeout=args.ttl)


if __name__ == "__main__":
    asyncio.run(main())
