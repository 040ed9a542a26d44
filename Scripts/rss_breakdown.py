#!/usr/bin/env python3
"""Where livetop's resident memory is: /proc/PID/smaps grouped by what each mapping holds.

    python3 Scripts/rss_breakdown.py [--livetop PATH] [--count 3000000] [ARGS...]

Runs `livetop --headless --exit-on-close ARGS URL` against the reference feed
(../shared/bench/ws_blast.py, COUNT 80-byte messages) with stdout to /dev/null, and a second time
against a feed that opens the WebSocket and says nothing. For the silent one it reads smaps after
2 s (idle); for the busy one it reads smaps_rollup every 20 ms and keeps the whole smaps of the
moment Rss was highest (peak; the peak RSS /usr/bin/time reports is that high-water mark). Prints Rss per group (the livetop binary's own pages, each shared
library, the main heap, other anonymous mappings: malloc arenas, thread stacks, NIO buffers
above the mmap threshold) with the dirty part of each (pages written: the kernel cannot drop them,
while clean file pages can be read again), the anonymous mappings by size, and the binary's
resident pages per ELF section (/proc/PID/pagemap: which pages are mapped, against the section
addresses `readelf -S` gives). With `--symbols BINARY` (the same binary before it was stripped:
`.build-release/release/livetop`), the resident pages of `.text` are also shared out among the code
they hold, by the module each symbol belongs to (Swift's mangled module name; BoringSSL, ICU,
libyaml, the Swift runtime by their prefixes). A measuring tool, not a test.
"""
import argparse, os, re, struct, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Scripts"))
import bench  # noqa: E402  (the feeds)

PAGE = os.sysconf("SC_PAGE_SIZE")
SYMBOLS = None  # --symbols


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


