#!/usr/bin/env python3
"""Publishes {"n":FROM}..{"n":TO} to an Nchan channel over one keep-alive HTTP connection.

    python3 nchan_publish.py --port P --channel C --from 1 --to 1000

Prints "PUBLISHED <count>" when done; exits 1 on the first non-2xx answer.
"""
import argparse, http.client, json, sys

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--channel", required=True)
p.add_argument("--from", dest="first", type=int, default=1)
p.add_argument("--to", dest="last", type=int, required=True)
p.add_argument("--steps", default="", help="comma-separated last numbers of steps (3,23): each step "
               "is published when a line arrives on stdin, and 'STEP <n>' printed after it (the connection is kept warm)")
p.add_argument("--location", default="pub", help="the publisher location: pub, or pubsmall (a buffer of 5)")
a = p.parse_args()
conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
steps = [int(x) for x in a.steps.split(",") if x]
for n in range(a.first, a.last + 1):
    if steps and (n == a.first or n - 1 in steps):
        sys.stdin.readline()
    conn.request("POST", f"/{a.location}/{a.channel}", body=json.dumps({"n": n}, separators=(",", ":")),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    if r.status // 100 != 2:
        print(f"publish {n}: HTTP {r.status}", file=sys.stderr)
        sys.exit(1)
    if n in steps:
        print(f"STEP {n}", flush=True)
print(f"PUBLISHED {a.last - a.first + 1}", flush=True)
