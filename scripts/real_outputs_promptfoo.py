"""promptfoo's real result files checked against benchgate (for scripts/real-outputs).

`check_promptfoo(benchgate, data)` runs the benchgate binary over every file under
DATA/promptfoo/ and returns (name, ok, detail) checks:

- self-compare: the file against itself passes (exit 0); a file that holds no
  metric of promptfoo's own (the early-2023 CSV export) is exit 2 naming it;
- stats: benchgate's means equal promptfoo's own numbers — `results.stats`
  (pass rate = successes / all results, errors included; tokens = its total),
  and each variant's `results.prompts[].metrics` (score, pass, latency, cost,
  named scores) through `--slice-by provider` or `--slice-by prompt`; a CSV
  export against the verdicts and scores of its cells, recomputed here;
- JSONL: the JSON output rewritten as promptfoo's JSONL export (one result a
  line) gives the same means;
- regression: a copy made at test time with every passing result turned into
  a failure (or, in a file with none, a copy where every result passed as the
  baseline) fails the gate (exit 1).

Python 3 standard library only.
"""

import csv
import io
import json
import os
import re
import subprocess
import tempfile

TOL = 1e-9


def _run(benchgate, args):
    proc = subprocess.run(
        [benchgate, "compare", "-q", "--color", "never", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _report(benchgate, base, cur, extra):
    code, out, err = _run(
        benchgate,
        ["--baseline", base, "--current", cur, "--format", "json", "--min-examples", "1", *extra],
    )
    try:
        return code, json.loads(out) if out.strip() else None, err
    except json.JSONDecodeError:
        return code, None, err + out


def _close(a, b):
    return a is not None and b is not None and abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def _files(data):
    root = os.path.join(data, "promptfoo")
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith((".json", ".jsonl", ".csv")):
                found.append(os.path.join(folder, name))
    return sorted(found), root


def _variant_prompts(doc):
    """promptfoo's per-variant metrics: results.prompts (v3) or table.head.prompts (v2)."""
    res = doc.get("results", {})
    prompts = res.get("prompts")
    if not prompts:
        prompts = (res.get("table") or {}).get("head", {}).get("prompts")
    return [p for p in prompts or [] if isinstance(p.get("metrics"), dict)]


def _prompt_matches(value, prompt, index, prompts):
    """Whether benchgate's prompt key `value` names this prompt of promptfoo's."""
    label = prompt.get("label") or prompt.get("display") or prompt.get("raw") or ""
    numbered = re.fullmatch(r"(.*) #(\d+)", value)
    if numbered and not value.startswith('"'):
        base, n = numbered.group(1), int(numbered.group(2))
        same = [i for i, p in enumerate(prompts)
                if (p.get("label") or "").startswith(base + ": ")]
        labels = []
        for i in same:
            lab = prompts[i].get("label")
            if lab not in labels:
                labels.append(lab)
        return n <= len(labels) and labels[n - 1] == label
    if value.startswith('"') and value.endswith('"'):
        text = value[1:-1]
        flat = " ".join(label.split())
        if "… #" in text:
            return flat.startswith(text.split("… #")[0])
        return flat == text
    if label.startswith(value + ": "):
        return True
    return " ".join(label.split()) == value


def _check_output(benchgate, path, name, checks):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    res = doc["results"]
    entries = res["results"]
    stats = res.get("stats") or {}
    n = len(entries)
    code, rep, err = _report(benchgate, path, path, [])
    ok = code == 0 and rep is not None and rep["verdict"] == "pass"
    defaults = [m["name"] for m in rep["metrics"]] if rep else []
    checks.append((f"{name}: self-compare", ok,
                   f"exit {code}, {n} results, default metrics {', '.join(defaults)}" if ok else err.strip()))
    if not ok:
        return
    # Means against promptfoo's stats.
    metrics = ["pass", "tokens"] + [m for m in ("score", "latency_ms", "cost") if m in defaults]
    named = [m for m in defaults if m not in ("score", "pass", "latency_ms", "cost")]
    metrics += named
    prompts = _variant_prompts(doc)
    providers = {str(p.get("provider")) for p in prompts}
    labels = {p.get("label") or p.get("display") for p in prompts}
    dim = "provider" if len(providers) > 1 else ("prompt" if len(labels) > 1 else None)
    if dim == "provider" and len(labels) > 1:
        dim = None
    extra = [a for m in metrics for a in ("--metric", m)]
    if dim:
        extra += ["--slice-by", dim]
    code, rep, err = _report(benchgate, path, path, extra)
    if rep is None:
        checks.append((f"{name}: stats", False, err.strip()))
        return
    mean = {m["name"]: m["baseline"] for m in rep["metrics"]}
    total = stats.get("successes", 0) + stats.get("failures", 0) + stats.get("errors", 0)
    want_pass = stats.get("successes", 0) / total if total else None
    tokens = (stats.get("tokenUsage") or {}).get("total")
    got_tokens = mean.get("tokens", 0) * n
    ok = total == n and _close(mean.get("pass"), want_pass) and (tokens is None or _close(got_tokens, tokens))
    checks.append((f"{name}: stats", ok,
                   f"pass {mean.get('pass'):.4f} = {stats.get('successes', 0)}/{total} successes"
                   f" ({stats.get('failures', 0)} failures, {stats.get('errors', 0)} errors); tokens {got_tokens:.0f} = {tokens}"))
    # Each variant's metrics.
    slices = rep.get("slices") or []
    details, ok, checked = [], True, set()
    for i, p in enumerate(prompts):
        pm = p["metrics"]
        count = pm.get("testPassCount", 0) + pm.get("testFailCount", 0) + pm.get("testErrorCount", 0)
        if dim is None:
            got = {m: (mean.get(m), rep["examples"]["compared"]) for m in mean}
        else:
            if dim == "provider":
                hit = lambda v: v == str(p.get("provider"))
            else:
                hit = lambda v: _prompt_matches(v, p, i, prompts)
            got = {s["metric"]: (s["baseline"], s["n"]) for s in slices
                   if s["field"] == dim and hit(s["value"])}
        want = {"score": pm.get("score", 0) / count if count else None,
                "pass": pm.get("testPassCount", 0) / count if count else None}
        if "totalLatencyMs" in pm and "latency_ms" in got:
            want["latency_ms"] = pm["totalLatencyMs"] / count
        if "cost" in pm and "cost" in got:
            want["cost"] = pm["cost"] / count
        counts = pm.get("namedScoresCount") or {}
        for k, v in (pm.get("namedScores") or {}).items():
            if k in got and counts.get(k) == count:
                want[k] = v / count
        for m, w in want.items():
            g = got.get(m)
            good = g is not None and g[1] == count and _close(g[0], w)
            ok &= good
            checked.add(m)
            if not good or m in ("score", "pass"):
                details.append(f"{p.get('provider') or ''}|{(p.get('label') or p.get('display') or '')[:30]!r} {m} "
                               f"{'%.4f' % g[0] if g else 'missing'} vs {w:.4f} (n {g[1] if g else '?'}/{count})")
    if prompts:
        details.append("checked: " + ", ".join(sorted(checked)))
        checks.append((f"{name}: per-variant metrics ({dim or 'one variant'})", ok, "; ".join(details)))
    # The same results as promptfoo's JSONL export.
    if "promptIdx" in (entries[0] if entries else {}):
        with tempfile.TemporaryDirectory() as tmp:
            jsonl = os.path.join(tmp, "results.jsonl")
            with open(jsonl, "w", encoding="utf-8") as f:
                for e in entries:
                    f.write(json.dumps(e) + "\n")
            code, rep2, err = _report(benchgate, jsonl, jsonl, extra)
            same = rep2 is not None and all(
                _close(m["baseline"], mean.get(m["name"])) for m in rep2["metrics"])
            checks.append((f"{name}: as JSONL export", same and code == 0,
                           f"exit {code}, means equal the JSON output's" if same else err.strip()))
    # A made-up regression.
    with tempfile.TemporaryDirectory() as tmp:
        passing = [e for e in entries if e.get("success")]
        base, cur = path, os.path.join(tmp, "regressed.json")
        flipped = json.loads(json.dumps(doc))
        if passing:
            what = f"{len(passing)} passing results turned into failures"
            for e in flipped["results"]["results"]:
                if e.get("success"):
                    e["success"], e["score"], e["failureReason"] = False, 0, 1
            target = cur
        else:
            what = f"baseline: the {n} results made passing; current: the real file"
            for e in flipped["results"]["results"]:
                e["success"], e["score"], e["failureReason"] = True, 1, 0
            base, cur = os.path.join(tmp, "improved.json"), path
            target = base
        with open(target, "w", encoding="utf-8") as f:
            json.dump(flipped, f)
        floor = (len(passing) / n) if passing else 1.0
        code, out, err = _run(benchgate, ["--baseline", base, "--current", cur, "--min-examples", "1",
                                         "--metric", "pass", "--min", f"pass={floor}"])
        checks.append((f"{name}: made-up regression", code == 1 and out.startswith("FAIL"),
                       f"{what}: exit {code}, {out.splitlines()[0] if out else err.strip()}"))


def _csv_cells(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cols = [i for i, h in enumerate(header) if re.match(r"\[[^\]]+\] ", h)]
    return header, body, cols


def _check_csv(benchgate, path, name, checks):
    header, body, cols = _csv_cells(path)
    verdicts = []
    for row in body:
        for c in cols:
            m = re.match(r"\[(PASS|FAIL|ERROR)\] \(([^,)]+)", row[c])
            if m:
                verdicts.append((m.group(1) == "PASS", float(m.group(2))))
    code, rep, err = _report(benchgate, path, path, [])
    if not verdicts:
        ok = code == 2 and "no metric to compare" in err
        checks.append((f"{name}: self-compare", ok,
                       f"early-2023 layout, {len(body) * len(cols)} outputs and no verdict: exit {code}, {err.strip()[:120]}"))
        return
    ok = code == 0 and rep is not None and rep["verdict"] == "pass"
    checks.append((f"{name}: self-compare", ok, f"exit {code}, {len(verdicts)} results" if ok else err.strip()))
    if not ok:
        return
    mean = {m["name"]: m["baseline"] for m in rep["metrics"]}
    want_pass = sum(p for p, _ in verdicts) / len(verdicts)
    want_score = sum(s for _, s in verdicts) / len(verdicts)
    ok = _close(mean.get("pass"), want_pass) and _close(mean.get("score"), want_score)
    checks.append((f"{name}: cells", ok,
                   f"pass {mean.get('pass')} vs {want_pass}, score {mean.get('score')} vs {want_score} (recomputed from the cells)"))
    with tempfile.TemporaryDirectory() as tmp:
        cur = os.path.join(tmp, os.path.basename(path))
        out_rows = [header]
        for row in body:
            out_rows.append([re.sub(r"^\[PASS\] \([^)]*\)", "[FAIL] (0.00)", v) if i in cols else v
                             for i, v in enumerate(row)])
        buf = io.StringIO()
        csv.writer(buf).writerows(out_rows)
        with open(cur, "w", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
        code, out, err = _run(benchgate, ["--baseline", path, "--current", cur, "--min-examples", "1",
                                         "--metric", "pass", "--min", f"pass={want_pass}"])
        checks.append((f"{name}: made-up regression", code == 1 and out.startswith("FAIL"),
                       f"every [PASS] cell turned into [FAIL]: exit {code}, {out.splitlines()[0] if out else err.strip()}"))


def check_promptfoo(benchgate: str, data: str) -> list[tuple[str, bool, str]]:
    """Checks of benchgate over every promptfoo file under DATA/promptfoo."""
    checks: list[tuple[str, bool, str]] = []
    files, root = _files(data)
    if not files:
        return [("promptfoo", False, f"no result files under {root}")]
    for path in files:
        name = "promptfoo/" + os.path.relpath(path, root)
        try:
            if path.endswith(".csv"):
                _check_csv(benchgate, path, name, checks)
            else:
                _check_output(benchgate, path, name, checks)
        except (OSError, ValueError, KeyError, TypeError) as e:
            checks.append((name, False, f"{type(e).__name__}: {e}"))
    return checks


if __name__ == "__main__":
    import sys

    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/benchgate"
    folder = sys.argv[2] if len(sys.argv) > 2 else "../shared/data/real-outputs"
    results = check_promptfoo(binary, folder)
    for check, good, detail in results:
        print(f"{'ok  ' if good else 'FAIL'} {check}: {detail}")
    failed = sum(1 for _, good, _ in results if not good)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
