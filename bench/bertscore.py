#!/usr/bin/env python3
"""BERTScore throughput: sentences (pairs) per second, evalgate vs bert-score 0.3.13.

    cargo build --release --features bertscore
    MODEL=$(bash scripts/bertscore/fetch-model.sh)
    python3 bench/bertscore.py --model "$MODEL" [--data ../shared/data] [--repeat 1]
    # also time bert-score itself on the same CPU (venv of scripts/bertscore/requirements.txt):
    python3 bench/bertscore.py --model "$MODEL" --python /tmp/bs/bin/python

Sets (prediction vs reference, the model all-MiniLM-L6-v2, all 6 layers, no idf):
  1. WMT22 zh-en: the 1,875 sentences of sysA against ref
  2. AlpacaEval: the 805 long answers of sysA against ref (gpt4_1106_preview); most are
     longer than 512 tokens and are truncated there, as bert-score truncates them
Every evalgate figure is a whole process (`evalgate score`: start-up, model loading,
tokenizing, embedding, matching), the median of --repeat runs. bert-score's figure is
one `bert_score.score(...)` call in a warm process (model loaded before the clock), on
the same threads (torch.set_num_threads = the machine's cores).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BERT_SCORE_TIMER = r"""
import json, sys, time, os, torch, bert_score
torch.set_num_threads(os.cpu_count())
model, path = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(path, encoding="utf-8")]
cands = [r["prediction"] for r in rows]
refs = [r["reference"] for r in rows]
scorer = bert_score.BERTScorer(model_type=model, num_layers=6, batch_size=64)
start = time.perf_counter()
P, R, F = scorer.score(cands, refs)
print(time.perf_counter() - start, float(F.mean()))
"""


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def sets(data):
    wmt = os.path.join(data, "mt-wmt22-zhen")
    ref, hyp = read_lines(os.path.join(wmt, "ref.txt")), read_lines(os.path.join(wmt, "sysA.txt"))
    yield "WMT22 zh-en sysA vs ref", [
        {"id": str(i), "prediction": h, "reference": r} for i, (h, r) in enumerate(zip(hyp, ref))
    ]
    alpaca = os.path.join(data, "llm-alpacaeval")
    a_ref, a_sys = read_jsonl(os.path.join(alpaca, "ref.jsonl")), read_jsonl(os.path.join(alpaca, "sysA.jsonl"))
    yield "AlpacaEval sysA vs ref (long)", [
        {"id": str(r["id"]), "prediction": s["text"], "reference": r["text"]} for r, s in zip(a_ref, a_sys)
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="model directory (scripts/bertscore/fetch-model.sh)")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--evalgate", default=os.path.join(ROOT, "target", "release", "evalgate"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--python", help="a Python with bert-score 0.3.13, to time it too")
    args = ap.parse_args()
    print(f"{'set':34} {'pairs':>6} {'evalgate s':>11} {'pairs/s':>9} {'mean F':>9}", end="")
    print(f" {'bert-score s':>13} {'pairs/s':>9} {'mean F':>9}" if args.python else "")
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in sets(args.data):
            path = os.path.join(tmp, "rows.jsonl")
            write_jsonl(path, rows)
            cmd = [args.evalgate, "score", "--input", path, "--metric", "bertscore",
                   "--bertscore-model", args.model, "--format", "json"]
            times, out = [], None
            for _ in range(args.repeat):
                start = time.perf_counter()
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                times.append(time.perf_counter() - start)
            wall = statistics.median(times)
            mean_f = json.loads(out)["metrics"]["bertscore"]
            line = f"{name:34} {len(rows):>6} {wall:>11.1f} {len(rows) / wall:>9.1f} {mean_f:>9.6f}"
            if args.python:
                res = subprocess.run([args.python, "-c", BERT_SCORE_TIMER, args.model, path],
                                     check=True, capture_output=True, text=True).stdout.split()
                t, f = float(res[0]), float(res[1])
                line += f" {t:>13.1f} {len(rows) / t:>9.1f} {f:>9.6f}"
            print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
