#!/usr/bin/env python3
"""Golden values for benchgate's agreement and review statistics.

Regenerate (from the repository root):

    python3 -m pip install -r scripts/goldens/requirements-agreement.txt
    python3 scripts/goldens/make_agreement_goldens.py

`--check` recomputes everything and compares it with the committed file (numbers within
1e-12, the rest exactly) instead of writing it; .ci/run runs that.

Writes tests/goldens/agreement.json (deterministic: fixed seed, sorted keys):

  "pairs": vectors x, y (with ties, constant and short cases) and
      kendall  = scipy.stats.kendalltau(x, y, variant="b").statistic
      spearman = scipy.stats.spearmanr(x, y).statistic
      pearson  = scipy.stats.pearsonr(x, y).statistic   (null when scipy says nan)
  "levels": systems x inputs matrices metric, human and, per coefficient,
      summary = mean over inputs (columns) of the coefficient across systems,
                inputs where it is nan left out (numpy.nanmean)
      system  = the coefficient of the per-system (row) means
  "sign_tests": wins, losses and scipy.stats.binomtest(wins, wins + losses, 0.5).pvalue
  "kappas": two label lists and sklearn.metrics.cohen_kappa_score(a, b)
"""

import json
import math
import os
import random
import sys
import warnings

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from sklearn.metrics import cohen_kappa_score

warnings.simplefilter("ignore")
rng = random.Random(20260527)


def clean(v):
    v = float(v)
    return None if math.isnan(v) else v


def coefficients(x, y):
    if len(x) < 2:
        return {"kendall": None, "spearman": None, "pearson": None}
    return {
        "kendall": clean(st.kendalltau(x, y, variant="b").statistic),
        "spearman": clean(st.spearmanr(x, y).statistic),
        "pearson": clean(st.pearsonr(x, y).statistic),
    }


def vector(n, kind):
    if kind == "continuous":
        return [rng.gauss(0, 1) for _ in range(n)]
    if kind == "ties":
        return [float(rng.randint(1, 4)) for _ in range(n)]
    if kind == "ratings":
        return [round(rng.randint(3, 15) / 3, 12) for _ in range(n)]
    raise ValueError(kind)


pairs = []
for n in [2, 3, 4, 5, 8, 16, 30, 100]:
    for kx in ["continuous", "ties", "ratings"]:
        for ky in ["continuous", "ties", "ratings"]:
            x = vector(n, kx)
            # Correlated half of the time.
            y = [a + rng.gauss(0, 1) for a in x] if rng.random() < 0.5 and ky == "continuous" else vector(n, ky)
            pairs.append({"x": x, "y": y, **coefficients(x, y)})
pairs.append({"x": [1.0, 1.0, 1.0], "y": [1.0, 2.0, 3.0], **coefficients([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])})
pairs.append({"x": [1.0, 2.0, 2.0, 3.0], "y": [3.0, 3.0, 3.0, 3.0], **coefficients([1.0, 2.0, 2.0, 3.0], [3.0] * 4)})

levels = []
for m, n in [(4, 5), (6, 10), (16, 12)]:
    metric = np.array([[rng.random() for _ in range(n)] for _ in range(m)])
    human = np.array([[round(rng.randint(3, 15) / 3, 12) for _ in range(n)] for _ in range(m)])
    # One input every system rated alike: undefined there, left out of the mean.
    human[:, 0] = 3.0
    entry = {"metric": metric.tolist(), "human": human.tolist()}
    for name in ["kendall", "spearman", "pearson"]:
        per_input = [coefficients(metric[:, j].tolist(), human[:, j].tolist())[name] for j in range(n)]
        vals = [np.nan if v is None else v for v in per_input]
        entry[name] = {
            "summary": clean(np.nanmean(vals)),
            "summary_inputs": int(sum(v is not None for v in per_input)),
            "system": coefficients(metric.mean(axis=1).tolist(), human.mean(axis=1).tolist())[name],
        }
    levels.append(entry)

sign_tests = []
for wins, losses in [(0, 0), (1, 0), (5, 5), (7, 3), (3, 12), (30, 18), (60, 40), (0, 25), (210, 170)]:
    p = 1.0 if wins + losses == 0 else float(st.binomtest(wins, wins + losses, 0.5).pvalue)
    sign_tests.append({"wins": wins, "losses": losses, "p_value": p})

kappas = []
labels = ["baseline", "current", "tie"]
for n in [5, 10, 40, 100]:
    for agree in [0.2, 0.6, 0.9]:
        a = [rng.choice(labels) for _ in range(n)]
        b = [x if rng.random() < agree else rng.choice(labels) for x in a]
        kappas.append({"a": a, "b": b, "kappa": clean(cohen_kappa_score(a, b))})
kappas.append({"a": ["current"] * 4, "b": ["current"] * 4, "kappa": clean(cohen_kappa_score(["current"] * 4, ["current"] * 4))})

out = {
    "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__},
    "pairs": pairs,
    "levels": levels,
    "sign_tests": sign_tests,
    "kappas": kappas,
}
root = os.path.join(os.path.dirname(__file__), "..", "..")
path = os.path.join(root, "tests", "goldens", "agreement.json")


def same(a, b, where="$"):
    """Differences between two JSON values: numbers within 1e-12, the rest exactly."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or abs(float(a) - float(b)) > 1e-12:
            return [f"{where}: {a!r} != {b!r}"]
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in same(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in same(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


if "--check" in sys.argv[1:]:
    committed = json.load(open(path, encoding="ascii"))
    fresh = json.loads(json.dumps(out))
    diffs = same(committed, fresh)
    for d in diffs[:20]:
        print(d, file=sys.stderr)
    print(f"{path}: {'up to date' if not diffs else f'{len(diffs)} differences'} with scipy/scikit-learn")
    sys.exit(1 if diffs else 0)
with open(path, "w", encoding="ascii") as f:
    json.dump(out, f, sort_keys=True, indent=1)
    f.write("\n")
print(f"wrote {path}: {len(pairs)} pairs, {len(levels)} matrices, {len(sign_tests)} sign tests, {len(kappas)} kappas")
