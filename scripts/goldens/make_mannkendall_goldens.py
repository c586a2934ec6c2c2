#!/usr/bin/env python3
"""Golden values for benchgate's Mann-Kendall trend test and Sen's slope
(`src/history/trend.rs`).

Regenerate (from the repository root):

    python3 -m pip install -r scripts/goldens/requirements.txt
    python3 scripts/goldens/make_mannkendall_goldens.py

Writes tests/goldens/mann_kendall.jsonl (deterministic: fixed seed), one line per
series: {"name", "x", "s", "var_s", "z", "p", "p_decreasing", "p_increasing",
"tau", "slope"} where
  - s, var_s, z, p (two-sided), tau, slope: pymannkendall.original_test(x)
    (Gilbert 1987: tie-corrected variance, continuity-corrected z; Sen's slope);
  - p_decreasing = scipy.stats.norm.cdf(z), p_increasing = norm.sf(z): the
    one-sided p-values benchgate uses for a decline / a rise.

Series cover short and long lengths, ties (groups of equal values, constant
series), monotone declines and rises, noise, and values like the corpus scores a
history holds (fractions with few distinct values).
"""

import json
import random
from pathlib import Path

import numpy as np
import pymannkendall as mk
from scipy.stats import norm

OUT = Path(__file__).resolve().parents[2] / "tests" / "goldens" / "mann_kendall.jsonl"


def series():
    rng = random.Random(20261127)
    yield "strict decline", [5.0, 4.0, 3.0, 2.0, 1.0]
    yield "strict rise", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    yield "constant", [0.5] * 8
    yield "ties", [1.0, 1.0, 2.0, 3.0, 3.0]
    yield "all but one tied", [0.7, 0.7, 0.7, 0.7, 0.6, 0.7]
    yield "zigzag", [1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 4.0, 6.0]
    yield "two values", [0.4, 0.3]
    for i in range(12):
        n = rng.choice([5, 6, 8, 10, 12, 15, 20, 30, 50])
        yield f"noise {i}", [round(rng.gauss(0.5, 0.02), 4) for _ in range(n)]
    for i in range(8):
        n = rng.choice([6, 10, 15, 25])
        slope = rng.choice([-0.01, -0.003, 0.002, 0.008])
        yield f"trend {i}", [round(0.6 + slope * t + rng.gauss(0, 0.01), 3) for t in range(n)]
    for i in range(6):
        n = rng.choice([8, 10, 20])
        # exact_match on a 200-example benchmark: multiples of 1/200, many ties
        yield f"fractions {i}", [rng.randint(90, 96) / 200 for _ in range(n)]
    yield "large raw", [791.0, 790.5, 802.25, 799.0, 810.0, 805.5, 812.0, 820.0, 818.0, 825.0]


def main():
    lines = []
    for name, x in series():
        r = mk.original_test(np.array(x))
        z = float(r.z)
        lines.append(
            json.dumps(
                {
                    "name": name,
                    "x": x,
                    "s": int(r.s),
                    "var_s": float(r.var_s),
                    "z": z,
                    "p": float(r.p),
                    "p_decreasing": float(norm.cdf(z)),
                    "p_increasing": float(norm.sf(z)),
                    "tau": float(r.Tau),
                    "slope": float(r.slope),
                }
            )
        )
    OUT.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"wrote {len(lines)} series to {OUT}")


if __name__ == "__main__":
    main()
