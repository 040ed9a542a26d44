#!/usr/bin/env python3
"""WebSocket echo server for PushLink's interop tests (Python `websockets`).

    python3 ws_echo.py [--port N] [--ttl SECONDS] [--certfile F --keyfile F]

Listens on 127.0.0.1 (port 0 = a free port), prints `PORT=<n>` on stdout once
listening, and echoes every message back as it came: text as text, binary as
binary. With --certfile/--keyfile it speaks wss:// (e.g. a self-signed
certificate made by openssl in the test). It accepts messages up to 64 MiB so
that size-limit tests are decided by the client under test, not by this
server. It never pings on its own (it still answers pings), so a client's
dead-connection timer sees only what the client asked for.

It exits by itself after --ttl seconds (default 120), and promptly on SIGTERM
or SIGINT, closing open connections with 1001 (going away): a test that dies
cannot leave it behind for long.
"""

import argparse
import asyncio
import signal
import ssl
import sys

try:  # websockets >= 13: the asyncio implementation
    from websockets.asyncio.server import serve
    LEGACY = False
except ImportError:  # older websockets (e.g. Debian's python3-websockets 10.4)
    from websockets import serve
    LEGACY = True

MAX_SIZE = 64 * 1024 * 1024


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: pick a free one)")
    p.add_argument("--ttl", type=float, default=120.0, help="exit after this many seconds")
    p.add_argument("--certfile", help="PEM certificate (chain): serve wss://")
    p.add_argument("--keyfile", help="PEM private key for --certfile")
    args = p.parse_args()
    if bool(args.certfile) != bool(args.keyfile):
        p.error("--certfile and --keyfile go together")
    return args


async def echo(ws, path=None):  # `path` only for old legacy handlers
    try:
        async for message in ws:  # str for text frames, bytes for binary
            await ws.send(message)
    except Exception:  # a client that vanishes mid-message is normal in tests
        pass


async def main(args):
    ssl_context = None
    if args.certfile:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(args.certfile, args.keyfile)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None))

    async with serve(echo, "127.0.0.1", args.port, ssl=ssl_context,
                     max_size=MAX_SIZE, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT={port}", flush=True)
        try:
            await asyncio.wait_for(stop, timeout=args.ttl)
        except asyncio.TimeoutError:
            print(f"ttl of {args.ttl:g} s reached, exiting", file=sys.stderr, flush=True)
        # Leaving the `async with` closes the listener and every connection
        # (1001); bound that so a stuck peer cannot hold the exit up.
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), timeout=2)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args()))
    except KeyboardInterrupt:
        pass
