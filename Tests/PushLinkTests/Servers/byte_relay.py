#!/usr/bin/env python3
"""A TCP relay that counts the bytes it carries, for measuring what crosses the wire.

    python3 byte_relay.py --target PORT [--port 0] [--ttl 120]

Listens on 127.0.0.1, prints PORT=<n>; every connection is forwarded to 127.0.0.1:TARGET, and
when it ends the relay prints "DOWN=<bytes from the target> UP=<bytes to it>".
"""
import argparse, asyncio, signal


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", type=int, required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()

    async def pipe(reader, writer, counter, key):
        try:
            while data := await reader.read(65536):
                counter[key] += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        target_reader, target_writer = await asyncio.open_connection("127.0.0.1", args.target)
        counter = {"down": 0, "up": 0}
        await asyncio.gather(pipe(client_reader, target_writer, counter, "up"),
                             pipe(target_reader, client_writer, counter, "down"))
        print("DOWN=%d UP=%d" % (counter["down"], counter["up"]), flush=True)

    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    print("PORT=%d" % server.sockets[0].getsockname()[1], flush=True)
    # Serves until the test stops it (SIGTERM), or --ttl as a backstop if the test never does.
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await asyncio.wait([stop], timeout=args.ttl)


if __name__ == "__main__":
    asyncio.run(main())
