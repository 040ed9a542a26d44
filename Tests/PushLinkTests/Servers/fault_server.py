#!/usr/bin/env python3
"""A misbehaving feed server for livetop's fault tests: WebSocket, long-poll and SSE peers that
break the protocols on purpose. Python stdlib only (asyncio over raw sockets), because no
WebSocket or HTTP library sends these faults.

    python3 fault_server.py [--port 0] [--ttl 120] [--instance NAME]

Listens on 127.0.0.1 and prints PORT=<n> (the line ExternalProcess.startServer waits for) and
READY <n> once listening. The fault is chosen per request by its path, so one server serves
every test. Log lines on stdout:

    REQ <path>                 every request (the query included; for SSE, LAST_EVENT_ID=<id> too)
    CLOSE <path> <code|none>   the close frame a WebSocket client sent back (or none before EOF)
    SENT <path> <bytes>        for /fault/huge*: payload bytes written before the client went away

Every message is JSON with a sequence number: {"seq":N,...}. Counters are kept per path (the
query ignored) for the life of the process, so the messages of successive connections go on
where the last connection stopped: a client that loses or repeats nothing sees 1, 2, 3, ...

WebSocket (ws://127.0.0.1:P/fault/NAME[?good=3]): the handshake is answered properly (no
extension agreed), then `good` good messages are sent (the first is fragmented in the middle
of a 4-byte UTF-8 character: valid, and must be delivered whole), then, in the same write:

    rsv              a text frame with RSV2 set                           -> 1002
    opcode           a frame with the reserved opcode 0x3                 -> 1002
    masked           a masked text frame                                  -> 1002
    continuation     a continuation frame with no message started         -> 1002
    fragmented-ping  a ping without FIN                                   -> 1002
    control-too-long a ping of 126 bytes                                  -> 1002
    garbage          4 KiB of (seeded) random bytes                       -> 1002
    utf8             a text frame that is not UTF-8 (0xC3 0x28)           -> 1007
    huge             a text frame whose header says 64 MiB, then the payload streamed -> 1009
    huge-fragmented  a 64 MiB text message in 1 MiB fragments             -> 1009
    silent           nothing more, ever; the socket stays open (a dead peer)
    reset            a TCP reset (SO_LINGER 0)
    close1008        a close frame 1008 "policy: you are not welcome here"
    restart          a message every 20 ms until the process is killed (each names --instance)
After a protocol fault, two more good-looking messages {"after":true} follow in the same
write: a client that failed the connection must not deliver them.

Upgrade faults (the answer to the handshake itself):
    no-answer        the request is read and never answered
    bad-accept       101 with a wrong Sec-WebSocket-Accept
    404, 426         404 Not Found / 426 Upgrade Required; a plain GET of the same path (the
                     client's fallback) is served as the SSE feed below

Long-poll (http://127.0.0.1:P/poll/NAME?cursor=C): the reference convention: a JSON array of
at most 3 messages after C with X-Next-Cursor; when all `total` (12) were sent, 204 after a
hold of `hold` seconds (a query parameter, 1.5 by default: longer than livetop's 1 s
PollSchedule.heldThreshold, so a held poll) before anything is sent. The Nth request of the
path (from 1) misbehaves for N in the fault's range:
    ok               never
    500              requests 2-7 answer 500 (a storm), the rest are fine
    truncated        request 2: Content-Length says 1000, 100 bytes come, then the connection closes
    oversized        request 2: 200 with a body of 64 MiB (Content-Length), streamed fast
    endless          request 2: 200 chunked, a chunk of spaces every 50 ms, never ending

SSE (http://127.0.0.1:P/sse/NAME): text/event-stream, `id:` = seq, honours Last-Event-ID,
`retry: 100`; events up to `total` (12), then a comment every 0.5 s. Faults, per connection:
    ok               never
    cut              first connection: 3 events, then half an event, and the connection ends
    longline         every connection: up to 3 events, then a 10 MB `data:` line with no newline,
                     then the connection stays open
"""
import argparse, asyncio, base64, hashlib, json, os, random, socket, struct, sys
from urllib.parse import parse_qs, urlparse

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TOTAL = 12
MIB = 1 << 20

counters = {}  # path -> last sequence number sent
requests = {}  # path -> requests seen
instance = ""


def log(line):
    print(line, flush=True)


def next_seq(path):
    counters[path] = counters.get(path, 0) + 1
    return counters[path]


