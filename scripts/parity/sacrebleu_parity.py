#!/usr/bin/env python3
"""Parity of benchgate's corpus BLEU and chrF with sacrebleu 2.6.0 on real MT data.

Run from the repository root after `cargo build --release`:

    python3 -m pip install sacrebleu==2.6.0
    python3 scripts/parity/sacrebleu_parity.py [--data ../shared/data] [--benchgate PATH]
                                               [--timing] [--keep DIR]

For every system of WMT22 zh-en (12 systems, references A = ref.txt and
B = refB.txt) and WMT23 de-en (13 systems, one reference), it writes a JSONL file
({"id", "prediction", "reference"}: one reference, or a list for several), runs

    benchgate score --input FILE --metric bleu --metric chrf --format json

and compares its corpus values with sacrebleu's Python API on the same lines, read
as the sacrebleu CLI reads files (split on "\\n", right-stripped), and with the
organisers' official scores (`official-automatic-scores.*.tsv`). Reference sets:
A, B and both. With both references, BLEU does not depend on their order, but chrF
keeps the first reference with the best sentence-level F, and the official WMT22
multi-reference chrF is reproduced only with the references in the order [B, A], so
both orders are listed for chrF.

With --timing it also times corpus BLEU + chrF on 10,000 pairs (WMT22 systems
stacked) for benchgate and the sacrebleu CLI, whole process, median of 3 runs.

Exit status 1 if benchgate differs from sacrebleu by more than 1e-9 anywhere.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOLERANCE = 1e-9


def read_lines(path):
    """Lines as the sacrebleu CLI reads them (`smart_open`, newline="\\n", rstrip)."""
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def official_scores(path):
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out[(row["system"], row["metric"])] = float(row["score"])
    return out


def write_jsonl(path, hyps, refs_per_segment):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for i, (hyp, refs) in enumerate(zip(hyps, refs_per_segment)):
            ref = refs[0] if len(refs) == 1 else refs
            f.write(json.dumps({"id": str(i), "prediction": hyp, "reference": ref},
                               ensure_ascii=False) + "\n")


def benchgate_scores(binary, path):
    out = subprocess.run(
        [binary, "score", "--input", path, "--metric", "bleu", "--metric", "chrf",
         "--format", "json"],
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["metrics"]


def sacrebleu_scores(hyps, ref_streams):
    return (BLEU().corpus_score(hyps, ref_streams).score,
            CHRF().corpus_score(hyps, ref_streams).score)


def datasets(data):
    zh = os.path.join(data, "mt-wmt22-zhen")
    de = os.path.join(data, "mt-wmt23-deen")
    a, b = read_lines(os.path.join(zh, "ref.txt")), read_lines(os.path.join(zh, "refB.txt"))
    yield ("wmt22-zhen", zh, "official-automatic-scores.zh-en.tsv", [
        # (name, reference streams in order, official metric suffix per metric)
        ("A", [a], {"bleu": "A", "chrf": "A"}),
        ("B", [b], {"bleu": "B", "chrf": "B"}),
        ("A,B", [a, b], {"bleu": "all", "chrf": None}),
        ("B,A", [b, a], {"bleu": "all", "chrf": "all"}),
    ])
    yield ("wmt23-deen", de, "official-automatic-scores.de-en.tsv", [
        ("A", [read_lines(os.path.join(de, "ref.txt"))], {"bleu": "refA", "chrf": "refA"}),
    ])


def parity(args, tmp):
    worst = {"bleu": 0.0, "chrf": 0.0}
    worst_official = {"bleu": 0.0, "chrf": 0.0}
    print(f"{'data':11} {'system':18} {'refs':4} {'metric':5} {'benchgate':>19} "
          f"{'sacrebleu':>19} {'|diff|':>8} {'official':>19}")
    for data_name, folder, tsv, ref_sets in datasets(args.data):
        official = official_scores(os.path.join(folder, tsv))
        systems = sorted(f[:-4] for f in os.listdir(os.path.join(folder, "systems"))
                         if f.endswith(".txt"))
        for system in systems:
            hyps = read_lines(os.path.join(folder, "systems", system + ".txt"))
            for ref_name, streams, suffix in ref_sets:
                assert all(len(s) == len(hyps) for s in streams), (system, ref_name)
                path = os.path.join(tmp, f"{data_name}-{system}-{ref_name}.jsonl")
                write_jsonl(path, hyps, list(zip(*streams)))
                ours = benchgate_scores(args.benchgate, path)
                theirs = dict(zip(["bleu", "chrf"], sacrebleu_scores(hyps, streams)))
                for metric in ["bleu", "chrf"]:
                    diff = abs(ours[metric] - theirs[metric])
                    worst[metric] = max(worst[metric], diff)
                    key = (system, f"{metric}-{suffix[metric]}") if suffix[metric] else None
                    off = official.get(key) if key else None
                    if off is not None:
                        worst_official[metric] = max(worst_official[metric],
                                                     abs(theirs[metric] - off))
                    off_s = f"{off:19.14f}" if off is not None else f"{'-':>19}"
                    print(f"{data_name:11} {system:18} {ref_name:4} {metric:5} "
                          f"{ours[metric]:19.14f} {theirs[metric]:19.14f} {diff:8.1e} {off_s}")
    print()
    for metric in ["bleu", "chrf"]:
        print(f"max |benchgate - sacrebleu| {metric}: {worst[metric]:.3e}; "
              f"max |sacrebleu - official| {metric}: {worst_official[metric]:.3e}")
    return max(worst.values()) <= TOLERANCE


def median_time(cmd, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timing(args, tmp):
    folder = os.path.join(args.data, "mt-wmt22-zhen")
    ref = read_lines(os.path.join(folder, "ref.txt"))
    hyps, refs = [], []
    for f in sorted(os.listdir(os.path.join(folder, "systems"))):
        hyps += read_lines(os.path.join(folder, "systems", f))
        refs += ref
    hyps, refs = hyps[:10000], refs[:10000]
    hyp_txt, ref_txt = os.path.join(tmp, "hyp10k.txt"), os.path.join(tmp, "ref10k.txt")
    for path, lines in [(hyp_txt, hyps), (ref_txt, refs)]:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
    jsonl = os.path.join(tmp, "pairs10k.jsonl")
    write_jsonl(jsonl, hyps, [[r] for r in refs])
    ours = median_time([args.benchgate, "score", "--input", jsonl, "--metric", "bleu",
                        "--metric", "chrf", "--format", "json"])
    theirs = median_time([sys.executable, "-m", "sacrebleu", ref_txt, "-i", hyp_txt,
                          "-m", "bleu", "chrf", "--format", "text"])
    print(f"10,000 pairs, corpus BLEU + chrF, whole process, median of 3: benchgate "
          f"{ours:.3f} s, sacrebleu CLI {theirs:.3f} s, {theirs / ours:.0f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--benchgate", default=os.path.join(ROOT, "target", "release", "benchgate"))
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--keep", help="write the JSONL files here instead of a temporary folder")
    args = parser.parse_args()
    assert sacrebleu.__version__ == "2.6.0", sacrebleu.__version__
    with tempfile.TemporaryDirectory() as tmp:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            tmp = args.keep
        ok = parity(args, tmp)
        if args.timing:
            timing(args, tmp)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
