//! Several `[[suite]]`s in one output: the terminal reports one after another,
//! one JSON document listing them, or one PR comment with a section per suite.

use std::fmt::Write as _;

use super::markdown::{marker, Markdown, MAX_COMMENT_CHARS};
use super::{renderer, RenderOptions, Renderer};
use crate::config::OutputFormat;
use crate::report::{GateVerdict, Report};

/// Characters kept for the combined comment's own title and index.
const INDEX_CHARS: usize = 4_000;

/// `reports` (one per suite, in config order) in `format`.
pub fn render_suites(format: OutputFormat, options: RenderOptions, reports: &[Report]) -> String {
    match format {
        OutputFormat::Terminal => {
            let one = renderer(format, options);
            let mut out: Vec<String> = reports.iter().map(|r| one.render(r)).collect();
            out.push(format!("{}\n", summary(reports)));
            out.join("\n")
        }
        OutputFormat::Json => {
            let suites: Vec<serde_json::Value> = reports
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or(serde_json::Value::Null))
                .collect();
            let doc = serde_json::json!({
                "schema_version": crate::report::SCHEMA_VERSION,
                "verdict": overall(reports),
                "suites": suites,
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
        OutputFormat::Markdown => combined_markdown(reports),
    }
}

fn overall(reports: &[Report]) -> GateVerdict {
    if reports.iter().any(|r| r.verdict == GateVerdict::Fail) {
        GateVerdict::Fail
    } else {
        GateVerdict::Pass
    }
}

/// "1 of 2 suites failed: tickets" / "3 suites passed".
fn summary(reports: &[Report]) -> String {
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| r.verdict == GateVerdict::Fail)
        .map(|r| r.suite.as_str())
        .collect();
    if failed.is_empty() {
        format!("{} suites passed", reports.len())
    } else {
        format!(
            "{} of {} suites failed: {}",
            failed.len(),
            reports.len(),
            failed.join(", ")
        )
    }
}

/// One comment: the joined suites' marker, a title and an index table, then
/// each suite's own comment (without its marker, its title one level down),
/// each held to an equal share of GitHub's size limit.
fn combined_markdown(reports: &[Report]) -> String {
    let names: Vec<&str> = reports.iter().map(|r| r.suite.as_str()).collect();
    let mut out = String::new();
    let _ = writeln!(out, "{}", marker(&names.join("+")));
    let icon = if overall(reports) == GateVerdict::Fail {
        "🔴"
    } else {
        "✅"
    };
    let _ = writeln!(out, "### {icon} benchgate — {}\n", summary(reports));
    let _ = writeln!(out, "| suite | verdict | |\n|---|---|---|");
    for r in reports {
        let (word, mark) = match r.verdict {
            GateVerdict::Fail => ("fails", "🔴"),
            GateVerdict::Pass => ("passes", "✅"),
        };
        let _ = writeln!(
            out,
            "| {} | {word} | {mark} |",
            crate::escape::inline(&r.suite)
        );
    }
    let share = MAX_COMMENT_CHARS.saturating_sub(INDEX_CHARS) / reports.len().max(1);
    let section = Markdown { limit: share };
    for r in reports {
        let body = section.render(r);
        let mut lines = body.lines();
        let _ = lines.next(); // the suite's own marker
        out.push('\n');
        let mut titled = false;
        for line in lines {
            match line.strip_prefix("### ").filter(|_| !titled) {
                Some(title) => {
                    titled = true;
                    let _ = writeln!(out, "#### {title}");
                }
                None => {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
    }
    out
}
