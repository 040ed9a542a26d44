#!/usr/bin/env python3
"""A WebSocket feed of hostile data, for livetop's end-to-end tests.

    python3 hostile_feed.py [--port 0] [--ttl 120]

Listens on 127.0.0.1, prints PORT=<n> once listening. Each connection gets the messages of
MESSAGES in order (built once, before listening), then {"done":true}, and stays open until the
client leaves: JSON nested 100,000 deep, a 10 MB string, a million distinct keys in one message,
1e999 and -0, lone surrogates in \\u escapes, every C0 and C1 control, ESC/CSI/OSC sequences (a
window title among them) and bidi overrides in keys and values, raw and escaped.
"""
import argparse, asyncio, signal

try:
    from websockets.asyncio.server import serve
except ImportError:
    from websockets import serve

TITLE = "\x1b]0;PWNED-TITLE\x07"           # would set the window title
TITLE2 = "\x1b]2;PWNED-TITLE2\x1b\\"      # the same with ST
CLEAR = "\x1b[2J\x1b[H\x1b[31m"           # clear the screen, home, red
RLO = "\u202e"                            # right-to-left override


def escaped(text):
    """A JSON string literal with every non-ASCII and control character as a \\u escape."""
    return '"' + "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else "\\u%04x" % ord(c) for c in text) + '"'


def build():
    controls = "".join(chr(c) for c in list(range(0x00, 0x20)) + list(range(0x7f, 0xa0)))
    million = "{" + ",".join('"%x":0' % i for i in range(1_000_000)) + "}"
    return [
        "[" * 100_000 + "]" * 100_000,                                   # too deep for the parser's limit
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"big":"' + "x" * 10_000_000 + '"}',                            # 10 MB string
        million,                                                         # a million distinct keys
        '{"huge":1e999,"tiny":1e-999,"negzero":-0,"negzero2":-0.0,"big":123456789012345678901234567890}',
        r'{"lone":"\ud800 high \udfff low \udc00\ud800 reversed"}',   # lone surrogates
        '{"controls":' + escaped(controls) + "}",                         # every C0 and C1, escaped in JSON
        '{"c1raw":"' + "".join(chr(c) for c in range(0x80, 0xa0)) + '"}',  # C1 as raw UTF-8 (valid JSON)
        "{" + escaped(TITLE + "key") + ":" + escaped(CLEAR + "value" + TITLE2) + ","
            + escaped("bidi" + RLO + "key") + ":" + escaped(RLO + "gnp.exe") + "}",
        TITLE + CLEAR + "raw text, not JSON " + RLO + "evil",         # raw escapes in a non-JSON message
        '{"done":true}',
    ]


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    args = p.parse_args()
    messages = build()

    async def handler(ws):
        for m in messages:
            await ws.send(m)
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", args.port, max_size=None, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT={port}", flush=True)
        stop = asyncio.get_running_loop().create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
        try:
            await asyncio.wait_for(stop, args.ttl)
        except asyncio.TimeoutError:
            pass


asyncio.run(main())
