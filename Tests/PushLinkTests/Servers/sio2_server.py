#!/usr/bin/env python3
"""A Socket.IO 2.x server (python-socketio 4.6 on python-engineio 3.14, Engine.IO protocol v3) for
the test that livetop says so once instead of retrying. Run with the interpreter of the venv
Scripts/test.sh makes for it (LIVETOP_SOCKETIO2_PYTHON), not the system's python-socketio 5.

    python sio2_server.py [--port 0] [--ttl 120]

Listens on 127.0.0.1 and prints ENGINEIO=<python-engineio's version> and PORT=<n>, then one REQUEST=<EIO version> <transport> <HTTP status>
line for every Engine.IO request it answers, so the test can count the client's attempts.
"""
import argparse, asyncio, signal
from urllib.parse import parse_qs

import engineio, socketio
from aiohttp import web


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()

    sio = socketio.AsyncServer(async_mode="aiohttp")
    app = web.Application()

    @web.middleware
    async def count(request, handler):
        response = await handler(request)
        if request.path.startswith("/socket.io"):
            query = parse_qs(request.query_string)
            print("REQUEST=%s %s %d" % (query.get("EIO", ["-"])[0], query.get("transport", ["-"])[0], response.status), flush=True)
        return response

    app.middlewares.append(count)
    sio.attach(app)

    async def run():
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, reuse_address=True)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        print("ENGINEIO=%s" % engineio.__version__, flush=True)
        print("PORT=%d" % port, flush=True)
        stop = asyncio.get_running_loop().create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        await asyncio.wait([stop], timeout=args.ttl)
        await runner.cleanup()

    asyncio.run(run())


if __name__ == "__main__":
    main()
