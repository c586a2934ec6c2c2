#!/usr/bin/env python3
"""Worked example: how well ROUGE agrees with SummEval's expert ratings.

Turns SummEval (Fabbri et al., TACL 2021: 16 summarisers x 100 CNN/DailyMail
articles, 11 references each, expert ratings of coherence, consistency, fluency
and relevance averaged over three experts) into benchgate's long format, then
runs `benchgate agreement` with ROUGE-1/2/L (rouge-score 0.1.2 semantics, best
F over the 11 references, no stemming unless --rouge-stemmer is passed through).

Usage (from the repository root; needs only Python's standard library):

    cargo build --release
    python3 scripts/summeval_agreement.py [PATH/TO/summeval_raw.json] [-- extra agreement flags]

The default input is ../shared/data/summ-summeval/summeval_raw.json (the file of
tanyuqian/ctc-gen-eval @ 3a5974d8, train/data/Explainaboard/summeval_raw.json).
The long-format file is written to target/summeval/summeval_long.jsonl.
"""

import json
import os
import subprocess
import sys

HUMANS = ["coherence", "consistency", "fluency", "relevance"]
METRICS = ["rouge1", "rouge2", "rougeL"]

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
args = sys.argv[1:]
extra = []
if "--" in args:
    extra = args[args.index("--") + 1:]
    args = args[: args.index("--")]
raw_path = args[0] if args else os.path.join(root, "..", "shared", "data", "summ-summeval", "summeval_raw.json")

with open(raw_path, encoding="utf-8") as f:
    raw = json.load(f)

out_dir = os.path.join(root, "target", "summeval")
os.makedirs(out_dir, exist_ok=True)
long_path = os.path.join(out_dir, "summeval_long.jsonl")
rows = 0
with open(long_path, "w", encoding="utf-8") as out:
    for doc_id, doc in raw.items():
        refs = doc["refs"]
        assert len(refs) == 11, (doc_id, len(refs))
        for system, hypo in sorted(doc["hypos"].items()):
            row = {"system": system, "id": doc_id, "prediction": hypo["hypo"], "reference": refs}
            for h in HUMANS:
                row[h] = float(hypo["scores"][h])
            out.write(json.dumps(row) + "\n")
            rows += 1
print(f"wrote {rows} rows to {os.path.relpath(long_path, root)}", file=sys.stderr)

binary = os.path.join(root, "target", "release", "benchgate")
cmd = [binary, "agreement", "--input", long_path]
for h in HUMANS:
    cmd += ["--human", h]
for m in METRICS:
    cmd += ["--metric", m]
if "--format" not in extra:
    cmd += ["--format", "markdown"]
cmd += extra
print("$ " + " ".join(os.path.relpath(c, root) if c.startswith(root) else c for c in cmd), file=sys.stderr)
sys.exit(subprocess.call(cmd))
