#!/usr/bin/env python3
"""Real-file checks of the Inspect AI, DeepEval and OpenAI evals readers (issue 16).

    python3 scripts/real_outputs_runners.py [BENCHGATE] [DATA]

BENCHGATE defaults to target/release/benchgate, DATA to ../shared/data (the folder
that holds real-outputs/). `check_runners(benchgate, data)` returns one
(name, ok, detail) per check, for scripts/real-outputs to print; run alone, this
prints them and exits 1 when one fails.

For every log under real-outputs/{inspect,deepeval,openai-evals}/:

1. self-compare: `benchgate compare --baseline LOG --current LOG` passes, or is
   refused (exit 2) because the log holds no scores, or fails (exit 1) exactly on
   the DeepEval metrics whose mean the run's own threshold rejects (a threshold is
   the metric's floor);
2. aggregates: benchgate's means equal what the log states (Inspect's
   results.scores[].metrics accuracy/mean, DeepEval's metricsScores means and
   testPassed/(testPassed+testFailed), OpenAI evals' final_report accuracy);
3. non-finite scores (issue 31): a temp copy with three scores of one metric written
   as Python's json writes NaN, Infinity and -Infinity (bare; Inspect and DeepEval
   logs) is gated — compared with itself it passes and warns "3 examples had a
   non-finite <metric>", its mean over the rest is the one computed here, and
   compared with the original it exits 0 or 1, never 2 (OpenAI evals logs are left
   out: the real ones hold no numeric per-sample score, only `correct` and a null);
4. made-up regression: a temp copy with every score made worse (Inspect C -> I and
   numbers -> 0, rezipped for .eval; DeepEval scores to their worst; OpenAI evals
   correct -> false) compared with the original fails with exit 1 on a regression
   (`--min-examples 1`: the real logs are small); a log of fewer than 20 examples
   cannot show a significant change, so there the drop must be reported (every
   moved metric worse, nothing called improved). A log whose scores are already
   all at their worst is regressed the other way: an improved copy as baseline.

Python stdlib only; zstd-compressed .eval entries (zip method 93, inspect_ai
0.3.2xx) are inflated with the `zstd` command.
"""

import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

TOLERANCE = 1e-9


# ---------------------------------------------------------------- reading logs


def texts(items):
    """A report's reasons or warnings as printed: JSON reports since
    schema_version 2 hold {code, message, hint} objects, `score --format json`
    plain strings."""
    out = []
    for item in items or []:
        if isinstance(item, dict):
            hint = item.get("hint")
            out.append(item["message"] + (f"; {hint}" if hint else ""))
        else:
            out.append(item)
    return out


