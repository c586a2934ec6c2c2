//! Typed errors of the library: each names what a user must look at to fix it.
//!
//! Input errors carry the file, line (1-based), column and field they concern, so
//! that a message reads like `results.jsonl:3:17: field "id": expected a string`.
//!
//! Bottom layer: every module uses it, so it imports nothing of benchgate. An
//! error type of one stage lives with the code that raises it (such as
//! [`crate::load::artifact::ArtifactError`]) and converts into [`Error`] there.

use std::fmt;
use std::path::PathBuf;

/// Where in an input file something went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user named it.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field concerned, when there is one.
    pub field: Option<String>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            path: path.into(),
            ..Location::default()
        }
    }

    /// The same location at `line`.
    #[must_use]
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// The same location at `column`.
    #[must_use]
    pub fn at_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }

    /// The same location about `field`.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field \"{field}\"")?;
        }
        Ok(())
    }
}

/// Everything that can stop a run before a verdict exists. A flag that does
/// not parse at all is clap's error, at the command line; a flag whose value
/// or combination benchgate rejects is [`Error::Usage`], a setting (from
/// `benchgate.toml` or flags alike) that is invalid or does not fit the data
/// is [`Error::Settings`]. The GitHub API has its own errors
/// (`github::GithubError`, `publish::PublishError`), reported by the binary
/// beside this one, and an `artifact:` baseline its own, boxed in
/// [`Error::Artifact`]. Every variant exits with code 2 at the command line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input file could not be read at all.
    #[error("{}: cannot read the file: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// An input file is malformed at a known place.
    #[error("{location}: {message}")]
    Input {
        /// Where.
        location: Location,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// A command-line flag's value, or a combination of flags, that benchgate
    /// rejects (`--shard 5/4`, `--window 3x`, `--min human_win_rate=…`
    /// without `--human`).
    #[error("{0}")]
    Usage(String),
    /// The settings, from `benchgate.toml` or the flags, are invalid,
    /// inconsistent, or name something the inputs do not have (a
    /// `[metric.NAME]` without its command, a tolerance for a metric not
    /// compared, ids that no file shares).
    #[error("{0}")]
    Settings(String),
    /// A `git:REF:PATH` baseline could not be read: the ref is not in the
    /// clone, the file is not in the commit, or git failed.
    #[error("{0}")]
    Git(String),
    /// A metric name that benchgate does not know.
    #[error("unknown metric \"{name}\"; known metrics: {known}")]
    UnknownMetric {
        /// The name given.
        name: String,
        /// Built-in metrics and the numeric fields found in the inputs.
        known: String,
    },
    /// An `artifact:` baseline could not be found or read: a
    /// [`crate::load::artifact::ArtifactError`] (`downcast_ref` to match on
    /// it), boxed so that this bottom layer imports nothing above it.
    #[error(transparent)]
    Artifact(Box<dyn std::error::Error + Send + Sync>),
    /// An LLM judge could not judge an example: a
    /// [`crate::metrics::llm::JudgeError`] (`downcast_ref` to match on it),
    /// boxed so that this bottom layer imports nothing above it.
    #[error(transparent)]
    Judge(Box<dyn std::error::Error + Send + Sync>),
    /// An output file could not be written; the previous file, if any, is intact.
    #[error("{}: cannot write the output (the previous file, if any, is unchanged): {cause}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// A step failed that cannot fail on any input (serialising plain data,
    /// writing to memory): a bug to report, with what failed.
    #[error("{0}")]
    Internal(String),
    /// Several rows of a file that cannot be read, each named with its line.
    #[error("{} rows cannot be read:\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<Error>),
}

impl Error {
    /// An input error at `location`.
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            message: message.into(),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
