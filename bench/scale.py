#!/usr/bin/env python3
"""benchgate at scale, beside the anchors, in one run; prints a markdown report.

    pip install -r bench/requirements.txt
    cargo build --release
    python3 bench/scale.py [--out bench/RESULTS.md]       # n = 10k, 100k, 1M (~10 min)
    python3 bench/scale.py --quick                         # small n, for CI (~1 min)

What it measures (the issue's goals in brackets):
  1. `benchgate compare`, metrics exact_match, f1 and the external score `judge`,
     10,000 resamples, at n = 10k, 100k, 1M examples per side, under
     /usr/bin/time -v: wall, CPU, peak RSS and the time of each stage
     [1M: <= 60 s, <= 4 GiB], with the cost per example x resample (the curve);
  2. the "what a user would write instead" anchor at the same n: json.loads of
     both files and a plain numpy paired bootstrap of the mean of `judge`, and
     whether its 95% interval matches benchgate's;
  3. load + align of the 1M pair (about 1 GB) against `wc -l` of the same files
     [<= 2x], with the files in the page cache and dropped from it, beside the
     floor: bench/floor, a loader that keeps no rows;
  4. `sacrebleu --paired-bs` (BLEU + chrF, 1,000 resamples) and rouge-score
     (rouge1/2/L) against benchgate on the same --anchor-n examples.
The inputs come from bench/gen_scale.py (seeded) and are cached in --data.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METRICS = ["exact_match", "f1", "judge"]


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "commit": sh(f"git -C {ROOT} rev-parse --short HEAD") + (" (dirty)" if sh(f"git -C {ROOT} status --porcelain -uno") else ""),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def generate(n, data):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "gen_scale.py"), "--n", str(n), "--out", data],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    return out[0], out[1]


def timed_v(cmd, env=None):
    """Runs cmd under /usr/bin/time -v (where GNU time is missing, with the
    children's rusage); returns (wall, cpu, max_rss_bytes, stderr, stdout)."""
    if not os.path.exists("/usr/bin/time"):
        # The largest child so far, not just this one: an upper bound.
        import resource
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return wall, cpu, after.ru_maxrss * 1024, p.stderr, p.stdout
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    err = p.stderr

    def field(name):
        m = re.search(rf"{re.escape(name)}: (.+)", err)
        return m.group(1).strip() if m else "0"

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(x) for x in wall.split(":")]
    secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)")) * 1024
    return secs, cpu, rss, err, p.stdout


def stage_times(stderr):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"benchgate: (\w+) took ([0-9.]+) s", stderr)}


def benchgate_compare(eg, base, cur, resamples, extra=()):
    env = dict(os.environ, BENCHGATE_PROGRESS_DELAY_MS="0")
    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "report.json")
        cmd = [eg, "compare", "--baseline", base, "--current", cur, "--resamples", str(resamples), "--json-out", js]
        for m in METRICS:
            cmd += ["--metric", m]
        cmd += list(extra)
        wall, cpu, rss, err, _ = timed_v(cmd, env)
        report = json.load(open(js))
    return wall, cpu, rss, stage_times(err), report


def metric_ci(report, name):
    for m in report["metrics"]:
        if m["name"] == name:
            return m
    raise KeyError(name)


NUMPY_ANCHOR = r'''
import json, sys, time
import numpy as np
base, cur, resamples, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
level = float(sys.argv[5])
t0 = time.perf_counter()
def scores(path):
    return {r["id"]: r["judge"] for r in map(json.loads, open(path, encoding="utf-8"))}
b, c = scores(base), scores(cur)
ids = [i for i in b if i in c]
delta = np.array([c[i] - b[i] for i in ids])
t1 = time.perf_counter()
rng = np.random.default_rng(seed)
n = len(delta)
means = np.empty(resamples)
chunk = max(1, 20_000_000 // n)
for s in range(0, resamples, chunk):
    k = min(chunk, resamples - s)
    idx = rng.integers(0, n, size=(k, n))
    means[s:s + k] = delta[idx].mean(axis=1)
lo, hi = np.percentile(means, [50 * (1 - level), 50 * (1 + level)])
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "bootstrap": t2 - t1, "delta": float(delta.mean()), "ci": [float(lo), float(hi)]}))
'''


def numpy_anchor(base, cur, resamples, level):
    """A plain paired percentile bootstrap of judge's mean delta, at `level` (the
    two-sided level of benchgate's interval for that row, 1 − 2·alpha_row)."""
    wall, cpu, rss, err, out = timed_v([sys.executable, "-c", NUMPY_ANCHOR, base, cur, str(resamples), "12345", str(level)])
    return wall, cpu, rss, json.loads(out)


