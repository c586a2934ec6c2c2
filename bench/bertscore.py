#!/usr/bin/env python3
"""BERTScore throughput: sentences and pairs per second, evalgate vs bert-score 0.3.13.

    cargo build --release --features bertscore
    MODEL=$(bash scripts/bertscore/fetch-model.sh)
    python3 bench/bertscore.py --model "$MODEL" [--data ../shared/data] [--repeat 1]
    # also time bert-score itself on the same CPU (venv of scripts/bertscore/requirements.txt):
    python3 bench/bertscore.py --model "$MODEL" --python /tmp/bs/bin/python

Sets (prediction vs reference, all the model's layers, no idf):
  1. WMT22 zh-en: the 1,875 sentences of sysA against ref
  2. AlpacaEval: the 805 long answers of sysA against ref (gpt4_1106_preview); most are
     longer than 512 tokens and are truncated there, as bert-score truncates them (the
     count is printed when the Python package `tokenizers` is importable)
Every evalgate figure is a whole process (`evalgate score`: start-up, model loading,
tokenizing, embedding, matching), the median of --repeat runs; CPU is the process's user +
system time, so CPU / wall is how many cores it kept busy. "sentences" are the distinct
texts embedded (predictions and references). bert-score's figure is one
`bert_score.score(...)` call in a warm process (model loaded before the clock), on the
same threads (torch.set_num_threads = the machine's cores).

Prints a Markdown report (machine, load average at start and end, one row per set) and
writes it to --out (default bench/RESULTS-bertscore.md).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BERT_SCORE_TIMER = r"""
import json, sys, time, os, torch, bert_score
torch.set_num_threads(os.cpu_count())
model, path, layers = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [json.loads(l) for l in open(path, encoding="utf-8")]
cands = [r["prediction"] for r in rows]
refs = [r["reference"] for r in rows]
scorer = bert_score.BERTScorer(model_type=model, num_layers=layers, batch_size=64)
start = time.perf_counter()
P, R, F = scorer.score(cands, refs)
print(time.perf_counter() - start, float(F.mean()))
"""


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    commit = sh(f"git -C {ROOT} rev-parse --short HEAD")
    dirty = " (dirty)" if sh(f"git -C {ROOT} status --porcelain -uno") else ""
    return f"{cpu}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}; evalgate {commit}{dirty}"


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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


def model_name(model):
    """The directory's name, or its parent's when it is a generic `model` (as evalgate's signature)."""
    path = os.path.normpath(os.path.abspath(model))
    name = os.path.basename(path)
    return os.path.basename(os.path.dirname(path)) if name == "model" else name


def model_layers(model):
    with open(os.path.join(model, "config.json"), encoding="utf-8") as f:
        return json.load(f)["num_hidden_layers"]


def truncated(model, texts):
    """How many texts pass 512 tokens (special tokens included), when `tokenizers` is there."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        return None
    tok = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return sum(len(e.ids) > 512 for e in tok.encode_batch([t.strip() for t in texts]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="model directory (scripts/bertscore/fetch-model.sh)")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--evalgate", default=os.path.join(ROOT, "target", "release", "evalgate"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--batch-size", type=int, help="evalgate's --batch-size (default: its own)")
    ap.add_argument("--python", help="a Python with bert-score 0.3.13, to time it too")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS-bertscore.md"))
    args = ap.parse_args()
    layers = model_layers(args.model)
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)

    say("# BERTScore throughput")
    say()
    say(f"Output of `python3 bench/bertscore.py` with `{model_name(args.model)}` "
        f"({os.path.relpath(args.model, ROOT) if args.model.startswith(ROOT) else args.model}, {layers} layers, no idf"
        f"{f', --batch-size {args.batch_size}' if args.batch_size else ''}); median of {args.repeat} run(s).")
    say()
    say(f"Machine: {machine()}.")
    say(f"Load average at start: {load()}.")
    say()
    head = "| set | pairs | sentences | > 512 tokens | evalgate wall | CPU | CPU / wall | pairs/s | sentences/s | mean F |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if args.python:
        head += " bert-score wall | pairs/s | mean F |"
        rule += "---:|---:|---:|"
    say(head)
    say(rule)
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in sets(args.data):
            path = os.path.join(tmp, "rows.jsonl")
            write_jsonl(path, rows)
            texts = sorted({r["prediction"] for r in rows} | {r["reference"] for r in rows})
            cut = truncated(args.model, texts)
            cmd = [args.evalgate, "score", "--input", path, "--metric", "bertscore",
                   "--bertscore-model", args.model, "--format", "json"]
            if args.batch_size:
                cmd += ["--batch-size", str(args.batch_size)]
            runs, out = [], None
            for _ in range(args.repeat):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                runs.append((wall, cpu))
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            mean_f = json.loads(out)["metrics"]["bertscore"]
            line = (f"| {name} | {len(rows):,} | {len(texts):,} | {'?' if cut is None else f'{cut:,}'} | "
                    f"{wall:.1f} s | {cpu:.1f} s | {cpu / wall:.2f} | {len(rows) / wall:.1f} | "
                    f"{len(texts) / wall:.1f} | {mean_f:.6f} |")
            if args.python:
                res = subprocess.run([args.python, "-c", BERT_SCORE_TIMER, args.model, path, str(layers)],
                                     check=True, capture_output=True, text=True).stdout.split()
                t, f = float(res[0]), float(res[1])
                line += f" {t:.1f} s | {len(rows) / t:.1f} | {f:.6f} |"
            say(line)
    say()
    say(f"Load average at end: {load()}.")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
