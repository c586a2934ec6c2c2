"""benchgate.compare against the command line on the same data: paths, lists of
dicts, pandas, polars and pyarrow inputs, and settings as keywords. The
expectation is always the command's own output, never a copy of it."""

from __future__ import annotations

import json
import threading
import time

import pytest

import benchgate
from conftest import BASELINE, CURRENT, TICKETS, read_jsonl

B = "fixtures/tickets/baseline.jsonl"
C = "fixtures/tickets/current.jsonl"


def cli_json(cli, *args: str) -> dict:
    out = cli.run("compare", "--baseline", B, "--current", C, "--format", "json", "--quiet", *args)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def without_source(doc: dict) -> dict:
    """The document without what names the inputs (paths vs in-memory labels)."""
    doc = dict(doc)
    doc.pop("baseline_source")
    return doc


def test_paths_give_the_commands_markdown_json_and_table_byte_for_byte(cli):
    report = benchgate.compare(B, C)
    for fmt, text in [
        ("json", report.to_json()),
        ("markdown", report.to_markdown()),
        ("terminal", report.to_text()),
    ]:
        out = cli.run("compare", "--baseline", B, "--current", C, "--format", fmt, "--quiet")
        assert out.returncode == 1, out.stderr
        assert text == out.stdout, fmt
    assert str(report) == report.to_text()


def test_the_report_is_the_json_document_as_objects(cli):
    report = benchgate.compare(B, C, slice_by="category")
    doc = cli_json(cli, "--slice-by", "category")
    assert report.verdict == doc["verdict"] == "fail"
    assert report.passed is False
    assert report.reasons == [r["message"] + (f"; {r['hint']}" if "hint" in r else "") for r in doc["reasons"]]
    assert [(d.code, d.message, d.hint) for d in report.reason_details] == [
        (r["code"], r["message"], r.get("hint")) for r in doc["reasons"]
    ]
    assert {d.code for d in report.reason_details} == {"regressed", "slice-regressed"}
    assert [m.name for m in report.metrics] == [m["name"] for m in doc["metrics"]]
    for metric, row in zip(report.metrics, doc["metrics"]):
        assert isinstance(metric, benchgate.Metric)
        assert (metric.delta, metric.ci_low, metric.ci_high, metric.verdict) == (
            row["delta"], row["ci_low"], row["ci_high"], row["verdict"])
    assert len(report.slices) == len(doc["slices"]) > 0
    assert {(s.field, s.value, s.metric) for s in report.slices} == {
        (s["field"], s["value"], s["metric"]) for s in doc["slices"]}
    assert [e.id for e in report.regressed_examples] == [e["id"] for e in doc["regressed_examples"]]
    first = report.regressed_examples[0]
    assert first.tags == dict(doc["regressed_examples"][0]["tags"])
    assert first.current_score < first.baseline_score
    # Every field the typed objects carry is one of the document's.
    for obj, rows in [(report.metrics, doc["metrics"]), (report.slices, doc["slices"])]:
        names = {f for f in type(obj[0]).__dataclass_fields__}
        assert names <= set(rows[0])


def test_to_pandas_has_a_row_per_metric_and_every_json_field(cli):
    pytest.importorskip("pandas")
    report = benchgate.compare(B, C, slice_by="category")
    doc = cli_json(cli, "--slice-by", "category")
    frame = report.to_pandas()
    assert list(frame["name"]) == [m["name"] for m in doc["metrics"]]
    assert list(frame.columns) == list(doc["metrics"][0])
    assert list(frame["p_adjusted"]) == [m["p_adjusted"] for m in doc["metrics"]]
    slices = report.slices.to_pandas()
    assert len(slices) == len(doc["slices"])
    pytest.importorskip("polars")
    assert report.metrics.to_polars().height == len(doc["metrics"])


def test_html_is_the_commands_html_report(cli, tmp_path):
    report = benchgate.compare(B, C)
    out = tmp_path / "report.html"
    run = cli.run("compare", "--baseline", B, "--current", C, "--html-out", str(out), "--quiet")
    assert run.returncode == 1, run.stderr
    assert report.to_html() == out.read_text(encoding="utf-8")
    shown = report._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "ticket-0088" in shown


