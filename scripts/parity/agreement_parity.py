#!/usr/bin/env python3
"""Parity check of `benchgate agreement` on SummEval against rouge-score + scipy.

Run scripts/summeval_agreement.py first (it writes target/summeval/summeval_long.jsonl),
then, with rouge-score 0.1.2 and scipy installed (scripts/goldens/requirements.txt):

    python3 scripts/parity/agreement_parity.py

Recomputes ROUGE-1/2/L F (best of the references, no stemming) with rouge-score and the
summary-level (mean over inputs of the coefficient across systems, nan left out) and
system-level (coefficient of per-system means) Kendall tau-b, Spearman and Pearson with
scipy, runs `benchgate agreement --format json` on the same file, and prints the largest
absolute difference of the point estimates.
"""

import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import scipy.stats as st
from rouge_score import rouge_scorer

warnings.simplefilter("ignore")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
path = os.path.join(root, "target", "summeval", "summeval_long.jsonl")
rows = [json.loads(l) for l in open(path, encoding="utf-8")]
systems = sorted({r["system"] for r in rows})
inputs = sorted({r["id"] for r in rows})
si = {s: i for i, s in enumerate(systems)}
ii = {d: j for j, d in enumerate(inputs)}
humans = ["coherence", "consistency", "fluency", "relevance"]
metrics = ["rouge1", "rouge2", "rougeL"]
scorer = rouge_scorer.RougeScorer(metrics, use_stemmer=False)
M = {m: np.zeros((len(systems), len(inputs))) for m in metrics}
H = {h: np.zeros((len(systems), len(inputs))) for h in humans}
for r in rows:
    s, j = si[r["system"]], ii[r["id"]]
    scores = scorer.score_multi(r["reference"], r["prediction"])
    for m in metrics:
        M[m][s, j] = scores[m].fmeasure
    for h in humans:
        H[h][s, j] = r[h]

coef = {
    "kendall": lambda a, b: st.kendalltau(a, b, variant="b").statistic,
    "spearman": lambda a, b: st.spearmanr(a, b).statistic,
    "pearson": lambda a, b: st.pearsonr(a, b).statistic,
}
expected = {}
for h in humans:
    for m in metrics:
        for name, f in coef.items():
            per_input = [f(M[m][:, j], H[h][:, j]) for j in range(len(inputs))]
            expected[(m, h, "summary", name)] = float(np.nanmean(per_input))
            expected[(m, h, "system", name)] = float(f(M[m].mean(axis=1), H[h].mean(axis=1)))

binary = os.path.join(root, "target", "release", "benchgate")
cmd = [binary, "agreement", "--input", path, "--format", "json", "--resamples", "10"]
for h in humans:
    cmd += ["--human", h]
for m in metrics:
    cmd += ["--metric", m]
report = json.loads(subprocess.check_output(cmd))
worst = 0.0
for row in report["rows"]:
    key = (row["metric"], row["human"], row["level"], row["correlation"])
    diff = abs(row["value"] - expected[key])
    worst = max(worst, diff)
print(f"{len(report['rows'])} correlations compared; largest |benchgate - scipy| = {worst:.3g}")
sys.exit(0 if worst < 1e-9 else 1)
