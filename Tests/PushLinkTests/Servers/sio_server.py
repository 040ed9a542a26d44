#!/usr/bin/env python3
"""A python-socketio server (aiohttp) for PushLink's Socket.IO tests.

    python3 sio_server.py [--port 0] [--ttl 120] [--namespace /] [--start 1] [--count 100]
                          [--stop-after 0] [--polling-only] [--reject MESSAGE] [--binary]
                          [--require-auth TOKEN]

Listens on 127.0.0.1 and prints PORT=<n>. When a client emits "subscribe" on --namespace, the
server prints SUBSCRIBE=<payload as JSON> and emits "tick" events with {"n": N} for N from
--start to --start + --count - 1 (with --stop-after K, only up to K, then nothing more).
With --binary each tick also carries a bytes attachment (b"\\x00\\x01" + N as 4 bytes).
--polling-only serves HTTP long-polling alone (no WebSocket upgrade). --reject refuses every
namespace connection with MESSAGE (a CONNECT_ERROR, "44"). --require-auth refuses a connection
whose auth payload is not {"token": TOKEN}. Prints CONNECT=<sid> and the transport for each.
"""
import argparse, asyncio, json, signal

import socketio
from aiohttp import web


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    p.add_argument("--namespace", default="/")
    p.add_argument("--start", type=int, default=1)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--stop-after", type=int, default=0)
    p.add_argument("--polling-only", action="store_true")
    p.add_argument("--reject")
    p.add_argument("--binary", action="store_true")
    p.add_argument("--require-auth")
    p.add_argument("--ping-interval", type=float, default=2)
    p.add_argument("--late-after", type=float, default=0, help="one more tick this many seconds after the last")
    args = p.parse_args()

    transports = ["polling"] if args.polling_only else ["polling", "websocket"]
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=transports, ping_interval=args.ping_interval, ping_timeout=3,
                               max_http_buffer_size=64 << 20)
    app = web.Application()
    sio.attach(app)

    @sio.on("connect", namespace=args.namespace)
    async def connect(sid, environ, auth=None):
        if args.reject:
            raise socketio.exceptions.ConnectionRefusedError(args.reject)
        if args.require_auth and (auth or {}).get("token") != args.require_auth:
            raise socketio.exceptions.ConnectionRefusedError("bad token")
        print("CONNECT=%s AUTH=%s" % (sid, json.dumps(auth)), flush=True)

    @sio.on("subscribe", namespace=args.namespace)
    async def subscribe(sid, data=None):
        print("SUBSCRIBE=%s TRANSPORT=%s" % (json.dumps(data), sio.transport(sid, namespace=args.namespace)), flush=True)
        last = args.start + args.count - 1
        if args.stop_after:
            last = min(last, args.stop_after)
        for n in range(args.start, last + 1):
            if args.binary:
                await sio.emit("tick", ({"n": n}, b"\x00\x01" + n.to_bytes(4, "big")), to=sid, namespace=args.namespace)
            else:
                await sio.emit("tick", {"n": n}, to=sid, namespace=args.namespace)
            if n % 200 == 0:
                await asyncio.sleep(0)
        if args.late_after:
            await asyncio.sleep(args.late_after)
            await sio.emit("tick", {"n": last + 1}, to=sid, namespace=args.namespace)

    async def run():
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, reuse_address=True)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        print("PORT=%d" % port, flush=True)
        stop = asyncio.get_running_loop().create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        await asyncio.wait([stop], timeout=args.ttl)
        await runner.cleanup()

    asyncio.run(run())


if __name__ == "__main__":
    main()
