#!/usr/bin/env python3
"""ROUGE parity on real data: benchgate against rouge-score 0.1.2 (+ nltk 3.10.4).

    cargo build --release --bin benchgate --example rouge_parity
    python3 -m pip install -r scripts/goldens/requirements.txt
    python3 scripts/parity/rouge_parity.py [--data ../shared/data] [--bench]

For each data set in the shared data folder it writes a JSONL file (id, prediction,
reference: a string or a list) to a temporary folder, scores it with rouge-score
(`RougeScorer([...], use_stemmer)`, `score(target, prediction)` or `score_multi` for
several references) and with benchgate, and prints the largest absolute difference per
ROUGE type and how many of the values are not bit-identical:

  * without the stemmer through the CLI: `benchgate score --format jsonl`;
  * with the stemmer through `examples/rouge_parity.rs` (the library; the CLI has no
    stemmer flag yet).

Data sets (see the data folder's README): SummEval (16 systems x 100 documents, 11
references each: score_multi), REALSumm (newline-separated sentences: rougeLsum),
WMT22 zh-en (12 systems vs the A reference, and one system vs both references),
AlpacaEval (three models vs gpt4_1106_preview, long multi-line answers).

--bench times both tools as whole processes on 10,000 WMT22 pairs (median of 3).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def summeval(data):
    d = os.path.join(data, "summ-summeval")
    ids = read_lines(os.path.join(d, "ids.txt"))
    refs = {r["id"]: r["refs"] for r in read_jsonl(os.path.join(d, "refs_all.jsonl"))}
    rows = []
    for name in sorted(os.listdir(os.path.join(d, "systems"))):
        if not name.endswith(".txt"):
            continue
        for doc, pred in zip(ids, read_lines(os.path.join(d, "systems", name))):
            rows.append({"id": "%s/%s" % (name[:-4], doc), "prediction": pred,
                         "reference": refs[doc]})
    return rows


def realsumm(data):
    d = os.path.join(data, "summ-realsumm")
    refs = {r["id"]: r["text"] for r in read_jsonl(os.path.join(d, "ref.jsonl"))}
    rows = []
    for name in sorted(os.listdir(os.path.join(d, "systems"))):
        if not name.endswith(".jsonl"):
            continue
        for r in read_jsonl(os.path.join(d, "systems", name)):
            if r["id"] in refs:
                rows.append({"id": "%s/%s" % (name[:-6], r["id"]), "prediction": r["text"],
                             "reference": refs[r["id"]]})
    return rows


def wmt22(data):
    d = os.path.join(data, "mt-wmt22-zhen")
    ref = read_lines(os.path.join(d, "ref.txt"))
    rows = []
    for name in sorted(os.listdir(os.path.join(d, "systems"))):
        if name.endswith(".txt"):
            for i, pred in enumerate(read_lines(os.path.join(d, "systems", name))):
                rows.append({"id": "%s/%d" % (name[:-4], i), "prediction": pred,
                             "reference": ref[i]})
    return rows


def wmt22_two_refs(data):
    d = os.path.join(data, "mt-wmt22-zhen")
    ref, ref_b = read_lines(os.path.join(d, "ref.txt")), read_lines(os.path.join(d, "refB.txt"))
    preds = read_lines(os.path.join(d, "sysA.txt"))
    return [{"id": str(i), "prediction": p, "reference": [ref[i], ref_b[i]]}
            for i, p in enumerate(preds)]


def alpacaeval(data):
    d = os.path.join(data, "llm-alpacaeval")
    ref = {r["id"]: r["text"] for r in read_jsonl(os.path.join(d, "ref.jsonl"))}
    rows = []
    for system in ["sysA", "sysB", "sysC"]:
        for r in read_jsonl(os.path.join(d, system + ".jsonl")):
            rows.append({"id": "%s/%s" % (system, r["id"]), "prediction": r["text"],
                         "reference": ref[r["id"]]})
    return rows


SETS = [("summ-summeval", summeval), ("summ-realsumm", realsumm), ("mt-wmt22-zhen", wmt22),
        ("mt-wmt22-zhen-2refs", wmt22_two_refs), ("llm-alpacaeval", alpacaeval)]


def rouge_score(rows, stemmer):
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=stemmer)
    out = {}
    for r in rows:
        refs = r["reference"]
        if isinstance(refs, list):
            s = scorer.score_multi(refs, r["prediction"])
        else:
            s = scorer.score(refs, r["prediction"])
        out[r["id"]] = {t: s[t].fmeasure for t in TYPES}
    return out


def benchgate(path, stemmer, binary, example):
    if stemmer:
        cmd = [example, path, "--stemmer"]
    else:
        cmd = [binary, "score", "--input", path, "--format", "jsonl"]
        for t in TYPES:
            cmd += ["--metric", t]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    if stemmer:
        return {r["id"]: r for r in rows}
    # A scores file: a header line, then each example with "benchgate_scores".
    return {r["id"]: r["benchgate_scores"] for r in rows if "benchgate_baseline" not in r}


def compare(ours, theirs):
    assert set(ours) == set(theirs), "different ids"
    worst = {t: 0.0 for t in TYPES}
    inexact = 0
    for k, want in theirs.items():
        for t in TYPES:
            d = abs(ours[k][t] - want[t])
            worst[t] = max(worst[t], d)
            inexact += ours[k][t] != want[t]
    return worst, inexact


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def median_time(cmd, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


BENCH_PY = """
import json, sys
from rouge_score import rouge_scorer
scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"],
                                  use_stemmer=sys.argv[2] == "stem")
