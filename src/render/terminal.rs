//! The terminal rendering: a headline, a comfy-table of metrics, the slices that
//! moved, and the worst examples with a coloured word diff (markers without colour).

use std::fmt::Write as _;

use comfy_table::{
    presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Color, ContentArrangement, Table,
};

use super::diff::{marked_sides, side, word_diff};
use super::{headline, metric_label, Numbers, Renderer};
use crate::escape::{truncate, visible};
use crate::report::{GateVerdict, Report, Verdict};

/// Terminal renderer.
pub struct Terminal {
    /// Use ANSI colours.
    pub color: bool,
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

impl Terminal {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn verdict_cell(&self, v: Verdict, text: String) -> Cell {
        let cell = Cell::new(text);
        if !self.color {
            return cell;
        }
        match v {
            Verdict::Regressed | Verdict::BelowFloor => cell.fg(Color::Red),
            Verdict::Improved => cell.fg(Color::Green),
            Verdict::Inconclusive => cell.fg(Color::Yellow),
            Verdict::Unchanged | Verdict::NotSignificant => cell,
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if !self.color {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        t
    }
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

impl Renderer for Terminal {
    fn render(&self, report: &Report) -> String {
        let nums = Numbers { minus: "-" };
        let mut out = String::new();
        let plain = |s: &str| s.to_string();
        let text = |s: &str| visible(s);
        let head = headline(report, nums, &plain, &text);
        let status = match report.verdict {
            GateVerdict::Fail => self.paint("FAIL", &format!("{BOLD}{RED}")),
            GateVerdict::Pass => self.paint("PASS", &format!("{BOLD}{GREEN}")),
        };
        let _ = writeln!(out, "{status} {}", head.title);
        for s in &head.sentences {
            let _ = writeln!(out, "  {s}");
        }
        out.push('\n');
        self.metrics_section(report, nums, &mut out);
        self.slices_section(report, nums, &mut out);
        self.examples_section(report, &mut out);
        if let Some(h) = &report.human {
            let _ = write!(out, "\n{}", visible(&super::human::terminal(h)));
        }

        if !report.reasons.is_empty() {
            let _ = writeln!(out, "\nThe gate failed because:");
            for r in &report.reasons {
                let _ = writeln!(out, "  - {}", visible(&r.to_string()));
            }
        }
        for w in &report.warnings {
            let _ = writeln!(out, "\nwarning: {}", visible(&w.to_string()));
        }
        for r in &report.reuse {
            let _ = writeln!(out, "\n{}", visible(&super::reuse_line(r)));
        }
        for u in &report.judges {
            let _ = writeln!(out, "\n{}", visible(&super::judge_line(u)));
        }
        let _ = writeln!(
            out,
            "\n{} compared, {} added, {} missing · baseline: {} · {}",
            report.examples.compared,
            report.examples.added,
            report.examples.missing,
            visible(&report.baseline_source),
            report.signature()
        );
        out
    }
}

impl Terminal {
    /// The metric table, the lines under it, repeated samples and the trend.
    fn metrics_section(&self, report: &Report, nums: Numbers, out: &mut String) {
        let (ci, p_label) = super::column_labels(report);
        let mut t = self.table();
        t.set_header(vec![
            "metric",
            "baseline",
            "current",
            "delta",
            ci.as_str(),
            p_label.as_str(),
            "verdict",
        ]);
        for m in &report.metrics {
            let [baseline, current, delta, ci, p] = nums.cells(&m.into());
            t.add_row(vec![
                Cell::new(metric_label(m)),
                right(baseline),
                right(current),
                right(delta),
                Cell::new(ci),
                right(p),
                self.verdict_cell(m.verdict, m.verdict.label().to_string()),
            ]);
        }
        let _ = writeln!(out, "{t}");
        if let Some(line) = super::detectable_line(report, nums) {
            let _ = writeln!(out, "{}", visible(&line));
        }
        if let Some(line) = super::cluster_line(report) {
            let _ = writeln!(out, "{}", visible(&line));
        }
        for line in super::interval_note(report) {
            let _ = writeln!(out, "{}", visible(&line));
        }
        let noise = super::noise_lines(report, nums);
        if !noise.is_empty() {
            let _ = writeln!(out, "\nRepeated samples:");
            for line in noise {
                let _ = writeln!(out, "  {}", visible(&line));
            }
        }
        super::trend::terminal_section(report, out);
    }

    /// The slices that moved, as a table.
    fn slices_section(&self, report: &Report, nums: Numbers, out: &mut String) {
        let moved = report.moved_slices();
        if !moved.is_empty() {
            let _ = writeln!(out, "\nSlices that moved:");
            let (ci, p_label) = super::slice_labels(report);
            let mut t = self.table();
            t.set_header(vec![
                "slice",
                "metric",
                "n",
                "baseline",
                "current",
                "delta",
                ci.as_str(),
                p_label.as_str(),
                "verdict",
            ]);
            for s in moved {
                let [baseline, current, delta, ci, p] = nums.cells(&s.into());
                t.add_row(vec![
                    Cell::new(visible(&format!("{}={}", s.field, s.value))),
                    Cell::new(&s.metric),
                    right(s.n.to_string()),
                    right(baseline),
                    right(current),
                    right(delta),
                    Cell::new(ci),
                    right(p),
                    self.verdict_cell(s.verdict, s.verdict.label().to_string()),
                ]);
            }
            let _ = writeln!(out, "{t}");
        }
    }

    /// The most regressed examples of each metric, with word diffs.
    fn examples_section(&self, report: &Report, out: &mut String) {
        let mut current_metric = "";
        for e in &report.regressed_examples {
            if e.metric != current_metric {
                current_metric = &e.metric;
                let count = report
                    .regressed_examples
                    .iter()
                    .filter(|x| x.metric == e.metric)
                    .count();
                let _ = writeln!(out, "\nMost regressed examples ({}, {count}):", e.metric);
            }
            let tags: Vec<&str> = e.tags.iter().map(|(_, v)| v.as_str()).take(3).collect();
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", tags.join(", "))
            };
            let _ = writeln!(
                out,
                "\n  {}{} {} {:.2} -> {:.2}",
                self.paint(&visible(&e.id), BOLD),
                visible(&tags),
                e.metric,
                e.baseline_score,
                e.current_score
            );
            if let Some(note) = super::stability_note(e) {
                let _ = writeln!(out, "    samples:   {note}");
            }
            if let Some(input) = &e.input {
                let _ = writeln!(out, "    input:     {}", one_line(input, 300));
            }
            if let Some(r) = e.references.first() {
                let _ = writeln!(out, "    reference: {}", one_line(r, 300));
            }
            for (side, reason) in [
                ("baseline", &e.baseline_reason),
                ("current", &e.current_reason),
            ] {
                if let Some(r) = reason {
                    let _ = writeln!(out, "    why ({side}): {}", one_line(r, 300));
                }
            }
            let pieces = word_diff(
                &truncate(&e.baseline_prediction, 600),
                &truncate(&e.current_prediction, 600),
            );
            if self.color {
                let paint = |old: bool, code: &str| {
                    side(&pieces, old)
                        .into_iter()
                        .map(|(changed, t)| {
                            if changed {
                                format!("{code}{t}{RESET}")
                            } else {
                                t
                            }
                        })
                        .collect::<String>()
                };
                let (old, new) = (paint(true, RED), paint(false, GREEN));
                let _ = writeln!(out, "    - {}", visible(&old).replace('\n', " "));
                let _ = writeln!(out, "    + {}", visible(&new).replace('\n', " "));
            } else {
                let (old, new) = marked_sides(&pieces);
                let _ = writeln!(out, "    - {}", visible(&old).replace('\n', " "));
                let _ = writeln!(out, "    + {}", visible(&new).replace('\n', " "));
            }
        }
    }
}

fn one_line(text: &str, max: usize) -> String {
    visible(&truncate(text, max))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
