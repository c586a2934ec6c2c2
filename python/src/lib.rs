//! `benchgate._benchgate`, the extension under the Python package `benchgate`: the
//! library's comparison, scoring and renderers over paths, lists of dicts and
//! Arrow data (pandas, polars, pyarrow), and the command line itself for the
//! `benchgate` console script.
//!
//! Thin by rule, no second implementation of anything: settings go through the
//! command line's own flag parser (`benchgate::cli`), reports are rendered by the
//! library's renderers, rows are made by the library's `Row::from_fields`. What
//! lives here is the crossing only: Python values ([`dicts`]) and Arrow columns
//! ([`arrow`]) into the readers' values, library errors into the package's
//! exceptions, and the GIL released while the library works.

mod arrow;
mod dicts;

use std::path::PathBuf;

use benchgate::cli::{Cli, Command};
use benchgate::config::{Config, OutputFormat};
use benchgate::error::Error;
use benchgate::examples::ExampleTable;
use benchgate::load::{Dataset, FieldMap};
use benchgate::render::{renderer, RenderOptions};
use benchgate::report::Report;
use clap::Parser;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Runs the command line (`argv` with the program name first) and returns
/// its exit code, the GIL released meanwhile.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| {
        // The binary's own entry point: `benchgate` from pip is this code.
        let code = benchgate::app::run(argv);
        // The binary's stdout is flushed at exit; a host process's is not.
        let _ = std::io::Write::flush(&mut std::io::stdout());
        code
    })
}

