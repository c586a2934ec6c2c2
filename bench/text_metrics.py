#!/usr/bin/env python3
"""Side-by-side timings of benchgate and the reference tools, in one run.

    pip install -r scripts/goldens/requirements.txt      # rouge-score, nltk, sacrebleu
    cargo build --release
    python3 bench/text_metrics.py [--data ../shared/data] [--repeat 3] [--alpaca]

Every figure is a whole process (start-up, reading, scoring), the median of
--repeat runs. Tasks (the issue's goals in brackets):
  1. ROUGE-1/2/L/Lsum over 10,000 WMT22 zh-en pairs vs rouge-score   [>= 100x]
  2. corpus BLEU + chrF over 10,000 pairs vs the sacrebleu CLI          [>= 50x]
  3. paired bootstrap of BLEU + chrF, 1,000 resamples, WMT22 sysA vs
     sysB, vs `sacrebleu --paired-bs`                                    [>= 50x]
  4. (--alpaca) ROUGE over the 805 AlpacaEval answers vs rouge-score   [anchor ~57 s]
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


def timed(cmd, repeat, **kw):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def wmt_pairs(data, limit):
    d = os.path.join(data, "mt-wmt22-zhen")
    refs = open(os.path.join(d, "ref.txt"), encoding="utf-8").read().split("\n")[:1875]
    pairs = []
    for name in sorted(os.listdir(os.path.join(d, "systems"))):
        hyps = open(os.path.join(d, "systems", name), encoding="utf-8").read().split("\n")[:1875]
        pairs.extend(zip(hyps, refs))
    return pairs[:limit]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--benchgate", default=os.path.join(ROOT, "target", "release", "benchgate"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--alpaca", action="store_true", help="also ROUGE on AlpacaEval (rouge-score takes about a minute)")
    args = ap.parse_args()
    eg = args.benchgate
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pairs = wmt_pairs(args.data, 10_000)
        jsonl = os.path.join(tmp, "wmt.jsonl")
        write_jsonl(jsonl, [{"id": i, "prediction": h, "reference": r} for i, (h, r) in enumerate(pairs)])
        hyp_txt, ref_txt = os.path.join(tmp, "hyp.txt"), os.path.join(tmp, "ref.txt")
        open(hyp_txt, "w", encoding="utf-8").write("\n".join(h for h, _ in pairs) + "\n")
        open(ref_txt, "w", encoding="utf-8").write("\n".join(r for _, r in pairs) + "\n")

        rouge_py = (
            "import json,sys\nfrom rouge_score import rouge_scorer\n"
            "s=rouge_scorer.RougeScorer(['rouge1','rouge2','rougeL','rougeLsum'])\n"
            "for l in open(sys.argv[1],encoding='utf-8'):\n"
            " r=json.loads(l); s.score(r['reference'], r['prediction'])\n"
        )
        eg_rouge = [eg, "score", "--input", jsonl, "--metric", "rouge1", "--metric", "rouge2",
                    "--metric", "rougeL", "--metric", "rougeLsum", "--format", "json"]
        rows.append(("ROUGE-1/2/L/Lsum, 10,000 WMT22 pairs", "rouge-score 0.1.2",
                     timed([py, "-c", rouge_py, jsonl], args.repeat), timed(eg_rouge, args.repeat), 100))

        sb = [py, "-m", "sacrebleu", ref_txt, "-i", hyp_txt, "-m", "bleu", "chrf", "--format", "text"]
        eg_sb = [eg, "score", "--input", jsonl, "--metric", "bleu", "--metric", "chrf", "--format", "json"]
        rows.append(("corpus BLEU + chrF, 10,000 pairs", "sacrebleu 2.6.0 CLI",
                     timed(sb, args.repeat), timed(eg_sb, args.repeat), 50))

        d = os.path.join(args.data, "mt-wmt22-zhen")
        refs = open(os.path.join(d, "ref.txt"), encoding="utf-8").read().split("\n")[:1875]
        for side in ("sysA", "sysB"):
            hyps = open(os.path.join(d, side + ".txt"), encoding="utf-8").read().split("\n")[:1875]
            write_jsonl(os.path.join(tmp, side + ".jsonl"),
                        [{"id": i, "prediction": h, "reference": r} for i, (h, r) in enumerate(zip(hyps, refs))])
        pbs = [py, "-m", "sacrebleu", os.path.join(d, "ref.txt"), "-i", os.path.join(d, "sysA.txt"),
               os.path.join(d, "sysB.txt"), "-m", "bleu", "chrf", "--paired-bs", "--format", "text"]
        eg_pbs = [eg, "compare", "--baseline", os.path.join(tmp, "sysA.jsonl"), "--current",
                  os.path.join(tmp, "sysB.jsonl"), "--metric", "bleu", "--metric", "chrf",
                  "--resamples", "1000", "--resampler", "multinomial", "--fail-on", "never", "--quiet"]
        rows.append(("paired bootstrap BLEU + chrF, 1,000 resamples, WMT22", "sacrebleu --paired-bs",
                     timed(pbs, args.repeat), timed(eg_pbs, args.repeat), 50))

        if args.alpaca:
            a = os.path.join(args.data, "llm-alpacaeval")
            ref = [json.loads(l) for l in open(os.path.join(a, "ref.jsonl"), encoding="utf-8")]
            hyp = [json.loads(l) for l in open(os.path.join(a, "sysA.jsonl"), encoding="utf-8")]
            aj = os.path.join(tmp, "alpaca.jsonl")
            write_jsonl(aj, [{"id": h["id"], "prediction": h["text"], "reference": r["text"]} for h, r in zip(hyp, ref)])
            eg_a = [eg, "score", "--input", aj, "--metric", "rouge1", "--metric", "rouge2", "--metric", "rougeL",
                    "--metric", "rougeLsum", "--format", "json"]
            rows.append(("ROUGE-1/2/L/Lsum, 805 AlpacaEval answers", "rouge-score 0.1.2",
                         timed([py, "-c", rouge_py, aj], 1), timed(eg_a, args.repeat), None))

    print(f"{'task':<55} {'anchor':<22} {'anchor s':>9} {'benchgate s':>11} {'ratio':>8}  goal")
    for task, anchor, ta, te, goal in rows:
        ratio = ta / te
        verdict = "" if goal is None else (f">= {goal}x ok" if ratio >= goal else f">= {goal}x MISSED")
        print(f"{task:<55} {anchor:<22} {ta:>9.2f} {te:>11.3f} {ratio:>7.0f}x  {verdict}")


if __name__ == "__main__":
    main()
