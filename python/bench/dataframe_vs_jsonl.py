"""A 1,000,000-row DataFrame against the same data from a JSONL file.

Writes two runs of N examples (id, input, reference, prediction, category,
latency_ms, judge: the shape of fixtures/tickets) as JSONL, reads them into
pandas and polars DataFrames, and times, best of --repeat:

- ``benchgate.compare`` on the JSONL paths, on the pandas and on the polars
  DataFrames (the pandas time includes its conversion to Arrow), and the
  release binary on the files (``--benchgate``);
- ``benchgate.score(…, "exact_match")``, where loading is nearly all the work.

Prints the times and the DataFrame/JSONL ratios; with ``--max-ratio`` exits 1
when a compare ratio exceeds it. Not a test: a benchmark, run by hand or by CI
with a smaller N (``--rows``).

    python python/bench/dataframe_vs_jsonl.py --rows 1000000 --benchgate target/release/benchgate
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import benchgate

WORDS = ("customer order refund login password invoice delayed locked error payment "
         "account email support urgent missing charge update status shipping reset").split()
CATEGORIES = ["login", "orders", "billing", "shipping", "account"]


def write_runs(n: int, folder: Path) -> tuple[Path, Path]:
    rng = random.Random(12345)
    paths = folder / "baseline.jsonl", folder / "current.jsonl"
    with open(paths[0], "w", encoding="utf-8") as b, open(paths[1], "w", encoding="utf-8") as c:
        for i in range(n):
            reference = " ".join(rng.choices(WORDS, k=8))
            words = reference.split()
            common = {
                "id": f"ex-{i:07d}",
                "input": " ".join(rng.choices(WORDS, k=20)),
                "reference": reference,
                "category": rng.choice(CATEGORIES),
            }
            for f, drop in ((b, 0.30), (c, 0.32)):
                prediction = " ".join(w if rng.random() > drop else rng.choice(WORDS) for w in words)
                row = dict(common, prediction=prediction,
                           latency_ms=round(rng.gauss(800, 60), 1), judge=rng.randint(1, 5))
                f.write(json.dumps(row) + "\n")
    return paths


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=Path("target/bench-python"))
    parser.add_argument("--benchgate", help="the release binary, timed on the files too")
    parser.add_argument("--max-ratio", type=float)
    args = parser.parse_args()

    import pandas as pd
    import polars as pl

    args.data.mkdir(parents=True, exist_ok=True)
    stamp = args.data / f"rows-{args.rows}"
    if not stamp.exists():
        write_runs(args.rows, args.data)
        stamp.write_text("")
    base, cur = args.data / "baseline.jsonl", args.data / "current.jsonl"
    frames = {
        "pandas": (pd.read_json(base, lines=True, dtype={"id": str}), pd.read_json(cur, lines=True, dtype={"id": str})),
        "polars": (pl.read_ndjson(base), pl.read_ndjson(cur)),
    }
    settings = dict(resamples=args.resamples, slice_by="category")

    print(f"{args.rows:,} rows per side, {args.resamples:,} resamples, best of {args.repeat}")
    results = {}
    reports = {}
    results["compare jsonl"] = best(args.repeat, lambda: reports.__setitem__("jsonl", benchgate.compare(str(base), str(cur), **settings)))
    for name, (b, c) in frames.items():
        results[f"compare {name}"] = best(args.repeat, lambda b=b, c=c, name=name: reports.__setitem__(name, benchgate.compare(b, c, **settings)))
    if args.benchgate:
        cmd = [args.benchgate, "compare", "--baseline", str(base), "--current", str(cur), "--quiet",
               "--format", "json", "--resamples", str(args.resamples), "--slice-by", "category"]
        results["compare binary, jsonl"] = best(args.repeat, lambda: subprocess.run(cmd, capture_output=True))
    results["score jsonl"] = best(args.repeat, lambda: benchgate.score(str(cur), "exact_match"))
    for name, (_, c) in frames.items():
        results[f"score {name}"] = best(args.repeat, lambda c=c: benchgate.score(c, "exact_match"))

    # The same data gives the same statistics whatever its form.
    metrics = {k: [(m.name, m.delta, m.p_adjusted) for m in r.metrics] for k, r in reports.items()}
    assert all(v == metrics["jsonl"] for v in metrics.values()), metrics

    worst = 0.0
    for name, seconds in results.items():
        kind = name.split()[0]
        ratio = seconds / results[f"{kind} jsonl"]
        if name.startswith("compare") and "binary" not in name:
            worst = max(worst, ratio)
        print(f"  {name:<24} {seconds:7.2f} s   {ratio:4.2f}x the JSONL file")
    if args.max_ratio is not None and worst > args.max_ratio:
        print(f"a DataFrame compare took {worst:.2f}x the JSONL file's time, over {args.max_ratio}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