def test_lists_of_dicts_compare_like_the_files(cli):
    report = benchgate.compare(read_jsonl(BASELINE), read_jsonl(CURRENT))
    doc = json.loads(report.to_json())
    assert doc["baseline_source"] == "baseline (list of dicts)"
    assert without_source(doc) == without_source(cli_json(cli))
    # The markdown is the file's, but for the names of the sides.
    expected = cli.run("compare", "--baseline", B, "--current", C, "--format", "markdown", "--quiet").stdout
    assert report.to_markdown() == expected.replace(B, "baseline (list of dicts)")


def test_one_side_a_path_the_other_in_memory(cli):
    report = benchgate.compare(B, read_jsonl(CURRENT))
    assert json.loads(report.to_json()) == cli_json(cli)


def test_pandas_dataframes_compare_like_the_files(cli):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    base = pd.DataFrame(read_jsonl(BASELINE))
    cur = pd.DataFrame(read_jsonl(CURRENT))
    report = benchgate.compare(base, cur)
    assert json.loads(report.to_json())["baseline_source"] == "baseline (DataFrame)"
    assert without_source(json.loads(report.to_json())) == without_source(cli_json(cli))


def test_pandas_index_categoricals_and_missing_values(cli):
    """A filtered frame's index is no field; a categorical is text; NaN is a
    missing value, as null is in JSON."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    base = pd.DataFrame(read_jsonl(BASELINE))
    cur = pd.DataFrame(read_jsonl(CURRENT))
    base.index = base.index + 1000  # not a RangeIndex from 0: would be exported
    cur["category"] = cur["category"].astype("category")
    cur.loc[3, "judge"] = float("nan")
    rows = read_jsonl(CURRENT)
    rows[3]["judge"] = None
    expected = benchgate.compare(B, rows, slice_by="category")
    got = benchgate.compare(base, cur, slice_by="category")
    assert [m.name for m in got.metrics] == [m.name for m in expected.metrics]
    assert without_source(json.loads(got.to_json())) == without_source(json.loads(expected.to_json()))


def test_polars_and_pyarrow_compare_like_the_files(cli):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    expected = without_source(cli_json(cli))
    report = benchgate.compare(pl.read_ndjson(BASELINE), pl.read_ndjson(CURRENT))
    assert json.loads(report.to_json())["baseline_source"] == "baseline (DataFrame)"
    assert without_source(json.loads(report.to_json())) == expected
    table = pa.Table.from_pylist(read_jsonl(BASELINE))
    report = benchgate.compare(table, pa.Table.from_pylist(read_jsonl(CURRENT)))
    assert without_source(json.loads(report.to_json())) == expected


def test_several_references_in_a_list_column():
    pl = pytest.importorskip("polars")
    rows = [
        {"id": f"q{i}", "prediction": f"answer {i % 3}", "reference": [f"answer {i % 3}", "other"]}
        for i in range(30)
    ]
    worse = [dict(r, prediction="wrong") if i % 2 else r for i, r in enumerate(rows)]
    from_dicts = benchgate.compare(rows, worse, metrics="exact_match")
    from_polars = benchgate.compare(pl.DataFrame(rows), pl.DataFrame(worse), metrics="exact_match")
    assert from_dicts.metrics[0].baseline == 1.0
    assert from_dicts.metrics[0].current == 0.5
    assert json.loads(from_polars.to_json())["metrics"] == json.loads(from_dicts.to_json())["metrics"]


def test_csv_and_shards_are_read_as_the_command_reads_them(cli):
    report = benchgate.compare(B, "fixtures/tickets/current.csv")
    out = cli.run("compare", "--baseline", B, "--current", "fixtures/tickets/current.csv",
                  "--format", "json", "--quiet")
    assert report.to_json() == out.stdout


def test_settings_are_the_commands_flags(cli):
    settings = dict(
        metrics=["f1", "rougeL", "latency_ms"],
        slice_by="category",
        tolerance={"f1": 0.1},
        min={"rougeL": 0.2},
        direction={"latency_ms": "lower"},
        alpha=0.1,
        resamples=2000,
        seed=7,
        ignore_case=True,
        rouge_stemmer=True,
        top_k=2,
        fail_on="regression",
    )
    report = benchgate.compare(B, C, **settings)
    flags = ["--metric", "f1", "--metric", "rougeL", "--metric", "latency_ms",
             "--slice-by", "category", "--tolerance", "f1=0.1", "--min", "rougeL=0.2",
             "--direction", "latency_ms=lower", "--alpha", "0.1", "--resamples", "2000",
             "--seed", "7", "--ignore-case", "--rouge-stemmer", "--top-k", "2",
             "--fail-on", "regression"]
    out = cli.run("compare", "--baseline", B, "--current", C, "--format", "json", "--quiet", *flags)
    assert out.returncode in (0, 1), out.stderr
    assert report.to_json() == out.stdout
    assert report.passed == (out.returncode == 0)
    doc = json.loads(report.to_json())
    # The settings took effect (not just parsed): f1, regressed by default, is
    # no longer a regression beyond the tolerance, and the settings echo.
    assert next(m for m in benchgate.compare(B, C).metrics if m.name == "f1").verdict == "regressed"
    f1 = next(m for m in report.metrics if m.name == "f1")
    assert f1.tolerance == 0.1 and f1.verdict != "regressed"
    assert doc["settings"]["resamples"] == 2000 and doc["settings"]["seed"] == 7
    assert doc["settings"]["alpha"] == 0.1
    assert len(report.regressed_examples) <= 2 * len(report.metrics)


def test_cluster_by_is_the_commands_flag(cli):
    b, c = "fixtures/cases/clustered/baseline.jsonl", "fixtures/cases/clustered/current.jsonl"
    report = benchgate.compare(b, c, metrics="correct", cluster_by="doc_id")
    out = cli.run("compare", "--baseline", b, "--current", c, "--metric", "correct",
                  "--cluster-by", "doc_id", "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    assert report.to_json() == out.stdout
    doc = json.loads(report.to_json())
    assert doc["clusters"]["field"] == "doc_id" and doc["clusters"]["clusters"] == 40
    # Without it the same data fail the gate, with a warning naming the field.
    plain = benchgate.compare(b, c, metrics="correct")
    assert not plain.passed
    assert any("--cluster-by doc_id" in w for w in plain.warnings)
    clustered = [d for d in plain.warning_details if d.code == "looks-clustered"]
    assert len(clustered) == 1 and clustered[0].hint == "consider --cluster-by doc_id"
    assert str(clustered[0]) in plain.warnings


def test_unknown_and_output_keywords_are_type_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'alhpa'"):
        benchgate.compare(B, C, alhpa=0.1)
    with pytest.raises(TypeError, match="to_markdown"):
        benchgate.compare(B, C, markdown_out="x.md")
    with pytest.raises(TypeError, match="expected a path, a list of dicts or a DataFrame"):
        benchgate.compare(B, 42)


def test_the_gil_is_released_while_benchgate_works():
    """Another Python thread runs while a comparison is under way."""
    done = threading.Event()
    result = {}

    def work():
        result["report"] = benchgate.compare(B, C, resamples=200_000)
        done.set()

    ticks = 0
    thread = threading.Thread(target=work)
    started = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    elapsed = time.perf_counter() - started
    assert result["report"].verdict == "fail"
    # Holding the GIL, the comparison would leave this loop a tick or two.
    assert elapsed > 0.05, "the comparison was too quick to tell"
    assert ticks > elapsed / 0.001 * 0.3, (ticks, elapsed)


def test_a_baseline_file_lends_its_stored_exec_values(cli, tmp_path):
    script = tmp_path / "length.sh"
    script.write_text("wc -c\n", encoding="utf-8")
    check = {"metrics": "exec", "exec": f"sh {script}", "no_exec_cache": True}
    stored = tmp_path / "baseline.benchgate.jsonl"
    out = cli.run("baseline", "write", "--from", B, "--out", str(stored), "--metric", "exec",
                  "--exec", f"sh {script}", "--no-exec-cache")
    assert out.returncode == 0, out.stderr
    # The current run is the baseline's own: every value is stored, nothing runs.
    reused = benchgate.compare(str(stored), B, **check)
    assert reused.reuse == {"exec": {"computed": 0, "reused": 400}}
    recomputed = benchgate.compare(B, B, **check)
    assert recomputed.reuse == {}
    assert [m.current for m in reused.metrics] == [m.current for m in recomputed.metrics]
    assert reused.to_json() == cli.run("compare", "--baseline", str(stored), "--current", B,
                                       "--metric", "exec", "--exec", f"sh {script}",
                                       "--no-exec-cache", "--format", "json", "--quiet").stdout
