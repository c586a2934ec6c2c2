"""benchgate: a regression gate for LLM evaluations, from Python.

Compare a candidate's per-example results with a baseline's and learn, per
metric and slice, whether the change is real (paired resampling) and large
enough to matter::

    import benchgate

    report = benchgate.compare("baseline.jsonl", current_df, tolerance={"f1": 0.01})
    print(report)              # the terminal table the command prints
    report.passed              # False when a gated metric regressed
    report.to_markdown()       # the PR comment

This is the same library as the ``benchgate`` command (which this package also
installs): the same loading rules, statistics, renderers and messages. Inputs
are paths (any format the command reads), lists of dicts (one per example or
sample, keyed like a JSONL line), or pandas/polars DataFrames and anything else
that exports Arrow (``__arrow_c_stream__``). Every setting of ``benchgate
compare`` is a keyword argument of the same name (``alpha=0.05``,
``resamples=10_000``, ``tolerance={"f1": 0.01}``, ``ignore_case=True``, …).

The GIL is released while benchgate works, and DataFrames cross as Arrow
columns, read in place.
"""

from __future__ import annotations

import dataclasses
import html as _html
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

from . import _benchgate
from .errors import ConfigError, BenchgateError, InputError, UnknownMetricError

__all__ = [
    "compare",
    "score",
    "score_examples",
    "Report",
    "Metric",
    "Slice",
    "RegressedExample",
    "Diagnostic",
    "Table",
    "BenchgateError",
    "InputError",
    "ConfigError",
    "UnknownMetricError",
    "__version__",
]

__version__: str = _benchgate.__version__

#: A side of a comparison: a path (or several: shards of one run), a list of
#: dicts, or a pandas/polars DataFrame (or any object exporting Arrow).
Data = Any

# Flags of the command line that write or publish its outputs: in Python the
# report's methods give them.
_OUTPUTS = {
    "format": "report.to_text(), report.to_markdown() or report.to_json()",
    "markdown_out": "report.to_markdown()",
    "json_out": "report.to_json()",
    "html_out": "report.to_html()",
    "github": "the command line (`benchgate compare --github`) in a workflow",
    "comment": "the command line (`benchgate compare --github`) in a workflow",
    "suite_comments": "the command line (`benchgate compare --github`) in a workflow",
    "quiet": "nothing: the API prints no progress",
    "color": "report.to_text(color=True)",
}


def compare(
    baseline: Data,
    current: Data,
    metrics: Union[str, Sequence[str], None] = None,
    slice_by: Union[str, Sequence[str], None] = None,
    config: Union[str, "os.PathLike[str]", None] = None,
    **settings: Any,
) -> "Report":
    """Compare ``current`` with ``baseline`` and judge every metric and slice.

    Args:
        baseline: The baseline results: a path (``str`` or ``os.PathLike``; a
            list of them for shards, or a ``git:``/``artifact:`` spec), a list
            of dicts, or a pandas or polars DataFrame (one row per example or
            sample, with the same fields as a result file: ``id``,
            ``prediction``, ``reference``, tags, numeric scores).
        current: The current results, in any of the same forms.
        metrics: Metric name(s) to compare (``--metric``); default: the data's.
        slice_by: Tag field(s) to slice by (``--slice-by``).
        config: An ``benchgate.toml`` (``--config``); without it, one in the
            working directory is read as the command does.
        **settings: Any other setting of ``benchgate compare``, named like its
            flag with ``_`` for ``-``: ``alpha=0.05``, ``resamples=10_000``,
            ``seed=1``, ``tolerance={"f1": 0.01}``, ``min={"rougeL": 0.6}``,
            ``direction={"latency_ms": "lower"}``, ``ignore_case=True``, …
            A dict gives ``NAME=VALUE`` pairs, a list repeats the flag, ``True``
            turns a switch on.

    Returns:
        The :class:`Report`.

    Raises:
        InputError: An input cannot be read (``file``, ``line``, ``field`` say where).
        ConfigError: A setting is out of range or names nothing compared.
        TypeError: An argument of a type benchgate does not read, or an unknown
            keyword.
    """
    b_data, b_paths = _side(baseline, "baseline")
    c_data, c_paths = _side(current, "current")
    argv = ["benchgate", "compare", "--quiet", "--color=never"]
    argv += [f"--baseline={p}" for p in b_paths]
    argv += [f"--current={p}" for p in c_paths]
    argv += _repeat("--metric", metrics) + _repeat("--slice-by", slice_by)
    if config is not None:
        argv.append(f"--config={os.fspath(config)}")
    argv += _flags("compare", settings, _OUTPUTS)
    return Report(_benchgate.compare(argv, b_data, c_data))