def report(title, snapshot, binary):
    maps, pages = snapshot
    groups = {}
    for start, end, perms, path, fields in maps:
        g = groups.setdefault(group(path, binary), [0, 0, 0])
        g[0] += fields.get("Rss", 0)
        g[1] += fields.get("Private_Dirty", 0) + fields.get("Shared_Dirty", 0)
        g[2] += (end - start) // 1024
    total = sum(g[0] for g in groups.values())
    print(f"\n{title}: Rss {total / 1024:.1f} MiB")
    print(f"  {'mapping':58} {'Rss KiB':>9} {'dirty':>9} {'size KiB':>10}")
    for name, (rss, dirty, size) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        if rss >= 64:
            print(f"  {name:58} {rss:9} {dirty:9} {size:10}")
    anon = sorted(((fields.get("Rss", 0), (end - start) // 1024, perms) for start, end, perms, path, fields in maps
                   if not path), reverse=True)
    print("  anonymous mappings by Rss (Rss KiB / size KiB / perms):",
          ", ".join(f"{r}/{s}/{p}" for r, s, p in anon[:16] if r))
    resident = sorted(((kib, name, size) for name, kib, size in section_residency(binary, pages)), reverse=True)
    print("  livetop binary's resident pages per section (KiB resident / section KiB):",
          ", ".join(f"{name} {kib}/{size}" for kib, name, size in resident if kib >= 64))
    if SYMBOLS:
        owners = sorted(text_owners(SYMBOLS, pages).items(), key=lambda kv: -kv[1][0])
        print("  .text resident per module (KiB resident / KiB of its code):",
              ", ".join(f"{m} {r}/{n}" for m, (r, n) in owners if r >= 64))


def sections(binary):
    """[(name, address, size)] of the sections that are loaded (an address other than 0)."""
    out = subprocess.run(["readelf", "-S", "-W", binary], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m and int(m[2], 16) and int(m[3], 16):
            found.append((m[1], int(m[2], 16), int(m[3], 16)))
    return found


def resident_pages(pid, binary):
    """Offsets from the load address (the first mapping: a PIE's address 0) of the binary's pages
    that are mapped in the process: bit 63 of each 8-byte /proc/PID/pagemap entry."""
    real = os.path.realpath(binary)
    ranges = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and os.path.realpath(parts[5]) == real:
                start, end = (int(x, 16) for x in parts[0].split("-"))
                ranges.append((start, end))
    if not ranges:
        return set()
    base = min(start for start, _ in ranges)
    pages = set()
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        for start, end in ranges:
            f.seek(start // PAGE * 8)
            entries = f.read((end - start) // PAGE * 8)
            for i, (entry,) in enumerate(struct.iter_unpack("<Q", entries)):
                if entry >> 63:
                    pages.add(start - base + i * PAGE)
    return pages


def section_residency(binary, pages):
    """[(section, resident KiB, size KiB)]; a page two sections share counts for both."""
    return [(name, sum(PAGE // 1024 for page in range(address - address % PAGE, address + size, PAGE) if page in pages),
             size // 1024) for name, address, size in sections(binary)]


def owner(name):
    """The module a symbol's code comes from, read from its name."""
    if name.startswith("$s"):
        rest = name[2:]
        digits = re.match(r"^(\d+)", rest)
        if digits:
            n = int(digits[1])
            return rest[len(digits[1]):len(digits[1]) + n]
        return "Swift (standard library)"
    for prefix, module in (("CNIOBoringSSL_", "BoringSSL"), ("_ZN6icu_", "ICU"), ("u_", "ICU"), ("ucol_", "ICU"),
                           ("ubrk_", "ICU"), ("uloc_", "ICU"), ("yaml_", "libyaml"), ("swift_", "Swift runtime"),
                           ("_ZN5swift", "Swift runtime"), ("_ZNK5swift", "Swift runtime"), ("__CF", "CoreFoundation"),
                           ("CF", "CoreFoundation"), ("_CF", "CoreFoundation"), ("dispatch_", "libdispatch"),
                           ("_dispatch", "libdispatch"), ("c_nio", "NIO C shims"), ("CNIO", "NIO C shims")):
        if name.startswith(prefix):
            return module
    if re.search(r"_\d+$", name) and name[:1] in "uU":
        return "ICU"
    return "other C/C++"


def text_owners(unstripped, pages):
    """{module: [resident KiB, size KiB]} for the `.text` pages: each resident page counts for
    the module whose symbol covers its first byte (or the nearest before it)."""
    import bisect
    text = next(((a, n) for name, a, n in sections(unstripped) if name == ".text"), None)
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", unstripped], capture_output=True, text=True, check=True).stdout
    starts, owners = [], []
    sizes = {}
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[2] in "tTwW":
            address, size, module = int(parts[0], 16), int(parts[1], 16), owner(parts[3])
            starts.append(address)
            owners.append(module)
            sizes[module] = sizes.get(module, 0) + size
    found = {m: [0, sizes[m] // 1024] for m in sizes}
    if text is None or not starts:
        return found
    address, size = text
    for page in range(address - address % PAGE, address + size, PAGE):
        if page in pages:
            i = bisect.bisect_right(starts, page) - 1
            module = owners[i] if i >= 0 else "other C/C++"
            found.setdefault(module, [0, 0])[0] += PAGE // 1024
    return found


def run(binary, url, extra, sample):
    proc = subprocess.Popen([binary, "--headless", "--exit-on-close", *extra, url], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, close_fds=True)
    best, best_maps = 0, None
    try:
        if not sample:
            time.sleep(2)
            return read_smaps(proc.pid), resident_pages(proc.pid, binary)
        while proc.poll() is None:
            try:
                if rollup_rss(proc.pid) > best:
                    maps, pages = read_smaps(proc.pid), resident_pages(proc.pid, binary)
                    rss = sum(m[4].get("Rss", 0) for m in maps)
                    # A read that overlapped the exit sees mappings already gone: not a sample.
                    if rss > best and proc.poll() is None:
                        best, best_maps = rss, (maps, pages)
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
    p.add_argument("--symbols", help="the binary before stripping: .text's resident pages per module")
    args, extra = p.parse_known_args()
    global SYMBOLS
    SYMBOLS = args.symbols
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
