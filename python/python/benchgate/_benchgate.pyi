"""Type stubs of the extension module (Rust, pyo3). Use the package's API
(``benchgate.compare``, ``benchgate.score``, ``benchgate.Report``) instead."""

from typing import Any, Dict, List, Optional

__version__: str

class NativeReport:
    """A comparison's report, rendered by the library's renderers."""

    def json(self) -> str:
        """``--format json``."""
    def markdown(self) -> str:
        """``--format markdown`` (the PR comment)."""
    def terminal(self, color: bool) -> str:
        """``--format terminal``."""
    def html(self) -> str:
        """The ``--html-out`` report."""

def run_cli(argv: List[str]) -> int:
    """Runs the command line (``argv[0]`` is the program name); returns the exit code."""

def compare(argv: List[str], baseline: Optional[Any] = None, current: Optional[Any] = None) -> NativeReport:
    """Runs ``benchgate compare`` as ``argv`` says, over in-memory sides where given
    (a list of dicts, or an object with ``__arrow_c_stream__``)."""

def score(argv: List[str], data: Optional[Any] = None) -> Dict[str, Any]:
    """Runs ``benchgate score`` as ``argv`` says: ``n``, ``metrics`` as (name, value)
    pairs, ``ids``, per-metric ``columns``, ``warnings``, ``signatures``."""

def flags(command: str) -> List[str]:
    """The long flags of ``benchgate COMMAND``."""