def read_entry(z, info):
    """An archive entry's bytes; zstd (method 93) through the zstd command."""
    if info.compress_type != 93:
        return z.read(info)
    with open(z.filename, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        raw = f.read(info.compress_size)
    return subprocess.run(["zstd", "-d", "-q", "-c"], input=raw, capture_output=True, check=True).stdout


def inspect_log(path):
    """(header or None, [samples], {entry name: bytes} for .eval)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            entries = {i.filename: read_entry(z, i) for i in z.infolist()}
        header = json.loads(entries["header.json"]) if "header.json" in entries else None
        samples = [json.loads(b) for n, b in entries.items() if n.startswith("samples/") and n.endswith(".json")]
        return header, samples, entries
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc, doc.get("samples") or [], None


def value_to_float(v):
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        table = {"C": 1.0, "P": 0.5, "I": 0.0, "N": 0.0}
        if v in table:
            return table[v]
        low = v.lower()
        if low in ("yes", "true"):
            return 1.0
        if low in ("no", "false"):
            return 0.0
        try:
            return float(v)
        except ValueError:
            return 0.0
    return None


def inspect_values(sample):
    """metric -> value of one sample (dict values as scorer.key; None skipped)."""
    out = {}
    for scorer, score in (sample.get("scores") or {}).items():
        value = score.get("value") if isinstance(score, dict) else None
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for key, v in items:
            x = None if v is None else value_to_float(v)
            if x is not None:
                out[scorer if key is None else f"{scorer}.{key}"] = x
    return out


def example_mean(samples, metric):
    by_id = {}
    for s in samples:
        x = inspect_values(s).get(metric)
        if x is not None:
            by_id.setdefault(str(s.get("id")), []).append(x)
    if not by_id:
        return None
    return sum(sum(v) / len(v) for v in by_id.values()) / len(by_id)


def inspect_aggregates(header, samples):
    """[(metric, stated value)] of results.scores that benchgate must reproduce."""
    out = []
    metrics = {m for s in samples for m in inspect_values(s)}
    ids = [str(s.get("id")) for s in samples]
    repeated = len(set(ids)) < len(ids)
    for score in ((header or {}).get("results") or {}).get("scores") or []:
        name, scorer = score.get("name"), score.get("scorer") or score.get("name")
        metric = f"{scorer}.{name}" if name != scorer and f"{scorer}.{name}" in metrics else name
        if metric not in metrics:
            continue
        if repeated and score.get("reducer") not in (None, "mean"):
            continue
        for agg in ("accuracy", "mean"):
            stated = ((score.get("metrics") or {}).get(agg) or {}).get("value")
            if isinstance(stated, (int, float)):
                out.append((metric, float(stated), f"results.scores[{name}].metrics.{agg}"))
                break
    return out


def deepeval_run(path):
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc, doc.get("testRunData", doc)


def deepeval_metrics(case):
    key, name_key = ("metricsData", "name") if "metricsData" in case else ("metricsMetadata", "metric")
    return key, name_key, case.get(key) or []


def deepeval_bounds(run):
    """metric -> (threshold, 'min'|'max'): 'max' where a case passes at or below its
    threshold (lower is better), as benchgate reads the direction from the run."""
    per = {}
    for case in run.get("testCases") or []:
        _, name_key, ms = deepeval_metrics(case)
        for m in ms:
            per.setdefault(m[name_key], []).append(m)
    bounds = {}
    for name, ms in per.items():
        thresholds = {m["threshold"] for m in ms if isinstance(m.get("threshold"), (int, float))}
        if len(thresholds) != 1:
            continue
        t = thresholds.pop()
        judged = [(m["score"], m["success"]) for m in ms
                  if isinstance(m.get("score"), (int, float)) and isinstance(m.get("success"), bool)]
        if not judged:
            continue
        if all(ok == (s >= t) for s, ok in judged):
            bounds[name] = (t, "min")
        elif all(ok == (s <= t) for s, ok in judged):
            bounds[name] = (t, "max")
    return bounds


def openai_log(path):
    return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]


# ---------------------------------------------------------------- making it worse (or better)


def moved_inspect(path, out, worse):
    """A copy with every score at its worst (or best); False when nothing changed."""
    changed = False
    target = (0.0, "I", 0) if worse else (1.0, "C", 1)

    def move(x):
        nonlocal changed
        if x is None or value_to_float(x) in (None, target[0]):
            return x
        changed = True
        return target[1] if isinstance(x, str) else target[2]

    def edit(sample):
        for score in (sample.get("scores") or {}).values():
            if not isinstance(score, dict):
                continue
            v = score.get("value")
            if isinstance(v, dict):
                for k in v:
                    v[k] = move(v[k])
            else:
                score["value"] = move(v)
        return sample

    header, samples, entries = inspect_log(path)
    if entries is None:
        header["samples"] = [edit(s) for s in samples]
        Path(out).write_text(json.dumps(header), encoding="utf-8")
    else:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in entries.items():
                if name.startswith("samples/") and name.endswith(".json"):
                    data = json.dumps(edit(json.loads(data))).encode()
                z.writestr(name, data)
    return changed


def moved_deepeval(path, out, worse, bounds):
    doc, run = deepeval_run(path)
    changed = False
    for case in run.get("testCases") or []:
        _, name_key, ms = deepeval_metrics(case)
        for m in ms:
            if isinstance(m.get("score"), (int, float)):
                lower = bounds.get(m[name_key], (0, "min"))[1] == "max"
                target = 1.0 if lower == worse else 0.0
                changed |= m["score"] != target
                m["score"], m["success"] = target, not worse
        if case.get("success") is worse:
            case["success"], changed = not worse, True
    Path(out).write_text(json.dumps(doc), encoding="utf-8")
    return changed


def moved_openai(path, out, worse):
    lines = openai_log(path)
    changed = False
    for line in lines:
        data = line.get("data") or {}
        if line.get("type") == "match" and data.get("correct") is worse:
            data["correct"], changed = not worse, True
        if line.get("type") == "metrics":
            for k, v in data.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v != (0 if worse else 1):
                    data[k], changed = (0 if worse else 1), True
    Path(out).write_text("".join(json.dumps(l) + "\n" for l in lines), encoding="utf-8")
    return changed


# ---------------------------------------------------------------- non-finite scores

NON_FINITE = (float("nan"), float("inf"), float("-inf"))


def finite(x):
    return x is not None and math.isfinite(x)


def write_inspect(path, out, header, samples, entries):
    """An Inspect log like `path` holding `samples` (json.dumps writes NaN bare)."""
    if entries is None:
        header["samples"] = samples
        Path(out).write_text(json.dumps(header), encoding="utf-8")
        return
    by_name = {}
    for name, data in entries.items():
        if name.startswith("samples/") and name.endswith(".json"):
            by_name[name] = json.loads(data)
    names = sorted(by_name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            if name in by_name:
                data = json.dumps(samples[names.index(name)]).encode()
            z.writestr(name, data)


def non_finite_inspect(path, out):
    """(metric, hit, mean over the rest) after writing `hit` values of the metric with
    the most values non-finite in a copy at `out`, one example each; hit is 0 when no
    metric has two examples."""
    header, samples, entries = inspect_log(path)
    if entries is not None:
        # The samples in entry-name order, as write_inspect puts them back.
        names = sorted(n for n in entries if n.startswith("samples/") and n.endswith(".json"))
        samples = [json.loads(entries[n]) for n in names]
    by_metric = {}
    for i, s in enumerate(samples):
        for scorer, score in (s.get("scores") or {}).items():
            value = score.get("value") if isinstance(score, dict) else None
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for key, v in items:
                if v is not None and value_to_float(v) is not None:
                    by_metric.setdefault(scorer if key is None else f"{scorer}.{key}", []).append((i, scorer, key, str(s.get("id"))))
    if not by_metric:
        return None, 0, None
    metric, found = max(by_metric.items(), key=lambda kv: (len({f[3] for f in kv[1]}), kv[0]))
    ids = sorted({f[3] for f in found})
    hit = min(3, len(ids) - 1)
    chosen, seen = [], set()
    for i, scorer, key, sid in found:
        if len(chosen) < hit and sid not in seen:
            chosen.append((i, scorer, key))
            seen.add(sid)
    for (i, scorer, key), x in zip(chosen, NON_FINITE):
        score = samples[i]["scores"][scorer]
        if key is None:
            score["value"] = x
        else:
            score["value"][key] = x
    write_inspect(path, out, header, samples, entries)
    # Inspect's mean after the `mean` reducer: epochs within an example, then examples.
    by_id = {}
    for s in samples:
        x = inspect_values(s).get(metric)
        if finite(x):
            by_id.setdefault(str(s.get("id")), []).append(x)
    mean = sum(sum(v) / len(v) for v in by_id.values()) / len(by_id) if by_id else None
    return metric, len(chosen), mean


def non_finite_deepeval(path, out):
    """As non_finite_inspect, for a DeepEval run: `hit` test cases' scores of one metric."""
    doc, run = deepeval_run(path)
    by_metric = {}
    for c, case in enumerate(run.get("testCases") or []):
        _, name_key, ms = deepeval_metrics(case)
        for m in ms:
            if isinstance(m.get("score"), (int, float)) and not isinstance(m.get("score"), bool):
                by_metric.setdefault(m[name_key], []).append(m)
    if not by_metric:
        return None, 0, None
    metric, found = max(by_metric.items(), key=lambda kv: (len(kv[1]), kv[0]))
    hit = min(3, len(found) - 1)
    for m, x in zip(found[:hit], NON_FINITE):
        m["score"] = x
    Path(out).write_text(json.dumps(doc, indent=2), encoding="utf-8")
    rest = [m["score"] for m in found if finite(m["score"])]
    return metric, hit, sum(rest) / len(rest) if rest else None


def check_non_finite(benchgate, tool, path, name, tmp):
    """The non-finite check of a log (see the module doc, 3)."""
    suffix = "".join(path.suffixes[-1:]) or ".json"
    odd = tmp / f"odd-{len(list(tmp.iterdir()))}{suffix}"
    make = non_finite_inspect if tool == "inspect" else non_finite_deepeval
    metric, hit, mean = make(path, odd)
    if hit == 0:
        return [(f"{name}: non-finite scores", True, "skipped: no metric has two scored examples")]
    code, report, err = compare(benchgate, odd, odd)
    said = [w for w in texts((report or {}).get("warnings")) if "examples had a non-finite" in w]
    ours = next((m["baseline"] for m in (report or {}).get("metrics", []) if m["name"] == metric), None)
    ok = (code == 0 and report is not None and report["verdict"] == "pass"
          and any(f"{hit} examples had a non-finite {metric} (" in w for w in said)
          and ours is not None and mean is not None and close(ours, mean))
    detail = (f"exit {code}, {metric} over the rest {fmt6(ours)} (Python {fmt6(mean)}); "
              + (said[0][:200] if said else "no warning") if report else f"exit {code}: {err[:200]}")
    written = ", ".join(["NaN", "Infinity", "-Infinity"][:hit])
    out = [(f"{name}: {hit} non-finite {metric} values ({written}) compared with itself", ok, detail)]
    code, report, err = compare(benchgate, path, odd)
    out.append((f"{name}: the original against the copy with {hit} non-finite {metric}", code in (0, 1) and report is not None,
                f"exit {code}, {report['verdict']}" if report else f"exit {code}: {err[:200]}"))
    return out


def fmt6(x):
    return "none" if x is None else f"{x:.6g}"


# ---------------------------------------------------------------- the checks


def compare(benchgate, baseline, current, *extra):
    p = subprocess.run(
        [benchgate, "compare", "--baseline", str(baseline), "--current", str(current), "--format", "json", *extra],
        capture_output=True, text=True,
    )
    report = None
    if p.returncode in (0, 1) and p.stdout.strip():
        report = json.loads(p.stdout)
    return p.returncode, report, p.stderr.strip()


def close(a, b):
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a))