total = 0.0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    total += scorer.score(r["reference"], r["prediction"])["rougeL"].fmeasure
print(total)
"""


def bench(tmp, data, binary, example):
    rows = wmt22(data)[:10000]
    path = os.path.join(tmp, "bench.jsonl")
    write_jsonl(path, rows)
    cli = [binary, "score", "--input", path, "--format", "json"]
    for t in TYPES:
        cli += ["--metric", t]
    for stem in [False, True]:
        ours = median_time([example, path] + (["--stemmer"] if stem else []))
        theirs = median_time([sys.executable, "-c", BENCH_PY, path, "stem" if stem else "plain"])
        line = "10,000 WMT22 pairs, 4 types, stemmer %-3s: rouge-score %.2f s, benchgate example " \
               "(1 thread) %.3f s" % ("on" if stem else "off", theirs, ours)
        if not stem:
            line += ", benchgate score CLI %.3f s" % median_time(cli)
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--benchgate", default=os.path.join(ROOT, "target", "release", "benchgate"))
    parser.add_argument("--example", default=os.path.join(ROOT, "target", "release", "examples",
                                                          "rouge_parity"))
    parser.add_argument("--only", help="comma-separated data set names")
    parser.add_argument("--bench", action="store_true", help="also time 10,000 WMT22 pairs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in SETS:
            if args.only and name not in args.only.split(","):
                continue
            rows = build(args.data)
            path = os.path.join(tmp, name + ".jsonl")
            write_jsonl(path, rows)
            for stemmer in [False, True]:
                start = time.perf_counter()
                theirs = rouge_score(rows, stemmer)
                t_theirs = time.perf_counter() - start
                start = time.perf_counter()
                ours = benchgate(path, stemmer, args.benchgate, args.example)
                t_ours = time.perf_counter() - start
                worst, inexact = compare(ours, theirs)
                print("%-20s n=%-6d stemmer=%-3s max|diff| %s; not bit-identical: %d of %d; "
                      "rouge-score %.1f s, benchgate %.2f s" % (
                          name, len(rows), "on" if stemmer else "off",
                          " ".join("%s=%.1e" % (t, worst[t]) for t in TYPES),
                          inexact, len(rows) * len(TYPES), t_theirs, t_ours), flush=True)
        if args.bench:
            bench(tmp, args.data, args.benchgate, args.example)


if __name__ == "__main__":
    main()
