"""The ``benchgate`` console script: the command line, run in-process.

It is the binary's own code (``src/main.rs``, compiled into the extension), so
``benchgate compare …`` from pip behaves as the released binary does: the same
flags, output and exit codes (0 pass, 1 gate failed, 2 usage or input error).
"""

from __future__ import annotations

import signal
import sys

from . import _benchgate


def main() -> None:
    """Run ``benchgate`` with this process's arguments and exit with its code."""
    # Ctrl-C stops the work at once, as it stops the binary (Python's own
    # handler would wait for the extension to return).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    raise SystemExit(_benchgate.run_cli(["benchgate", *sys.argv[1:]]))
