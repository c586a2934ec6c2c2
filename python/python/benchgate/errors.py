"""The exceptions benchgate raises: the command line's errors, as objects.

Each carries the message the ``benchgate`` command prints after ``error:`` (the
same text, byte for byte) and, for bad input, where to look: the file (or the
name of the in-memory side, such as ``"baseline (DataFrame)"``), the 1-based
line (for lists and DataFrames: the row's 1-based position), the column and
the field.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["BenchgateError", "InputError", "ConfigError", "UnknownMetricError"]


class BenchgateError(Exception):
    """Anything that stops benchgate before a verdict (the command's exit code 2).

    Attributes:
        message: The command line's message, without its ``error:`` prefix.
        file: The input file (or in-memory side) concerned, if any.
        line: 1-based line (or row) of ``file``, if known.
        column: 1-based column, if known.
        field: The field concerned, if any.
    """

    def __init__(
        self,
        message: str,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        field: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.file, self.line, self.column, self.field))


class InputError(BenchgateError):
    """An input that cannot be read or is malformed: a file, or a row of a list
    or DataFrame (``file``, ``line`` and ``field`` say where)."""


class ConfigError(BenchgateError, ValueError):
    """Settings that are inconsistent, out of range, or name nothing that exists
    (a bad keyword value, a tolerance for a metric not compared, …)."""


class UnknownMetricError(ConfigError):
    """A metric name benchgate does not know; the message lists the known ones."""
