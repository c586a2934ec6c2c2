"""Errors are the command line's: the same message (what it prints after
``error:``), and the file, line and field as attributes. In-memory sides are
named ``"baseline (list of dicts)"``, ``"current (DataFrame)"``…, their rows
numbered from 1 like a file's lines."""

from __future__ import annotations

import json

import pytest

import benchgate
from benchgate import ConfigError, BenchgateError, InputError, UnknownMetricError
from conftest import CURRENT, read_jsonl

B = "fixtures/tickets/baseline.jsonl"
C = "fixtures/tickets/current.jsonl"


def cli_error(cli, *args: str) -> str:
    out = cli.run("compare", "--quiet", *args)
    assert out.returncode == 2, out.stdout
    assert out.stderr.startswith("error: ")
    return out.stderr[len("error: "):].rstrip("\n")


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_a_missing_file(cli):
    with pytest.raises(InputError) as e:
        benchgate.compare("fixtures/tickets/nope.jsonl", C)
    assert e.value.message == str(e.value) == cli_error(
        cli, "--baseline", "fixtures/tickets/nope.jsonl", "--current", C)
    assert e.value.file == "fixtures/tickets/nope.jsonl"
    assert e.value.line is None


def test_a_bad_line_of_a_file(cli, tmp_path):
    rows = read_jsonl(CURRENT)
    del rows[2]["prediction"]
    bad = tmp_path / "current.jsonl"
    write_jsonl(bad, rows)
    with pytest.raises(InputError) as e:
        benchgate.compare(B, str(bad))
    assert e.value.message == cli_error(cli, "--baseline", B, "--current", str(bad))
    assert (e.value.file, e.value.line, e.value.field) == (str(bad), 3, "prediction")
    assert isinstance(e.value, BenchgateError)


@pytest.mark.parametrize("form", ["dicts", "pandas", "polars"])
def test_a_bad_row_in_memory_is_named_like_a_line(cli, tmp_path, form):
    rows = read_jsonl(CURRENT)
    rows[4]["id"] = ""
    # The same rows in a file: the command's message, but for the name.
    as_file = tmp_path / "current.jsonl"
    write_jsonl(as_file, rows)
    expected = cli_error(cli, "--baseline", B, "--current", str(as_file))
    data, label = rows, "current (list of dicts)"
    if form == "pandas":
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        data, label = pd.DataFrame(rows), "current (DataFrame)"
    elif form == "polars":
        pl = pytest.importorskip("polars")
        data, label = pl.DataFrame(rows), "current (DataFrame)"
    with pytest.raises(InputError) as e:
        benchgate.compare(B, data)
    assert e.value.message == expected.replace(str(as_file), label)
    assert (e.value.file, e.value.line, e.value.field) == (label, 5, "id")


def test_a_row_that_is_not_a_dict():
    rows = read_jsonl(CURRENT)
    rows[1] = ["not", "a", "dict"]
    with pytest.raises(InputError) as e:
        benchgate.compare(B, rows)
    assert (e.value.file, e.value.line) == ("current (list of dicts)", 2)
    assert "a row must be a dict" in e.value.message


def test_settings_out_of_range_and_unknown_names(cli):
    with pytest.raises(ConfigError) as e:
        benchgate.compare(B, C, alpha=2)
    assert e.value.message == cli_error(cli, "--baseline", B, "--current", C, "--alpha", "2")
    assert e.value.file is None
    with pytest.raises(ConfigError) as e:
        benchgate.compare(B, C, tolerance={"nope": 0.1})
    assert e.value.message == cli_error(cli, "--baseline", B, "--current", C, "--tolerance", "nope=0.1")
    with pytest.raises(UnknownMetricError) as e:
        benchgate.compare(B, C, metrics="nope")
    assert e.value.message == cli_error(cli, "--baseline", B, "--current", C, "--metric", "nope")
    assert isinstance(e.value, ConfigError) and isinstance(e.value, ValueError)


def test_a_value_the_flag_parser_rejects():
    with pytest.raises(ConfigError, match="--resamples"):
        benchgate.compare(B, C, resamples="many")


def test_an_empty_side():
    with pytest.raises(InputError, match="no rows"):
        benchgate.compare(B, [])
