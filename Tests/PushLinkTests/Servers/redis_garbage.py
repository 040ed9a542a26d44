#!/usr/bin/env python3
"""A fake "Redis" for the tests of livetop's one-line errors and of RedisPublisher's retries.

    python3 redis_garbage.py --mode MODE [--ttl 120]

Listens on 127.0.0.1 (a free port) and prints PORT=<n>. Modes:
  http       reads the client's first bytes, answers with HTTP (a web server where Redis was
             expected), closes
  badlength  answers with the start of a RESP push whose bulk length is not a number, closes
  nolf       answers with a status line whose CR is not followed by LF, closes
  loading    speaks enough RESP for a publisher: the first connection gets "-LOADING" for every
             command but PING (as a Redis loading its dataset does); later ones get +PONG for PING, +OK
             for AUTH/SELECT and :1 for PUBLISH, printing PUBLISHED=<payload> for each
  noperm     like loading's later connections, but PUBLISH gets "-NOPERM"
"""
import argparse, asyncio, signal

GARBAGE = {
    "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "badlength": b"*3\r\n$9\r\nsubscribe\r\n$x1\r\n",
    "nolf": b"+OK\rX\r\n",
}


async def read_command(reader):
    """One command as a client sends it (an array of bulk strings), or None at the end."""
    header = await reader.readline()
    if not header:
        return None
    assert header.startswith(b"*"), header
    words = []
    for _ in range(int(header[1:])):
        length = int((await reader.readline())[1:])
        words.append((await reader.readexactly(length + 2))[:-2])
    return words


async def main():
    # A child of Foundation's Process inherits the test thread's blocked signals: unblock SIGTERM,
    # or the test's stop never reaches this server and it lives until --ttl.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=sorted(GARBAGE) + ["loading", "noperm"], required=True)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()
    connections = 0

    async def handle(reader, writer):
        nonlocal connections
        connections += 1
        first = connections == 1
        try:
            if args.mode in GARBAGE:
                await reader.read(4096)
                writer.write(GARBAGE[args.mode])
                await writer.drain()
                return
            while (words := await read_command(reader)) is not None:
                name = words[0].upper()
                if args.mode == "loading" and first and name != b"PING":
                    writer.write(b"-LOADING Redis is loading the dataset in memory\r\n")
                elif name == b"PING":
                    writer.write(b"+PONG\r\n")
                elif name == b"PUBLISH" and args.mode == "noperm":
                    writer.write(b"-NOPERM this user has no permissions to access the channel\r\n")
                elif name == b"PUBLISH":
                    print("PUBLISHED=" + words[2].decode(), flush=True)
                    writer.write(b":1\r\n")
                else:
                    writer.write(b"+OK\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
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