def score(
    data: Data,
    metrics: Union[str, Sequence[str]],
    **settings: Any,
) -> Dict[str, Any]:
    """Score one run with ``metrics``, without comparing (``benchgate score``).

    Args:
        data: A path (or list of paths), a list of dicts or a DataFrame, as in
            :func:`compare`.
        metrics: Metric name(s).
        **settings: Settings of ``benchgate score`` (``ignore_case=True``,
            ``rouge_stemmer=True``, ``id_field="qid"``, …).

    Returns:
        The document ``benchgate score --format json`` prints: ``{"n": examples,
        "metrics": {name: corpus value}}``, with ``"warnings"`` and
        ``"signatures"`` when there are any.
    """
    out = _score(data, metrics, settings)
    doc: Dict[str, Any] = {"n": out["n"], "metrics": dict(out["metrics"])}
    if out["warnings"]:
        doc["warnings"] = list(out["warnings"])
    if out["signatures"]:
        doc["signatures"] = list(out["signatures"])
    return doc


def score_examples(
    data: Data,
    metrics: Union[str, Sequence[str]],
    backend: str = "pandas",
    **settings: Any,
) -> Any:
    """Per-example scores as a DataFrame: an ``id`` column and one column per
    metric, one row per example in id order (the ``"benchgate_scores"`` of each
    line ``benchgate score --format jsonl`` writes).

    Args:
        data: As in :func:`score`.
        metrics: Metric name(s).
        backend: ``"pandas"`` or ``"polars"``.
        **settings: As in :func:`score`.
    """
    out = _score(data, metrics, settings)
    columns: Dict[str, Any] = {"id": list(out["ids"])}
    for (name, _), values in zip(out["metrics"], out["columns"]):
        columns[name] = values
    if backend == "pandas":
        import pandas

        return pandas.DataFrame(columns)
    if backend == "polars":
        import polars

        return polars.DataFrame(columns)
    raise ValueError(f'backend must be "pandas" or "polars", got {backend!r}')


def _score(data: Data, metrics: Union[str, Sequence[str]], settings: Dict[str, Any]) -> Dict[str, Any]:
    obj, paths = _side(data, "input")
    argv = ["benchgate", "score"] + [f"--input={p}" for p in paths]
    argv += _repeat("--metric", metrics)
    argv += _flags("score", settings, {"format": "the return value"})
    return _benchgate.score(argv, obj)


# --- The report -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Metric:
    """One metric's comparison: a row of the report's metric table.

    ``verdict`` is ``"regressed"``, ``"improved"``, ``"not_significant"``,
    ``"inconclusive"``, ``"below_floor"``, … as in ``--format json``; ``ci_low``
    and ``ci_high`` bound ``delta`` (current − baseline); ``p_adjusted`` is the
    p-value after the correction over every metric and slice tested.
    """

    name: str
    direction: str
    scale: str
    baseline: float
    current: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_one_sided: float
    p_adjusted: float
    test: str
    verdict: str
    tolerance: float
    n: int
    current_ci: Optional[Tuple[float, float]] = None
    floor: Optional[float] = None
    examples_to_settle: Optional[int] = None
    mde: Optional[float] = None
    noise: Optional[Dict[str, Any]] = None
    note: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Slice:
    """One metric on one slice (``field == value``) of the examples."""

    field: str
    value: str
    metric: str
    direction: str
    scale: str
    n: int
    baseline: float
    current: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_one_sided: float
    p_adjusted: float
    test: str
    verdict: str
    mde: Optional[float] = None


