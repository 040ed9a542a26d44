#!/usr/bin/env python3
"""Where livetop's resident memory is: /proc/PID/smaps grouped by what each mapping holds.

    python3 Scripts/rss_breakdown.py [--livetop PATH] [--count 3000000] [ARGS...]

Runs `livetop --headless --exit-on-close ARGS URL` against the reference feed
(../shared/bench/ws_blast.py, COUNT 80-byte messages) with stdout to /dev/null, and a second time
against a feed that opens the WebSocket and says nothing. For the silent one it reads smaps after
2 s (idle); for the busy one it reads smaps_rollup every 20 ms and keeps the whole smaps of the
moment Rss was highest (peak; the peak RSS /usr/bin/time reports is that high-water mark). Prints Rss per group (the livetop binary's own pages, each shared
library, the main heap, other anonymous mappings: malloc arenas, thread stacks, NIO buffers
above the mmap threshold) and the anonymous mappings by size. A measuring tool, not a test.
"""
import argparse, os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Scripts"))
import bench  # noqa: E402  (the feeds)


def read_smaps(pid):
    """[(start, end, perms, path, {field: kB})]"""
    maps, current = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if head:
                current = (int(head[1], 16), int(head[2], 16), head[3], head[4].strip(), {})
                maps.append(current)
            elif current is not None:
                field = re.match(r"^(\w+):\s+(\d+) kB", line)
                if field:
                    current[4][field[1]] = int(field[2])
    return maps


def rollup_rss(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                return int(line.split()[1])
    return 0


def group(path, binary):
    if not path:
        return "anonymous (malloc arenas, thread stacks, mmapped buffers)"
    if path == "[heap]":
        return "[heap] (main malloc arena)"
    if path.startswith("["):
        return path
    if os.path.realpath(path) == os.path.realpath(binary):
        return "livetop binary (code, data)"
    return os.path.basename(path)


def report(title, maps, binary):
    groups = {}
    for start, end, perms, path, fields in maps:
        g = groups.setdefault(group(path, binary), [0, 0, 0])
        g[0] += fields.get("Rss", 0)
        g[1] += fields.get("Private_Dirty", 0) + fields.get("Private_Clean", 0)
        g[2] += (end - start) // 1024
    total = sum(g[0] for g in groups.values())
    print(f"\n{title}: Rss {total / 1024:.1f} MiB")
    print(f"  {'mapping':58} {'Rss KiB':>9} {'private':>9} {'size KiB':>10}")
    for name, (rss, private, size) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        if rss >= 64:
            print(f"  {name:58} {rss:9} {private:9} {size:10}")
    anon = sorted(((fields.get("Rss", 0), (end - start) // 1024, perms) for start, end, perms, path, fields in maps
                   if not path), reverse=True)
    print("  anonymous mappings by Rss (Rss KiB / size KiB / perms):",
          ", ".join(f"{r}/{s}/{p}" for r, s, p in anon[:16] if r))


def run(binary, url, extra, sample):
    proc = subprocess.Popen([binary, "--headless", "--exit-on-close", *extra, url], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, close_fds=True)
    best, best_maps = 0, None
    try:
        if not sample:
            time.sleep(2)
            return read_smaps(proc.pid)
        while proc.poll() is None:
            try:
                if rollup_rss(proc.pid) > best:
                    maps = read_smaps(proc.pid)
                    rss = sum(m[4].get("Rss", 0) for m in maps)
                    # A read that overlapped the exit sees mappings already gone: not a sample.
                    if rss > best and proc.poll() is None:
                        best, best_maps = rss, maps
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.02)
        return best_maps
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--livetop", default=bench.LIVETOP)
    p.add_argument("--count", type=int, default=3_000_000)
    args, extra = p.parse_known_args()
    silent, silent_url = bench.start_paced(1, 0)
    try:
        report("idle (open WebSocket, nothing sent, after 2 s)", run(args.livetop, silent_url, extra, False), args.livetop)
    finally:
        bench.stop(silent)
    feed = bench.Feed(args.count)
    try:
        report(f"peak ({args.count:,} messages of ws_blast.py)", run(args.livetop, feed.url, extra, True), args.livetop)
    finally:
        feed.stop()


if __name__ == "__main__":
    main()