def wc_l(base, cur, repeat=3):
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(["wc", "-l", base, cur], check=True, capture_output=True)
        t = time.perf_counter() - t
        best = t if best is None else min(best, t)
    return best


def evict(*paths):
    """Drops the files' pages from the page cache (POSIX_FADV_DONTNEED: no root needed)."""
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def floor_loader(base, cur, repeat=3):
    """bench/floor, the leanest loader (no rows, no retained text): best of `repeat`."""
    # Its own small crate (memchr, rayon, xxhash-rust): seconds to build, no dev-dependencies.
    p = subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--message-format", "json",
                        "--manifest-path", os.path.join(ROOT, "bench", "floor", "Cargo.toml")],
                       cwd=ROOT, check=True, capture_output=True, text=True)
    exe = next(m["executable"] for m in map(json.loads, p.stdout.splitlines())
               if m.get("reason") == "compiler-artifact" and m.get("executable"))
    best = None
    for _ in range(repeat):
        out = json.loads(subprocess.run([exe, base, cur], check=True, capture_output=True, text=True).stdout)
        t = out["load_s"] + out["align_s"]
        best = t if best is None else min(best, t)
    return best


def first_rows(path, n):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == n:
                break
    return rows


def text_anchors(eg, base, cur, n, tmp):
    """sacrebleu --paired-bs and rouge-score against benchgate on the first n examples."""
    b, c = first_rows(base, n), first_rows(cur, n)
    paths = {}
    for name, rows in (("base", b), ("cur", c)):
        paths[name] = os.path.join(tmp, f"{name}-{n}.jsonl")
        with open(paths[name], "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        with open(os.path.join(tmp, f"{name}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(r["prediction"] for r in rows) + "\n")
    with open(os.path.join(tmp, "ref.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(r["reference"] for r in b) + "\n")
    out = {}
    # sacrebleu's paired bootstrap: 1,000 resamples (its default), BLEU + chrF.
    t = time.perf_counter()
    sb = subprocess.run(
        [sys.executable, "-m", "sacrebleu", os.path.join(tmp, "ref.txt"), "-i", os.path.join(tmp, "base.txt"), os.path.join(tmp, "cur.txt"),
         "-m", "bleu", "chrf", "--paired-bs", "--paired-bs-n", "1000", "-f", "text"],
        check=True, capture_output=True, text=True,
    )
    out["sacrebleu_s"] = time.perf_counter() - t
    # (sacrebleu 2.6.0's JSON output fails on numpy 2 floats: read its table.)
    out["sacrebleu_bleu"] = [float(x) for x in re.findall(r"\.txt\s*│\s*([0-9.]+) \(", sb.stdout)]
    with tempfile.TemporaryDirectory() as t2:
        js = os.path.join(t2, "r.json")
        t = time.perf_counter()
        subprocess.run(
            [eg, "compare", "--baseline", paths["base"], "--current", paths["cur"], "--metric", "bleu", "--metric", "chrf",
             "--resamples", "1000", "--resampler", "multinomial", "--json-out", js, "--quiet"],
            capture_output=True, text=True,
        )
        out["benchgate_bs_s"] = time.perf_counter() - t
        r = json.load(open(js))
        m = metric_ci(r, "bleu")
        out["benchgate_bleu"] = [m["baseline"], m["current"]]
    # rouge-score over both sides, as a user would call it.
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    t = time.perf_counter()
    py = []
    for rows in (b, c):
        sums = {k: 0.0 for k in ("rouge1", "rouge2", "rougeL")}
        for r in rows:
            s = scorer.score(r["reference"], r["prediction"])
            for k in sums:
                sums[k] += s[k].fmeasure
        py.append(sums)
    out["rouge_score_s"] = time.perf_counter() - t
    out["rouge_score_rougeL_cur"] = py[1]["rougeL"] / n
    t = time.perf_counter()
    scores = {}
    for name in ("base", "cur"):
        p = subprocess.run(
            [eg, "score", "--input", paths[name], "--metric", "rouge1", "--metric", "rouge2", "--metric", "rougeL",
             "--format", "json"], check=True, capture_output=True, text=True)
        scores[name] = json.loads(p.stdout)["metrics"]
    out["benchgate_rouge_s"] = time.perf_counter() - t
    out["benchgate_rougeL_cur"] = scores["cur"]["rougeL"]
    return out


def gib(b):
    return f"{b / 2**30:.2f} GiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--benchgate", default=os.path.join(ROOT, "target", "release", "benchgate"))
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "benchgate-scale"))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--resamples", type=int, default=10000)
    ap.add_argument("--anchor-n", type=int, default=10000)
    ap.add_argument("--quick", action="store_true", help="n = 2k, 20k; 1,000 resamples; anchors on 1,000 (CI)")
    ap.add_argument("--out", help="also write the report to this file")
    ap.add_argument("--criterion", action="store_true",
                    help="also run `cargo bench --bench bootstrap` (100k x 10k x 4, the 2 s goal)")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.resamples, args.anchor_n = "2000,20000", 1000, 1000
    sizes = [int(s) for s in args.sizes.split(",")]
    eg = os.path.abspath(args.benchgate)
    info = machine()
    lines = []
    say = lines.append

    rows = []
    for n in sizes:
        base, cur = generate(n, args.data)
        # The paired bootstrap (the engine this benchmark times), so that the
        # anchor below is the same construction at the same per-row level.
        wall, cpu, rss, stages, report = benchgate_compare(eg, base, cur, args.resamples, ["--test", "bootstrap"])
        judge = metric_ci(report, "judge")
        # The judge row's own two-sided level: 1 − 2 × the one-sided level the
        # gate's graphical procedure tested it at.
        level = 1 - 2 * next(m for m in report["metrics"] if m["name"] == "judge")["alpha_row"]
        nw, ncpu, nrss, anchor = numpy_anchor(base, cur, args.resamples, level)
        rows.append((n, base, cur, wall, cpu, rss, stages, report, nw, ncpu, nrss, anchor, judge))
        print(f"n={n}: benchgate {wall:.1f} s, numpy {nw:.1f} s", file=sys.stderr)

    big = max(sizes)
    big_row = next(r for r in rows if r[0] == big)
    base, cur = big_row[1], big_row[2]
    size = os.path.getsize(base) + os.path.getsize(cur)
    wc = wc_l(base, cur)
    la = []
    for _ in range(3):
        _, _, _, st, _ = benchgate_compare(eg, base, cur, 100, ["--metric", "judge"])
        la.append(st.get("load", 0) + st.get("align", 0))
    load_align = min(la)
    floor = floor_loader(base, cur)
    # The same from disk: the files' pages dropped from the cache before each run.
    evict(base, cur)
    wc_cold = wc_l(base, cur, repeat=1)
    evict(base, cur)
    _, _, _, st, _ = benchgate_compare(eg, base, cur, 100, ["--metric", "judge"])
    load_align_cold = st.get("load", 0) + st.get("align", 0)

    with tempfile.TemporaryDirectory() as tmp:
        anchors = text_anchors(eg, rows[0][1], rows[0][2], min(args.anchor_n, sizes[0]), tmp)

    say("# benchgate at scale")
    say("")
    say(f"Output of `python3 bench/scale.py{' --quick' if args.quick else ''}` (bench/gen_scale.py data, seed 7).")
    say("")
    say(f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}, {info['os']}; Python {info['python']}; "
        f"benchgate {info['commit']}; load average at start {info['load']}, at end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (other jobs share the cores: wall times are upper bounds, "
        f"CPU time is the machine-independent figure).")
    say("")
    say(f"## benchgate compare: exact_match, f1, judge; {args.resamples:,} resamples")
    say("")
    say("| n per side | wall | CPU | peak RSS | load | align | score | resample | ns per example x resample (CPU) | numpy anchor wall | numpy / benchgate |")
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (n, _, _, wall, cpu, rss, st, _, nw, _, _, _, _) in rows:
        per = cpu / (n * args.resamples) * 1e9
        say(f"| {n:,} | {wall:.2f} s | {cpu:.2f} s | {gib(rss)} | {st.get('load', 0):.2f} s | {st.get('align', 0):.2f} s | "
            f"{st.get('score', 0):.2f} s | {st.get('resample', 0):.2f} s | {per:.2f} | {nw:.2f} s | {nw / wall:.1f}x |")
    say("")
    say("The numpy anchor reads both files with `json.loads`, pairs them by id and runs a plain paired")
    say(f"bootstrap of the mean of `judge` ({args.resamples:,} resamples, multinomial): one metric where benchgate does three.")
    say("benchgate runs `--test bootstrap`; each row's interval is two-sided at 1 − 2× the one-sided level the gate tested it at")
    say(f"(the three overall rows share alpha, Holm), so both intervals below are at judge's level, {rows[0][7]['settings']['row_confidence']:.2%} at the start.")
    say("")
    say("| n | benchgate judge delta, CI | numpy delta, CI | numpy load | numpy bootstrap | numpy peak RSS |")
    say("|---:|---|---|---:|---:|---:|")
    for (n, _, _, _, _, _, _, _, _, _, nrss, a, j) in rows:
        say(f"| {n:,} | {j['delta']:+.5f} [{j['ci_low']:+.5f}, {j['ci_high']:+.5f}] | {a['delta']:+.5f} "
            f"[{a['ci'][0]:+.5f}, {a['ci'][1]:+.5f}] | {a['load']:.2f} s | {a['bootstrap']:.2f} s | {gib(nrss)} |")
    say("")
    say(f"## Load + align of the n = {big:,} pair ({size / 1e9:.2f} GB) against `wc -l`")
    say("")
    say("| files | wc -l | benchgate load + align | ratio | floor: bench/floor | floor / wc -l |")
    say("|---|---:|---:|---:|---:|---:|")
    say(f"| in the page cache (best of 3) | {wc:.2f} s | {load_align:.2f} s | {load_align / wc:.1f}x | "
        f"{floor:.2f} s | {floor / wc:.1f}x |")
    say(f"| dropped from the cache first (one run) | {wc_cold:.2f} s | {load_align_cold:.2f} s | "
        f"{load_align_cold / wc_cold:.1f}x | | |")
    say("")
    say("The floor is the leanest loader we could write: one reused buffer, one pass per line with")
    say("`memchr`, ids, numbers and a digest of input and reference kept as columns; no rows, no")
    say("retained text, no allocation per line. It is what any loader pays to read and check the JSON.")
    say("")
    an = min(args.anchor_n, sizes[0])
    say(f"## Text-metric anchors on the first {an:,} examples")
    say("")
    say("| task | reference tool | benchgate | speed-up | values |")
    say("|---|---:|---:|---:|---|")
    say(f"| paired bootstrap BLEU + chrF, 1,000 resamples | `sacrebleu --paired-bs` {anchors['sacrebleu_s']:.2f} s | "
        f"{anchors['benchgate_bs_s']:.2f} s | {anchors['sacrebleu_s'] / anchors['benchgate_bs_s']:.0f}x | "
        f"BLEU sacrebleu {', '.join(f'{x:.1f}' for x in anchors['sacrebleu_bleu'])}; benchgate "
        f"{', '.join(f'{x:.2f}' for x in anchors['benchgate_bleu'])} |")
    say(f"| rouge1/2/L, both sides | rouge-score {anchors['rouge_score_s']:.2f} s | {anchors['benchgate_rouge_s']:.2f} s | "
        f"{anchors['rouge_score_s'] / anchors['benchgate_rouge_s']:.0f}x | current rougeL rouge-score "
        f"{anchors['rouge_score_rougeL_cur']:.5f}; benchgate {anchors['benchgate_rougeL_cur']:.5f} |")
    say("")
    if args.criterion:
        p = subprocess.run(["cargo", "bench", "--bench", "bootstrap", "--", "--noplot"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
        say("## Bootstrap alone (`cargo bench --bench bootstrap`, criterion, wall time)")
        say("")
        say("| case | low | median | high |")
        say("|---|---:|---:|---:|")
        for m in re.finditer(r"paired_bootstrap/(.+?)\n\s+time:\s+\[(\S+ \S+) (\S+ \S+) (\S+ \S+)\]", p.stdout):
            say(f"| {m.group(1)} | {m.group(2)} | {m.group(3)} | {m.group(4)} |")
        say("")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        open(args.out, "w", encoding="utf-8").write(text)
    # The statistics must agree with the plain anchor (simulation error only).
    bad = []
    for (n, _, _, _, _, _, _, _, _, _, _, a, j) in rows:
        width = j["ci_high"] - j["ci_low"]
        if abs(j["ci_low"] - a["ci"][0]) > 0.1 * width or abs(j["ci_high"] - a["ci"][1]) > 0.1 * width:
            bad.append(n)
    if abs(anchors["rouge_score_rougeL_cur"] - anchors["benchgate_rougeL_cur"]) > 1e-6:
        bad.append("rougeL")
    if len(anchors["sacrebleu_bleu"]) != 2 or any(abs(x - y) > 0.051 for x, y in zip(anchors["sacrebleu_bleu"], anchors["benchgate_bleu"])):
        bad.append("bleu")
    if bad:
        sys.exit(f"benchgate and the anchors disagree at: {bad}")


if __name__ == "__main__":
    main()
