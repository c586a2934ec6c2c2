//! The other documents benchgate renders, each through the same three
//! formats as the comparison's [`Report`](crate::report::Report): the
//! monitor's report, `agreement`'s, the human review's (`review score`), the
//! drift of `history`, and `plan`'s. Each impl only picks the function that
//! lays the document out; the numbers are the document's own.

use serde::Serialize;

use super::Renderer;
use super::{agreement, human, json::Json, markdown::Markdown, monitor, terminal::Terminal, trend};
use crate::agreement::AgreementReport;
use crate::history::DriftReport;
use crate::monitor::MonitorReport;
use crate::report::PlanReport;
use crate::review::verdict::HumanReport;

/// A document as pretty JSON and a final newline (what `--format json` prints).
pub(super) fn pretty<T: Serialize + ?Sized>(document: &T) -> String {
    // Serialising plain data with string keys cannot fail.
    let mut s = serde_json::to_string_pretty(document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Implements [`Renderer`] for a document: its terminal and markdown layouts,
/// and the document itself as JSON.
macro_rules! document {
    ($doc:ty, terminal: $terminal:expr, markdown: $markdown:expr) => {
        impl Renderer<$doc> for Terminal {
            fn render(&self, document: &$doc) -> String {
                $terminal(document)
            }
        }
        impl Renderer<$doc> for Markdown {
            fn render(&self, document: &$doc) -> String {
                $markdown(document)
            }
        }
        impl Renderer<$doc> for Json {
            fn render(&self, document: &$doc) -> String {
                pretty(document)
            }
        }
    };
}

document!(MonitorReport, terminal: monitor::terminal, markdown: monitor::markdown);
document!(AgreementReport, terminal: agreement::terminal, markdown: agreement::markdown);
document!(HumanReport, terminal: human::terminal, markdown: human::markdown);
document!(DriftReport, terminal: trend::drift_terminal, markdown: trend::drift_markdown);
// A plan is a few sentences: the same text at a terminal and in markdown.
document!(PlanReport, terminal: super::plan_text, markdown: super::plan_text);

/// The HTML page of a document that holds everything it shows (the monitor's
/// report); the comparison's page also needs its changed examples
/// ([`super::html::Html`]).
pub struct Page;

impl Renderer<MonitorReport> for Page {
    fn render(&self, document: &MonitorReport) -> String {
        monitor::html(document)
    }
}
