"""Shared fixtures: the repository's ticket fixtures, and the two command lines
whose output the API must reproduce — the installed ``benchgate`` console script
and, when ``BENCHGATE_BIN`` names it, the Rust binary built by cargo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
TICKETS = REPO / "fixtures" / "tickets"
BASELINE = TICKETS / "baseline.jsonl"
CURRENT = TICKETS / "current.jsonl"


def installed_command() -> str:
    """The ``benchgate`` script pip installed beside this interpreter."""
    here = Path(sys.executable).parent / ("benchgate.exe" if os.name == "nt" else "benchgate")
    found = str(here) if here.exists() else shutil.which("benchgate")
    assert found, "the benchgate command is not installed"
    return found


class Cli:
    """One implementation of the command line."""

    def __init__(self, program: str) -> None:
        self.program = program

    def run(self, *args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.program, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=cwd or REPO,
            env={**os.environ, "NO_COLOR": "1"},
        )


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The installed console script (what `pip install benchgate` gives)."""
    return Cli(installed_command())


@pytest.fixture(scope="session")
def rust_cli() -> Cli:
    """The cargo-built binary, the reference the console script must equal."""
    program = os.environ.get("BENCHGATE_BIN")
    if not program:
        pytest.skip("BENCHGATE_BIN is not set (the Rust binary to compare with)")
    return Cli(program)


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths in reports are as given: run from the repository like the CLI runs.
    monkeypatch.chdir(REPO)


def read_jsonl(path: Path) -> List[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