/// The long flags of a subcommand (`compare`, `score`): the keyword
/// arguments its Python function takes.
#[pyfunction]
fn flags(command: &str) -> Vec<String> {
    use clap::CommandFactory;
    Cli::command()
        .find_subcommand(command)
        .map(|c| {
            c.get_arguments()
                .filter_map(|a| a.get_long().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// One side of a comparison or scoring as Python handed it over.
enum Input {
    /// The paths the flags name.
    Files,
    /// Rows already read from Python objects (`label` names them).
    Rows(Box<Dataset>),
    /// An Arrow stream, read once the GIL is released.
    Arrow(arrow::Stream, PathBuf),
}

impl Input {
    /// `data` (None: the flags name files) under `label`, as far as it can
    /// be read with the GIL held.
    fn take(data: Option<&Bound<'_, PyAny>>, label: &str, fields: &FieldMap) -> PyResult<Input> {
        let Some(data) = data else {
            return Ok(Input::Files);
        };
        let label = PathBuf::from(label);
        if data.hasattr("__arrow_c_stream__")? {
            return Ok(Input::Arrow(arrow::Stream::take(data)?, label));
        }
        let list = data.downcast::<PyList>()?;
        let rows = dicts::rows(list, &label, fields).map_err(|e| raise(data.py(), e))?;
        Ok(Input::Rows(Box::new(Dataset {
            path: label,
            rows,
            header: None,
            tool: None,
            stored: Default::default(),
        })))
    }

    /// The dataset, reading Arrow or the files `paths` now (no GIL needed).
    fn load(self, paths: &[PathBuf], fields: &FieldMap) -> Result<Dataset, Error> {
        match self {
            Input::Files => benchgate::load::load_all(paths, fields),
            Input::Rows(data) => Ok(*data),
            Input::Arrow(stream, label) => Ok(Dataset {
                rows: stream.rows(&label, fields)?,
                path: label,
                header: None,
                tool: None,
                stored: Default::default(),
            }),
        }
    }
}

/// Parses `argv` (`benchgate SUBCOMMAND …`) with the command line's parser.
fn parse(py: Python<'_>, argv: Vec<String>) -> PyResult<Command> {
    match Cli::try_parse_from(argv) {
        Ok(cli) => Ok(cli.command),
        Err(e) => {
            let text = e.render().to_string();
            let text = text.trim_end();
            let text = text.strip_prefix("error: ").unwrap_or(text);
            Err(exception(py, "ConfigError", text.to_string(), None))
        }
    }
}

/// A comparison's report and its changed examples (for the HTML report).
#[pyclass(module = "benchgate._benchgate", frozen)]
struct NativeReport {
    report: Report,
    table: ExampleTable,
}

#[pymethods]
impl NativeReport {
    /// The report as `--format json` writes it.
    fn json(&self) -> String {
        self.render(OutputFormat::Json)
    }

    /// The PR comment, as `--format markdown` writes it.
    fn markdown(&self) -> String {
        self.render(OutputFormat::Markdown)
    }

    /// The terminal table, as `--format terminal` writes it.
    fn terminal(&self, color: bool) -> String {
        renderer(OutputFormat::Terminal, RenderOptions { color }).render(&self.report)
    }

    /// The self-contained HTML report, as `--html-out` writes it.
    fn html(&self) -> String {
        benchgate::render::html::html(&self.report, &self.table)
    }
}

impl NativeReport {
    fn render(&self, format: OutputFormat) -> String {
        renderer(format, RenderOptions::default()).render(&self.report)
    }
}

/// Compares: `argv` is the `compare` command line; `baseline` and `current`
/// are the sides' data, or None where the command line names their files.
#[pyfunction]
#[pyo3(signature = (argv, baseline=None, current=None))]
fn compare(
    py: Python<'_>,
    argv: Vec<String>,
    baseline: Option<&Bound<'_, PyAny>>,
    current: Option<&Bound<'_, PyAny>>,
) -> PyResult<NativeReport> {
    let Command::Compare(args) = parse(py, argv)? else {
        return Err(exception(
            py,
            "ConfigError",
            "not a compare command line".into(),
            None,
        ));
    };
    let config = args.into_config().map_err(|e| raise(py, e))?;
    let config =
        one_suite(config, baseline.is_some() || current.is_some()).map_err(|e| raise(py, e))?;
    let inputs = config.inputs();
    let sides = [
        Input::take(baseline, &shown(&inputs.baseline), &inputs.fields)?,
        Input::take(current, &shown(&inputs.current), &inputs.fields)?,
    ];
    let (report, table) = py
        .detach(move || {
            let [baseline, current] = sides;
            if matches!((&baseline, &current), (Input::Files, Input::Files)) {
                return benchgate::compare_with_examples(&config, &());
            }
            let (baseline, current) = rayon::join(
                || baseline.load(&config.inputs().baseline, &config.inputs().fields),
                || current.load(&config.inputs().current, &config.inputs().fields),
            );
            benchgate::compare_datasets(&config, &(), baseline?, current?)
        })
        .map_err(|e| raise(py, e))?;
    Ok(NativeReport { report, table })
}

/// The one suite a comparison runs: the flags', or the config file's single
/// `[[suite]]` (picked with `suite=`); several suites are several calls.
fn one_suite(config: Config, in_memory: bool) -> Result<Config, Error> {
    match config.suites() {
        [] => Ok(config),
        _ if in_memory => Err(Error::Settings(
            "the config file declares suites, which name their own files; compare data in memory with a config file without [[suite]] sections".into(),
        )),
        [one] => Ok(one.clone()),
        many => Err(Error::Settings(format!(
            "the config file declares {} suites ({}); compare one at a time with suite=NAME",
            many.len(),
            many.iter()
                .map(|s| s.outputs().suite.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The name of one side as the report shows it.
fn shown(paths: &[PathBuf]) -> String {
    paths
        .first()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Scores without comparing: `argv` is the `score` command line, `data` the
/// rows (None: the command line names the files). Returns `(n, metrics in
/// order as (name, value), ids, per-metric columns, warnings, signatures)`.
#[pyfunction]
#[pyo3(signature = (argv, data=None))]
fn score<'py>(
    py: Python<'py>,
    argv: Vec<String>,
    data: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let Command::Score(args) = parse(py, argv)? else {
        return Err(exception(
            py,
            "ConfigError",
            "not a score command line".into(),
            None,
        ));
    };
    let (fields, options) = args.options().map_err(|e| raise(py, e))?;
    let input = Input::take(data, &shown(&args.input), &fields)?;
    let report = py
        .detach(|| {
            let mut data = input.load(&args.input, &fields)?;
            // Scores files passed as input lend their stored values, as with the CLI.
            let stored = std::mem::take(&mut data.stored);
            let side = benchgate::align::group(data)?;
            benchgate::score_side(&side, None, &stored, &args.metrics, &options)
        })
        .map_err(|e| raise(py, e))?;
    let out = PyDict::new(py);
    out.set_item("n", report.n)?;
    let metrics: Vec<(String, f64)> = report
        .order
        .iter()
        .map(|m| {
            (
                m.clone(),
                report.metrics.get(m).copied().unwrap_or(f64::NAN),
            )
        })
        .collect();
    out.set_item("metrics", metrics)?;
    let ids: Vec<&str> = report.examples.iter().map(|(id, _)| id.as_str()).collect();
    out.set_item("ids", ids)?;
    let columns: Vec<Vec<f64>> = (0..report.order.len())
        .map(|j| {
            report
                .examples
                .iter()
                .map(|(_, s)| s.get(j).copied().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    out.set_item("columns", columns)?;
    out.set_item("warnings", &report.warnings)?;
    out.set_item("signatures", &report.signatures)?;
    Ok(out)
}

/// The package's exception for a library error: its class by kind, the
/// command line's message (`error: …` without the prefix) and its location.
fn raise(py: Python<'_>, e: Error) -> PyErr {
    let location = match &e {
        Error::Input { location, .. } => Some(location.clone()),
        Error::Rows(errors) => errors.iter().find_map(|e| match e {
            Error::Input { location, .. } => Some(location.clone()),
            _ => None,
        }),
        Error::Io { path, .. } => Some(benchgate::error::Location::file(path)),
        _ => None,
    };
    let kind = match &e {
        Error::Input { .. } | Error::Rows(_) | Error::Io { .. } => "InputError",
        Error::UnknownMetric { .. } => "UnknownMetricError",
        // A git: baseline that cannot be read is a setting to fix, as before.
        Error::Usage(_) | Error::Settings(_) | Error::Git(_) => "ConfigError",
        _ => "BenchgateError",
    };
    // The binary prints `{:#}` of the error: the same chain of causes.
    let message = format!("{:#}", anyhow::Error::from(e));
    exception(py, kind, message, location)
}

/// An instance of `benchgate.errors.<kind>` (message, file, line, column, field).
fn exception(
    py: Python<'_>,
    kind: &str,
    message: String,
    location: Option<benchgate::error::Location>,
) -> PyErr {
    let (file, line, column, field) = match location {
        Some(l) => (
            Some(l.path.display().to_string()),
            l.line,
            l.column,
            l.field,
        ),
        None => (None, None, None, None),
    };
    let made = py
        .import("benchgate.errors")
        .and_then(|m| m.getattr(kind))
        .and_then(|class| class.call1((message.clone(), file, line, column, field)));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
    }
}

/// The extension module.
#[pymodule]
fn _benchgate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(flags, m)?)?;
    m.add_class::<NativeReport>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
