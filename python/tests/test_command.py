"""The installed ``benchgate`` command is the Rust binary's code: the same output
and exit codes (0 pass, 1 gate failed, 2 usage or input error). And scoring."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys

import pytest

import benchgate
from conftest import CURRENT, read_jsonl

B = "fixtures/tickets/baseline.jsonl"
C = "fixtures/tickets/current.jsonl"

CASES = [
    pytest.param(["compare", "--baseline", B, "--current", C], 1, id="gate-fails"),
    pytest.param(["compare", "--baseline", B, "--current", B, "--format", "markdown"], 0, id="gate-passes"),
    pytest.param(["compare", "--baseline", B, "--current", "fixtures/tickets/nope.jsonl"], 2, id="missing-file"),
    pytest.param(["compare", "--baseline", B], 2, id="usage"),
    pytest.param(["compare", "--baseline", B, "--current", C, "--alpha", "7"], 2, id="bad-setting"),
    pytest.param(["score", "--input", C, "--metric", "f1", "--metric", "rougeL", "--format", "json"], 0, id="score"),
    pytest.param(["--version"], 0, id="version"),
]


@pytest.mark.parametrize("args,code", CASES)
def test_exit_codes(cli, args, code):
    out = cli.run(*args)
    assert out.returncode == code, out.stderr


@pytest.mark.parametrize("args,code", CASES)
def test_the_command_is_the_rust_binary(cli, rust_cli, args, code):
    ours, theirs = cli.run(*args), rust_cli.run(*args)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert ours.returncode == code


def test_python_dash_m_runs_the_command(cli):
    out = subprocess.run([sys.executable, "-m", "benchgate", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout == cli.run("--version").stdout
    assert benchgate.__version__ in out.stdout


def test_score_is_the_commands_json(cli):
    expected = json.loads(cli.run("score", "--input", C, "--metric", "f1", "--metric", "rougeL",
                                  "--ignore-case", "--format", "json").stdout)
    assert benchgate.score(C, ["f1", "rougeL"], ignore_case=True) == expected
    assert benchgate.score(read_jsonl(CURRENT), ["f1", "rougeL"], ignore_case=True) == expected
    assert list(benchgate.score(C, ["rougeL", "f1"])["metrics"]) == ["rougeL", "f1"]


def test_score_examples_is_the_commands_jsonl(cli):
    pd = pytest.importorskip("pandas")
    lines = cli.run("score", "--input", C, "--metric", "f1", "--metric", "exact_match",
                    "--format", "jsonl").stdout.splitlines()
    # The command writes a scores file: a header line, then each example with its
    # scores under "benchgate_scores"; score_examples gives the id and the scores.
    rows = [json.loads(line) for line in lines]
    assert "benchgate_baseline" in rows[0]
    expected = pd.DataFrame([{"id": r["id"], **r["benchgate_scores"]} for r in rows[1:]])
    frame = benchgate.score_examples(pd.read_json(C, lines=True), ["f1", "exact_match"])
    pd.testing.assert_frame_equal(frame, expected)
    pl = pytest.importorskip("polars")
    assert benchgate.score_examples(C, "f1", backend="polars").height == len(expected)


def test_the_package_is_typed():
    files = importlib.resources.files("benchgate")
    assert files.joinpath("py.typed").is_file()
    assert files.joinpath("_benchgate.pyi").is_file()
    assert benchgate.compare.__doc__ and benchgate.Report.to_markdown.__doc__