def message(seq, **extra):
    body = {"seq": seq, "instance": instance, "s": "caf\u00e9 \u20ac \U0001F600"}
    body.update(extra)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def frame(opcode, payload, fin=True, rsv=0, mask=None, length=None):
    """One WebSocket frame as a server writes it (unmasked unless `mask` is given). `length`
    overrides the payload length in the header (a header that announces more than follows)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", n)
    if mask:
        head += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + payload


async def read_head(reader):
    data = await reader.readuntil(b"\r\n\r\n")
    lines = data.decode("latin-1").split("\r\n")
    method, target, _ = (lines[0].split(" ") + ["", "", ""])[:3]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def http_answer(status, reason, headers=(), body=b""):
    """A response head and body; `body` None: a body that ends when the connection does."""
    lines = ["HTTP/1.1 %d %s" % (status, reason)] + ["%s: %s" % h for h in headers]
    if body is not None and not any(h[0].lower() in ("content-length", "transfer-encoding") for h in headers):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


# MARK: WebSocket

PROTOCOL_FAULTS = {
    "rsv": lambda: frame(0x1, b'{"bad":"rsv2"}', rsv=0b010),
    "opcode": lambda: frame(0x3, b"reserved opcode"),
    "masked": lambda: frame(0x1, b'{"bad":"masked"}', mask=b"\x01\x02\x03\x04"),
    "continuation": lambda: frame(0x0, b'{"bad":"continuation"}'),
    "fragmented-ping": lambda: frame(0x9, b"ping", fin=False) + frame(0x0, b"more"),
    "control-too-long": lambda: frame(0x9, b"p" * 126),
    "garbage": lambda: random.Random(6455).randbytes(4096),
    "utf8": lambda: frame(0x1, b'{"bad":"\xc3\x28"}'),
}


async def read_client_close(reader, pong=None):
    """Reads the client's frames until its close frame or EOF; returns the close code or None.
    Sets `pong` (an asyncio.Event) when a pong comes."""
    try:
        while True:
            b0, b1 = await reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await reader.readexactly(8))[0]
            mask = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(await reader.readexactly(n)))
            if b0 & 0x0F == 0xA and pong is not None:
                pong.set()
            if b0 & 0x0F == 0x8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else "none"
    except (asyncio.IncompleteReadError, ConnectionError, OSError):
        return None


def good_messages(path, count):
    """`count` good text messages; the first is sent in two fragments cut inside a 4-byte character."""
    out = b""
    for i in range(count):
        payload = message(next_seq(path))
        if i == 0:
            cut = payload.index("\U0001F600".encode()) + 2
            out += frame(0x1, payload[:cut], fin=False) + frame(0x0, payload[cut:])
        else:
            out += frame(0x1, payload)
    return out


async def websocket(reader, writer, path, fault, query, headers):
    key = headers.get("sec-websocket-key", "").encode()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    if fault == "no-answer":
        await reader.read()  # until the client gives up
        return
    if fault in ("404", "426"):
        status = {"404": (404, "Not Found"), "426": (426, "Upgrade Required")}[fault]
        writer.write(http_answer(*status, [("Content-Type", "text/plain"), ("Connection", "close")], b"no websocket here\n"))
        await writer.drain()
        return
    if fault == "bad-accept":
        accept = base64.b64encode(hashlib.sha1(b"not the key" + GUID).digest()).decode()
    writer.write(http_answer(101, "Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                                          ("Sec-WebSocket-Accept", accept)]))
    if fault == "bad-accept":
        await writer.drain()
        await reader.read()
        return
    # The client's frames are read all along: its close frame is seen even while a huge message
    # is still being written, or after a reset of the connection.
    pong = asyncio.Event()
    closing = asyncio.ensure_future(read_client_close(reader, pong))
    good = int(query.get("good", ["3"])[0])
    out = good_messages(path, good)
    if fault in PROTOCOL_FAULTS:
        out += PROTOCOL_FAULTS[fault]()
        # What follows a protocol error must never be delivered.
        out += frame(0x1, b'{"after":true,"seq":-1}') + frame(0x1, b'{"after":true,"seq":-2}')
        writer.write(out)
        await writer.drain()
    elif fault in ("huge", "huge-fragmented"):
        writer.write(out)
        sent = 0
        try:
            if fault == "huge":
                writer.write(frame(0x1, b"", length=64 * MIB))
            chunk = b"x" * MIB
            for i in range(64):
                if fault == "huge-fragmented":
                    writer.write(frame(0x1 if i == 0 else 0x0, chunk, fin=i == 63))
                else:
                    writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except (ConnectionError, OSError):
            pass
        log("SENT %s %d" % (path, sent))
    elif fault == "silent":
        writer.write(out)
        await writer.drain()  # then pings are read and never answered, until the client goes away
    elif fault == "reset":
        # A ping after the messages: its pong says the client has read them, so the reset
        # cannot take them with it.
        writer.write(out + frame(0x9, b"read?"))
        await writer.drain()
        try:
            await asyncio.wait_for(pong.wait(), 10)
        except asyncio.TimeoutError:
            pass
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        closing.cancel()
        return
    elif fault == "close1008":
        reason = b"policy: you are not welcome here"
        writer.write(out + frame(0x8, struct.pack("!H", 1008) + reason))
        await writer.drain()
    elif fault == "restart":
        writer.write(out)
        try:
            while True:
                writer.write(frame(0x1, message(next_seq(path))))
                await writer.drain()
                await asyncio.sleep(0.02)  # the feed's pace (50 messages a second), not a wait
        except (ConnectionError, OSError):
            pass
    else:
        writer.write(out)
        await writer.drain()
    log("CLOSE %s %s" % (path, await closing))


# MARK: Long-poll

async def long_poll(reader, writer, path, fault, query):
    n = requests[path]
    cursor = int(query.get("cursor", ["0"])[0] or 0)
    if fault == "500" and 2 <= n <= 7:
        writer.write(http_answer(500, "Internal Server Error", [("Content-Type", "text/plain")], b"storm\n"))
        return
    if fault == "truncated" and n == 2:
        writer.write(http_answer(200, "OK", [("Content-Type", "application/json"), ("Content-Length", "1000"),
                                             ("X-Next-Cursor", str(cursor + 3))]) + b'[{"seq":' + b" " * 92)
        await writer.drain()
        writer.transport.abort()
        return
    if fault == "oversized" and n == 2:
        writer.write(http_answer(200, "OK", [("Content-Type", "application/json"), ("Content-Length", str(64 * MIB))]))
        try:
            writer.write(b"[")
            for _ in range(64):
                writer.write(b" " * MIB)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        return
    if fault == "endless" and n == 2:
        writer.write(http_answer(200, "OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
        try:
            while True:
                writer.write(b"400\r\n" + b" " * 1024 + b"\r\n")
                await writer.drain()
                await asyncio.sleep(0.05)  # a slow body (20 KB/s), so the time limit ends it, not the size
        except (ConnectionError, OSError):
            return
    if cursor >= TOTAL:
        # The server holds the poll, as Nchan does; longer than livetop's PollSchedule.heldThreshold
        # (1 s), so it is a held poll and not a REST resource's answer at once.
        await asyncio.sleep(float(query.get("hold", ["1.5"])[0]))
        writer.write(http_answer(204, "No Content", [("X-Next-Cursor", str(cursor))]))
        return
    last = min(TOTAL, cursor + 3)
    body = b"[" + b",".join(message(s) for s in range(cursor + 1, last + 1)) + b"]"
    writer.write(http_answer(200, "OK", [("Content-Type", "application/json"), ("X-Next-Cursor", str(last))], body))


# MARK: SSE

async def event_stream(reader, writer, path, fault, headers):
    n = requests[path]
    last = int(headers.get("last-event-id", "0") or 0)
    writer.write(http_answer(200, "OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                         ("Connection", "close")], None) + b"retry: 100\n\n")

    def event(seq):
        return b"id: %d\ndata: %s\n\n" % (seq, message(seq))

    if fault == "cut" and n == 1:
        writer.write(b"".join(event(s) for s in range(last + 1, last + 4)) + b'id: %d\ndata: {"seq":' % (last + 4))
        await writer.drain()
        writer.close()
        return
    if fault == "longline":
        writer.write(b"".join(event(s) for s in range(last + 1, min(3, TOTAL) + 1)) + b"data: ")
        try:
            for _ in range(10):
                writer.write(b"x" * 1_000_000)
                await writer.drain()
            await reader.read()
        except (ConnectionError, OSError):
            pass
        return
    writer.write(b"".join(event(s) for s in range(last + 1, TOTAL + 1)))
    try:
        while True:
            await writer.drain()
            await asyncio.sleep(0.5)  # the stream stays open with a keep-alive comment every 0.5 s, as servers do; not a wait
            writer.write(b": keep-alive\n\n")
    except (ConnectionError, OSError):
        return


# MARK: Dispatch

async def serve(reader, writer):
    try:
        method, target, headers = await read_head(reader)
        url = urlparse(target)
        query = parse_qs(url.query)
        path = url.path
        requests[path] = requests.get(path, 0) + 1
        extra = " LAST_EVENT_ID=%s" % headers["last-event-id"] if "last-event-id" in headers else ""
        log("REQ %s%s" % (target, extra))
        parts = path.strip("/").split("/")
        kind, fault = (parts + ["", ""])[:2]
        if headers.get("upgrade", "").lower() == "websocket":
            if kind == "fault":
                await websocket(reader, writer, path, fault, query, headers)
            else:
                writer.write(http_answer(404, "Not Found"))
        elif kind == "poll":
            await long_poll(reader, writer, path, fault, query)
        elif kind == "sse" or (kind == "fault" and fault in ("404", "426")):
            await event_stream(reader, writer, path, fault, headers)
        else:
            writer.write(http_answer(404, "Not Found"))
        if not writer.is_closing():
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
        pass
    finally:
        if not writer.is_closing():
            writer.close()


async def main():
    global instance
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ttl", type=float, default=120)
    p.add_argument("--instance", default="a")
    args = p.parse_args()
    instance = args.instance
    server = await asyncio.start_server(serve, "127.0.0.1", args.port, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    log("PORT=%d" % port)
    log("READY %d" % port)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), args.ttl)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