@dataclasses.dataclass(frozen=True)
class RegressedExample:
    """An example that got worse on ``metric``, with both outputs."""

    id: str
    metric: str
    baseline_score: float
    current_score: float
    baseline_prediction: str
    current_prediction: str
    tags: Dict[str, str] = dataclasses.field(default_factory=dict)
    input: Optional[str] = None
    references: List[str] = dataclasses.field(default_factory=list)
    baseline_reason: Optional[str] = None
    current_reason: Optional[str] = None
    stability: Optional[str] = None
    baseline_samples: Optional[Dict[str, Any]] = None
    current_samples: Optional[Dict[str, Any]] = None


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """A reason the gate failed, or a warning: a stable kebab-case ``code``
    (``"regressed"``, ``"looks-clustered"``, …; the book's JSON report page
    lists them), the ``message`` the reports print, and the advice that ends
    it (``hint``), if any. ``str(d)`` is the printed text: the message, then
    ``"; "`` and the hint."""

    code: str
    message: str
    hint: Optional[str] = None

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}; {self.hint}"


def _diagnostics(records: Sequence[Any]) -> List[Diagnostic]:
    return [Diagnostic(r["code"], r["message"], r.get("hint")) for r in records]


class Table(List[T]):
    """A list of the report's rows that also converts itself to a DataFrame
    (every field of ``--format json``, one column each)."""

    def __init__(self, items: Iterable[T], records: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(items)
        self._records = [dict(r) for r in records]

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame."""
        import pandas

        return pandas.DataFrame.from_records(self._records)

    def to_polars(self) -> Any:
        """The rows as a polars DataFrame."""
        import polars

        return polars.DataFrame(self._records)


def _typed(cls: Any, records: Sequence[Mapping[str, Any]]) -> Table[Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    items = []
    for r in records:
        values = {k: v for k, v in r.items() if k in names}
        if cls is RegressedExample:
            values["tags"] = {k: v for k, v in r.get("tags", [])}
        if cls is Metric and values.get("current_ci") is not None:
            values["current_ci"] = tuple(values["current_ci"])
        items.append(cls(**values))
    return Table(items, records)


class Report:
    """The result of :func:`compare`: the verdict, per-metric and per-slice
    results, the examples that got worse, and the command's renderings of it.

    ``str(report)`` is the terminal table; in a notebook the report shows as
    the HTML report.
    """

    def __init__(self, native: "_benchgate.NativeReport") -> None:
        self._native = native
        self._doc: Dict[str, Any] = json.loads(native.json())

    @property
    def verdict(self) -> str:
        """``"pass"`` or ``"fail"``: whether the change may merge."""
        return str(self._doc["verdict"])

    @property
    def passed(self) -> bool:
        """Whether the gate passed (the command's exit code 0; 1 when not)."""
        return self.verdict == "pass"

    @property
    def reasons(self) -> List[str]:
        """Why the gate failed (``"f1 regressed"``, …), as the reports print it;
        empty when it passed. :attr:`reason_details` has each one's code."""
        return [str(d) for d in self.reason_details]

    @property
    def reason_details(self) -> List[Diagnostic]:
        """Why the gate failed, each a :class:`Diagnostic` with its code
        (``"regressed"``, ``"missing-examples"``, …)."""
        return _diagnostics(self._doc.get("reasons", []))

    @property
    def metrics(self) -> Table[Metric]:
        """Every compared metric, in the report's order."""
        return _typed(Metric, self._doc.get("metrics", []))

    @property
    def slices(self) -> Table[Slice]:
        """Every (slice, metric) tested (with ``slice_by``)."""
        return _typed(Slice, self._doc.get("slices", []))

    @property
    def regressed_examples(self) -> Table[RegressedExample]:
        """The examples that got worse the most, per metric (``top_k`` each)."""
        return _typed(RegressedExample, self._doc.get("regressed_examples", []))

    @property
    def rerun_ids(self) -> List[str]:
        """Ids whose outcome is uncertain (flaky, or changed without being
        solidly worse or better in every sample): what ``--rerun-out`` writes."""
        return list(self._doc.get("rerun_ids", []))

    @property
    def reuse(self) -> Dict[str, Dict[str, int]]:
        """Per metric that took stored values (``bertscore*`` and ``exec`` against a
        baseline file or scores files): ``{"computed": n, "reused": m}`` predictions.
        Empty when nothing was reused."""
        return {
            r["metric"]: {"computed": int(r["computed"]), "reused": int(r["reused"])}
            for r in self._doc.get("reuse", [])
        }

    @property
    def warnings(self) -> List[str]:
        """What the run wants you to know (missing examples, edited references, …),
        as the reports print it. :attr:`warning_details` has each one's code."""
        return [str(d) for d in self.warning_details]

    @property
    def warning_details(self) -> List[Diagnostic]:
        """What the run wants you to know, each a :class:`Diagnostic` with its
        code (``"looks-clustered"``, ``"non-finite-values"``, …)."""
        return _diagnostics(self._doc.get("warnings", []))

    @property
    def document(self) -> Dict[str, Any]:
        """The whole ``--format json`` document, parsed."""
        return json.loads(self.to_json())

    def to_pandas(self) -> Any:
        """The metric table as a pandas DataFrame (``report.metrics.to_pandas()``)."""
        return self.metrics.to_pandas()

    def to_markdown(self) -> str:
        """The PR comment: exactly what ``--format markdown`` prints."""
        return self._native.markdown()

    def to_json(self) -> str:
        """Exactly what ``--format json`` prints."""
        return self._native.json()

    def to_text(self, color: bool = False) -> str:
        """The terminal table: what ``benchgate compare`` prints."""
        return self._native.terminal(color)

    def to_html(self) -> str:
        """The self-contained HTML report (every changed example, filters,
        diffs): what ``--html-out`` writes."""
        return self._native.html()

    def _repr_html_(self) -> str:
        # The report is a whole page with its own styles and script: an iframe
        # keeps them from the notebook's, and the notebook's from them.
        page = _html.escape(self.to_html(), quote=True)
        return (
            f'<iframe srcdoc="{page}" sandbox="allow-scripts" '
            'style="width:100%;height:42em;border:1px solid #ccc"></iframe>'
        )

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        n = self._doc.get("examples", {}).get("compared")
        why = f": {'; '.join(self.reasons)}" if self.reasons else ""
        return f"<benchgate.Report {self.verdict}{why} ({len(self._doc.get('metrics', []))} metrics, {n} examples)>"


# --- Arguments into the command line's ----------------------------------------------


def _side(data: Data, name: str) -> Tuple[Any, List[str]]:
    """(data for the extension, or None; the paths, or the side's label)."""
    if isinstance(data, (str, os.PathLike)):
        return None, [os.fspath(data)]
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, (str, os.PathLike)) for p in data):
        return None, [os.fspath(p) for p in data]
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        # Without the index: a filtered frame's index is no field of the results.
        import pyarrow

        return pyarrow.Table.from_pandas(data, preserve_index=False), [f"{name} (DataFrame)"]
    if module == "polars" and type(data).__name__ == "LazyFrame":
        raise TypeError(f"{name}: a polars LazyFrame; pass frame.collect()")
    if hasattr(data, "__arrow_c_stream__"):
        label = "DataFrame" if module == "polars" else "Arrow data"
        return data, [f"{name} ({label})"]
    if module == "polars" and hasattr(data, "to_arrow"):
        return data.to_arrow(), [f"{name} (DataFrame)"]
    if isinstance(data, Mapping) or isinstance(data, (bytes, bytearray)):
        raise TypeError(
            f"{name}: expected a path, a list of dicts or a DataFrame, got {type(data).__name__}"
        )
    try:
        rows = list(data)
    except TypeError:
        raise TypeError(
            f"{name}: expected a path, a list of dicts or a DataFrame, got {type(data).__name__}"
        ) from None
    return rows, [f"{name} (list of dicts)"]


def _repeat(flag: str, values: Union[str, Sequence[str], None]) -> List[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [f"{flag}={v}" for v in values]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def _flags(command: str, settings: Mapping[str, Any], outputs: Mapping[str, str]) -> List[str]:
    known = set(_benchgate.flags(command))
    argv: List[str] = []
    for name, value in settings.items():
        if name in outputs:
            raise TypeError(f"{name}= is an output of the command line; in Python use {outputs[name]}")
        flag = name.replace("_", "-")
        if flag not in known:
            raise TypeError(f"{command}() got an unexpected keyword argument {name!r} (benchgate {command} has no --{flag})")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(f"--{flag}")
        elif isinstance(value, Mapping):
            argv += [f"--{flag}={k}={_text(v)}" for k, v in value.items()]
        elif isinstance(value, (list, tuple, set, frozenset)):
            argv += [f"--{flag}={_text(v)}" for v in value]
        else:
            argv.append(f"--{flag}={_text(value)}")
    return argv