def logs(data):
    root = Path(data) / "real-outputs"
    for tool in ("inspect", "deepeval", "openai-evals"):
        for path in sorted((root / tool).rglob("*")):
            if path.is_file():
                yield tool, path


def check_runners(benchgate, data):
    results = []
    root = Path(data) / "real-outputs"
    with tempfile.TemporaryDirectory() as tmp:
        for tool, path in logs(data):
            name = str(path.relative_to(root))
            try:
                results.extend(check_log(benchgate, tool, path, name, Path(tmp)))
            except Exception as e:  # a log the script cannot read is a failed check
                results.append((f"{name}: read", False, f"{type(e).__name__}: {e}"))
    return results


def check_log(benchgate, tool, path, name, tmp):
    out = []
    stated = []  # (metric, value, where)
    bounds = {}  # DeepEval: metric -> (threshold, direction), to move scores the worse way
    scored = True
    if tool == "inspect":
        header, samples, _ = inspect_log(path)
        scored = any(inspect_values(s) for s in samples)
        stated = inspect_aggregates(header, samples)
    elif tool == "deepeval":
        _, run = deepeval_run(path)
        bounds = deepeval_bounds(run)
        for agg in run.get("metricsScores") or []:
            scores = [x for x in agg.get("scores") or [] if isinstance(x, (int, float))]
            if scores:
                stated.append((agg["metric"], sum(scores) / len(scores), f"metricsScores[{agg['metric']}]"))
            # DeepEval's own per-metric pass count: benchgate's "<metric> passed".
            passes, fails = agg.get("passes"), agg.get("fails")
            if isinstance(passes, int) and isinstance(fails, int) and passes + fails:
                stated.append((f"{agg['metric']} passed", passes / (passes + fails),
                               f"metricsScores[{agg['metric']}].passes/(passes+fails)"))
        passed, failed = run.get("testPassed"), run.get("testFailed")
        if isinstance(passed, int) and isinstance(failed, int) and passed + failed:
            stated.append(("success", passed / (passed + failed), "testPassed/(testPassed+testFailed)"))
    else:
        lines = openai_log(path)
        scored = any(l.get("type") == "match" and isinstance((l.get("data") or {}).get("correct"), bool)
                     or l.get("type") == "metrics" and any(isinstance(v, (int, float)) for v in (l.get("data") or {}).values())
                     for l in lines)
        report = next((l["final_report"] for l in lines if "final_report" in l), None)
        if report and isinstance(report.get("accuracy"), (int, float)):
            stated.append(("correct", float(report["accuracy"]), "final_report.accuracy"))

    code, report, err = compare(benchgate, path, path)
    if not scored:
        ok = code == 2 and ("per-sample scores" in err or "no example has a number" in err)
        out.append((f"{name}: refused (no scores)", ok, f"exit {code}: {err[:200]}"))
        return out
    if report is None:
        out.append((f"{name}: self-compare", False, f"exit {code}: {err[:300]}"))
        return out
    means = {m["name"]: m["baseline"] for m in report["metrics"]}
    # A/A: a run compared with itself never fails, whatever its scores — a
    # tool's threshold decides its cases, not the gate (issue 31).
    ok = code == 0 and not report["reasons"]
    reasons = texts(report["reasons"])
    detail = f"exit {code}, {len(report['metrics'])} metrics: " + ", ".join(
        f"{m['name']}={m['baseline']:.4g} (n={m['n']})" for m in report["metrics"])
    if reasons:
        detail += f"; reasons: {'; '.join(reasons)}"
    out.append((f"{name}: self-compare", ok, detail))

    mismatches = [w for w in texts(report["warnings"])
                  if "the samples give" in w or ("mean of" in w and "the test cases" in w) or "success gives" in w]
    for metric, value, where in stated:
        ours = means.get(metric)
        ok = ours is not None and close(value, ours)
        out.append((f"{name}: {where}", ok, f"log {value:.6g}, benchgate {metric} = {ours if ours is None else f'{ours:.6g}'}"))
    if mismatches:
        out.append((f"{name}: aggregate warnings", False, "; ".join(mismatches)))

    if tool in ("inspect", "deepeval"):
        out.extend(check_non_finite(benchgate, tool, path, name, tmp))

    suffix = "".join(path.suffixes[-1:]) or ".json"

    def moved(worse, out):
        if tool == "inspect":
            return moved_inspect(path, out, worse)
        if tool == "deepeval":
            return moved_deepeval(path, out, worse, bounds)
        return moved_openai(path, out, worse)

    # The original against a worse copy; when every score is already at its
    # worst, an improved copy against the original.
    baseline, current = path, tmp / f"worse-{len(list(tmp.iterdir()))}{suffix}"
    if not moved(True, current):
        baseline, current = tmp / f"better-{len(list(tmp.iterdir()))}{suffix}", path
        if not moved(False, baseline):
            out.append((f"{name}: made-up regression", False, "no score could be moved"))
            return out
    code, report, err = compare(benchgate, baseline, current, "--min-examples", "1")
    # A significant drop (a floor the user configured would read "below its floor").
    regressed = [
        f"{m['name']} {m['baseline']:.3g} -> {m['current']:.3g} ({m['verdict']})"
        for m in (report or {}).get("metrics", [])
        if m["p_adjusted"] <= 0.05 and m["delta"] * (1 if m["direction"] == "higher" else -1) < 0
    ]
    # Every moved metric reads worse; with enough examples the gate fails on it.
    # A log of a handful of samples cannot show a significant change whatever
    # moved (the exact sign test needs 6 all-worse examples for p < 0.05 before
    # any correction): there the drop must be in the report, and the gate may
    # not call anything improved.
    metrics = (report or {}).get("metrics", [])
    worse = [m for m in metrics
             if m["delta"] * (1 if m["direction"] == "higher" else -1) < 0]
    n = max((m["n"] for m in metrics), default=0)
    if n >= SMALL:
        ok = code == 1 and bool(regressed)
        detail = f"exit {code}: {'; '.join(regressed) if regressed else err[:200]}"
    else:
        ok = code in (0, 1) and bool(worse) and not any(m["verdict"] == "improved" for m in metrics)
        detail = (f"exit {code}, {n} examples (too few to decide): the drop is reported: "
                  + ", ".join(f"{m['name']} {m['baseline']:.3g} -> {m['current']:.3g} ({m['verdict']})" for m in worse))
    out.append((f"{name}: made-up regression", ok, detail))
    return out


# Below this many compared examples a made-up regression is checked as reported,
# not as failing the gate.
SMALL = 20


def main():
    here = Path(__file__).resolve().parent.parent
    benchgate = sys.argv[1] if len(sys.argv) > 1 else str(here / "target" / "release" / "benchgate")
    data = sys.argv[2] if len(sys.argv) > 2 else str(here.parent / "shared" / "data")
    results = check_runners(benchgate, data)
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    failed = sum(not ok for _, ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
