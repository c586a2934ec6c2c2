#!/usr/bin/env python3
"""BERTScore throughput: sentences and pairs per second, benchgate vs bert-score 0.3.13.

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
Every benchgate figure is a whole process (`benchgate score`: start-up, model loading,
tokenizing, embedding, matching), the median of --repeat runs; CPU is the process's user +
system time, so CPU / wall is how many cores it kept busy. "sentences" are the distinct
texts embedded (predictions and references). bert-score's figure is one
`bert_score.score(...)` call in a warm process (model loaded before the clock), on the
same threads (torch.set_num_threads = the machine's cores).

--limit N keeps the first N pairs of each set (a fixed subset, for before/after comparisons
of a change on a busy machine). --reuse adds the pull-request case on AlpacaEval: a baseline
file written by `benchgate baseline write` (sysA), then a current run in which every fifth
answer changed (sysB's answer in its place, 20%); it times `compare` recomputing both sides
from plain result files against `compare` with the baseline file (stored values reused),
and checks that both give the same numbers.

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
    return f"{cpu}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}; benchgate {commit}{dirty}"


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


def alpaca(data, system="sysA"):
    path = os.path.join(data, "llm-alpacaeval")
    a_ref, a_sys = read_jsonl(os.path.join(path, "ref.jsonl")), read_jsonl(os.path.join(path, f"{system}.jsonl"))
    return [{"id": str(r["id"]), "prediction": s["text"], "reference": r["text"]} for r, s in zip(a_ref, a_sys)]


def timed(cmd, ok=(0,)):
    """(wall, cpu, stdout) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def reuse_case(args, say, tmp):
    """The pull-request case: baseline file, 20% of answers changed, compare with and without reuse."""
    base = alpaca(args.data, "sysA")
    other = alpaca(args.data, "sysB")
    if args.limit:
        base, other = base[: args.limit], other[: args.limit]
    cur = [dict(b, prediction=o["prediction"]) if i % 5 == 0 else b for i, (b, o) in enumerate(zip(base, other))]
    changed = sum(b["prediction"] != c["prediction"] for b, c in zip(base, cur))
    base_path, cur_path = os.path.join(tmp, "base.jsonl"), os.path.join(tmp, "cur.jsonl")
    write_jsonl(base_path, base)
    write_jsonl(cur_path, cur)
    model = ["--metric", "bertscore", "--bertscore-model", args.model]
    stored = os.path.join(tmp, "baseline.benchgate.jsonl")
    w_wall, w_cpu, _ = timed([args.benchgate, "baseline", "write", "--from", base_path, "--out", stored] + model)
    compare = [args.benchgate, "compare", "--current", cur_path, "--format", "json", "--quiet"] + model
    f_wall, f_cpu, full = timed(compare + ["--baseline", base_path], ok=(0, 1))
    r_wall, r_cpu, reused = timed(compare + ["--baseline", stored], ok=(0, 1))
    full, reused = json.loads(full), json.loads(reused)
    diff = max(abs(full["metrics"][0][k] - reused["metrics"][0][k]) for k in ("baseline", "current", "delta"))
    counts = reused.get("reuse", [{}])[0]
    say()
    say(f"PR-like case, AlpacaEval (long): {len(base):,} examples, {changed:,} answers changed (sysB's in place of sysA's).")
    say()
    say("| step | wall | CPU | predictions scored |")
    say("|---|---:|---:|---:|")
    say(f"| `baseline write` (sysA) | {w_wall:.1f} s | {w_cpu:.1f} s | {len(base):,} |")
    say(f"| `compare`, plain baseline (both sides computed) | {f_wall:.1f} s | {f_cpu:.1f} s | {2 * len(base):,} |")
    say(f"| `compare`, baseline file (stored values reused) | {r_wall:.1f} s | {r_cpu:.1f} s | "
        f"{counts.get('computed', '?'):,} of {counts.get('computed', 0) + counts.get('reused', 0):,} |")
    say()
    say(f"Largest difference of baseline, current and delta between the two: {diff:.1e} "
        f"(bertscore {reused['metrics'][0]['baseline']:.6f} → {reused['metrics'][0]['current']:.6f}; "
        "values computed in other padded batches differ by float rounding).")


