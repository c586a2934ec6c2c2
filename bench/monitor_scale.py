#!/usr/bin/env python3
"""Scale of `benchgate monitor`: a million log rows a window (issue 33).

    cargo build --release
    python3 bench/monitor_scale.py [--rows 1000000] [--benchgate target/release/benchgate]
        [--data target/bench-monitor] [--benchmark]

Writes two weeks of synthetic support logs (`--rows` per week: timestamp, input, output,
category, latency_ms) to --data once (reused while the row count is the same), then runs
`benchgate monitor --logs … --slice-by category` and prints the wall time and the peak
memory (ru_maxrss of the child). With --benchmark it also measures drift and novel inputs
against a 2,000-row benchmark. Stdlib only; a benchmark, not a test: nothing fails on time.

Measured (two shared cores, load average about 8; wall time, peak RSS), before and after
rows were scored as read and dropped (issue 33):

    --rows 1000000              before 23.9 s, 2063 MiB   after 17.4 s, 130 MiB
    --rows 1000000 --benchmark  before 103.8 s, 2178 MiB  after 27.3 s, 142 MiB
    --rows 2000000              before 34.6 s, 4113 MiB   after 26.6 s, 201 MiB
    --rows 2000000 --benchmark  before 89.2 s, 4341 MiB   after 34.9 s, 218 MiB
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time

CATEGORIES = ["orders", "billing", "login", "shipping", "refunds"]
WORDS = ("order refund invoice charge password login parcel courier address card account "
         "delivery status broken late missing return exchange price discount").split()
REPLIES = [
    "Thanks for your patience! Your order is on its way.",
    "I'm sorry about the trouble, I have fixed it for you.",
    "Unfortunately we cannot help with that.",
    "Refund pending.",
]


def write(path, rows, seed, start):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            t = start + rng.randint(0, 7 * 86400 - 1)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
            f.write(json.dumps({
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                "input": text, "output": rng.choice(REPLIES),
                "category": rng.choice(CATEGORIES),
                "latency_ms": round(rng.lognormvariate(6.6, 0.3), 1)}) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--benchgate", default="target/release/benchgate")
    ap.add_argument("--data", default="target/bench-monitor")
    ap.add_argument("--benchmark", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.data, exist_ok=True)
    start = 1_772_323_200  # 2026-03-01T00:00:00Z
    files = []
    for week in range(2):
        path = os.path.join(a.data, f"week{week + 1}-{a.rows}.jsonl")
        if not os.path.exists(path):
            print(f"writing {path}", file=sys.stderr)
            write(path, a.rows, week, start + week * 7 * 86400)
        files.append(path)
    cmd = [a.benchgate, "monitor", "--logs", *files, "--slice-by", "category",
           "--metric", "sentiment", "--metric", "latency_ms", "--format", "json", "--quiet"]
    if a.benchmark:
        bench = os.path.join(a.data, "benchmark.jsonl")
        write(bench, 2_000, 99, start - 86400 * 30)
        cmd += ["--benchmark", bench]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if out.returncode not in (0, 1):
        print(out.stderr, file=sys.stderr)
        sys.exit(out.returncode)
    report = json.loads(out.stdout)
    methods = sorted({m["method"] for m in report["metrics"]})
    print(f"{a.rows:,} rows a window, 2 windows: {wall:.1f} s wall, peak RSS {rss:.0f} MiB; "
          f"tests: {', '.join(methods)}; alarm {report['alarm']}")


if __name__ == "__main__":
    main()
