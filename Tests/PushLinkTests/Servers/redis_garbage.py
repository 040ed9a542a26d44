#!/usr/bin/env python3
"""A fake "Redis" that answers every connection with bytes that are not RESP, for the tests of
livetop's one-line errors.

    python3 redis_garbage.py --mode http|badlength|nolf [--ttl 120]

Listens on 127.0.0.1 (a free port), prints PORT=<n>; reads the client's first bytes, answers
as --mode says, and closes:
  http       an HTTP answer (a web server where Redis was expected)
  badlength  the start of a RESP push whose bulk length is not a number
  nolf       a status line whose CR is not followed by LF
"""
import argparse, asyncio, signal

ANSWERS = {
    "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "badlength": b"*3\r\n$9\r\nsubscribe\r\n$x1\r\n",
    "nolf": b"+OK\rX\r\n",
}


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=sorted(ANSWERS), required=True)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()

    async def handle(reader, writer):
        try:
            await reader.read(4096)
            writer.write(ANSWERS[args.mode])
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("PORT=%d" % server.sockets[0].getsockname()[1], flush=True)
    # Serves until the test stops it (SIGTERM), or --ttl as a backstop if the test never does.
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    try:
        await asyncio.wait_for(stop, args.ttl)
    except asyncio.TimeoutError:
        pass
    server.close()


asyncio.run(main())