def sets(data):
    wmt = os.path.join(data, "mt-wmt22-zhen")
    ref, hyp = read_lines(os.path.join(wmt, "ref.txt")), read_lines(os.path.join(wmt, "sysA.txt"))
    yield "WMT22 zh-en sysA vs ref", [
        {"id": str(i), "prediction": h, "reference": r} for i, (h, r) in enumerate(zip(hyp, ref))
    ]
    yield "AlpacaEval sysA vs ref (long)", alpaca(data)


def model_name(model):
    """The directory's name, or its parent's when it is a generic `model` (as benchgate's signature)."""
    path = os.path.normpath(os.path.abspath(model))
    name = os.path.basename(path)
    return os.path.basename(os.path.dirname(path)) if name == "model" else name


def model_layers(model):
    with open(os.path.join(model, "config.json"), encoding="utf-8") as f:
        return json.load(f)["num_hidden_layers"]


TRUNCATED = r"""
import json, sys
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
tok.no_truncation()
tok.no_padding()
texts = json.load(open(sys.argv[2], encoding="utf-8"))
print(sum(len(e.ids) > 512 for e in tok.encode_batch([t.strip() for t in texts])))
"""


def truncated(model, texts, python=None):
    """How many texts pass 512 tokens (special tokens included), counted with `tokenizers`
    in this Python or else in --python's (None when neither has it)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "texts.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(texts, f)
        for exe in [sys.executable] + ([python] if python else []):
            res = subprocess.run([exe, "-c", TRUNCATED, os.path.join(model, "tokenizer.json"), path],
                                 capture_output=True, text=True)
            if res.returncode == 0:
                return int(res.stdout)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="model directory (scripts/bertscore/fetch-model.sh)")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--benchgate", default=os.path.join(ROOT, "target", "release", "benchgate"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--batch-size", type=int, help="benchgate's --batch-size (default: its own)")
    ap.add_argument("--python", help="a Python with bert-score 0.3.13, to time it too")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS-bertscore.md"))
    ap.add_argument("--limit", type=int, help="only the first N pairs of each set")
    ap.add_argument("--sets", default="wmt,alpaca", help="which sets: wmt, alpaca or both")
    ap.add_argument("--reuse", action="store_true", help="also time the PR-like reuse case")
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
        f"{f', --batch-size {args.batch_size}' if args.batch_size else ''}"
        f"{f', first {args.limit} pairs of each set' if args.limit else ''}); median of {args.repeat} run(s).")
    say()
    say(f"Machine: {machine()}.")
    say(f"Load average at start: {load()}.")
    say()
    head = "| set | pairs | sentences | > 512 tokens | benchgate wall | CPU | CPU / wall | pairs/s | sentences/s | mean F |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if args.python:
        head += " bert-score wall | pairs/s | mean F |"
        rule += "---:|---:|---:|"
    say(head)
    say(rule)
    with tempfile.TemporaryDirectory() as tmp:
        wanted = args.sets.split(",")
        for name, rows in sets(args.data):
            if not any(name.lower().startswith(w) for w in wanted):
                continue
            rows = rows[: args.limit] if args.limit else rows
            path = os.path.join(tmp, "rows.jsonl")
            write_jsonl(path, rows)
            texts = sorted({r["prediction"] for r in rows} | {r["reference"] for r in rows})
            cut = truncated(args.model, texts, args.python)
            cmd = [args.benchgate, "score", "--input", path, "--metric", "bertscore",
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
        if args.reuse:
            reuse_case(args, say, tmp)
    say()
    say(f"Load average at end: {load()}.")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
