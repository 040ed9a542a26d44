#!/usr/bin/env python3
"""Restart-to-reopen: how long livetop's dashboard stays dark after a server restart.

    python3 Scripts/bench_restart.py [--restarts 20] [--seed 1] [BINARY ...]

For each livetop binary given (default: .build/debug/livetop), runs `BINARY --headless URL`
against a small WebSocket feed on 127.0.0.1, then RESTARTS times: stops the feed (SIGTERM),
keeps it down for a random 1-5 s (the same seeded sequence for every binary), starts it again
on the same port, and measures the time from the feed's READY to livetop's next `open` state
line. Prints the median, mean, p90 and max per binary. A measurement, not a test.
"""
import argparse, json, os, random, signal, socket, statistics, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The feed: a tick every 200 ms to every client, until SIGTERM.
FEED = r"""
import asyncio, itertools, signal, sys, websockets
async def feed(ws):
    try:
        for n in itertools.count():
            await ws.send('{"tick":%d}' % n)
            await asyncio.sleep(0.2)
    except websockets.ConnectionClosed:
        pass
async def main(port):
    async with websockets.serve(feed, "127.0.0.1", port):
        print("READY", flush=True)
        stop = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
        await stop
asyncio.run(main(int(sys.argv[1])))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_feed(port):
    feed = subprocess.Popen([sys.executable, "-c", FEED, str(port)], stdout=subprocess.PIPE, text=True)
    if feed.stdout.readline().strip() != "READY":
        feed.kill()
        sys.exit("the feed did not start")
    return feed


def stop_feed(feed):
    feed.send_signal(signal.SIGTERM)
    try:
        feed.wait(5)
    except subprocess.TimeoutExpired:
        feed.kill()
        feed.wait()


class OpenWatcher:
    """Reads livetop's JSON lines and notes the monotonic time of every `open` state."""

    def __init__(self, process):
        self.opens = []
        self.cond = threading.Condition()
        threading.Thread(target=self.read, args=(process.stdout,), daemon=True).start()

    def read(self, stream):
        for line in stream:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("type") == "state" and event.get("state") == "open":
                with self.cond:
                    self.opens.append(time.monotonic())
                    self.cond.notify_all()

    def wait_for(self, count, timeout):
        with self.cond:
            self.cond.wait_for(lambda: len(self.opens) >= count, timeout)
            return len(self.opens) >= count


def measure(binary, downtimes):
    port = free_port()
    feed = start_feed(port)
    client = subprocess.Popen([binary, "--headless", f"ws://127.0.0.1:{port}/"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watcher = OpenWatcher(client)
    dark = []
    try:
        if not watcher.wait_for(1, 10):
            sys.exit(f"{binary} never opened")
        for n, down in enumerate(downtimes, start=2):
            stop_feed(feed)
            time.sleep(down)                   # the restart itself: the server is down this long
            feed = start_feed(port)
            ready = time.monotonic()
            if not watcher.wait_for(n, 60):
                sys.exit(f"{binary}: no reopen within 60 s of restart {n - 1}")
            dark.append(watcher.opens[n - 1] - ready)
    finally:
        client.terminate()
        client.wait()
        stop_feed(feed)
    return dark


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="*", default=[os.path.join(ROOT, ".build", "debug", "livetop")])
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    downtimes = [rng.uniform(1, 5) for _ in range(args.restarts)]
    print(f"{args.restarts} restarts, down {min(downtimes):.1f}-{max(downtimes):.1f} s (seed {args.seed}); "
          "seconds from the server's READY to livetop's next open:")
    print(f"{'binary':<40} {'median':>7} {'mean':>7} {'p90':>7} {'max':>7}")
    for binary in args.binaries:
        dark = sorted(measure(binary, downtimes))
        p90 = dark[min(len(dark) - 1, int(round(0.9 * (len(dark) - 1))))]
        print(f"{binary:<40} {statistics.median(dark):7.2f} {statistics.mean(dark):7.2f} {p90:7.2f} {dark[-1]:7.2f}")


if __name__ == "__main__":
    main()
