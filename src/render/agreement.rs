//! The rendering of `benchgate agreement`'s report: a table per human
//! dimension, markdown (the README's form) or plain text for a terminal.

use crate::agreement::{AgreementReport, AgreementRow, Resampling};
use crate::stats::correlation::Correlation;

/// The report as a markdown table per human dimension (also the README's form).
pub(super) fn markdown(r: &AgreementReport) -> String {
    render_text(r, true)
}

/// The report as plain-text tables for a terminal.
pub(super) fn terminal(r: &AgreementReport) -> String {
    render_text(r, false)
}

fn cell(v: f64, lo: f64, hi: f64) -> String {
    let f = |x: f64| {
        if x.is_finite() {
            format!("{x:.3}")
        } else {
            "–".into()
        }
    };
    format!("{} [{}, {}]", f(v), f(lo), f(hi))
}

fn render_text(r: &AgreementReport, markdown: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let ci = format!("{}%", (r.confidence * 100.0).round());
    let _ = writeln!(
        out,
        "{} systems × {} inputs · {ci} bootstrap intervals resampling {} ({} resamples, seed {})",
        r.systems,
        r.inputs,
        r.resampling.name(),
        r.resamples,
        r.seed
    );
    let _ = writeln!(
        out,
        "summary level: correlation across systems per input, averaged over inputs · system level: across systems of per-system means"
    );
    let mut humans: Vec<&str> = Vec::new();
    for row in &r.rows {
        if !humans.contains(&row.human.as_str()) {
            humans.push(&row.human);
        }
    }
    for human in humans {
        let header = ["metric", "level", "kendall tau-b", "spearman", "pearson"];
        let mut lines: Vec<Vec<String>> = Vec::new();
        let rows: Vec<&AgreementRow> = r.rows.iter().filter(|x| x.human == human).collect();
        for chunk in rows.chunks(Correlation::ALL.len()) {
            let mut line = vec![chunk[0].metric.clone(), chunk[0].level.name().to_string()];
            for x in chunk {
                line.push(cell(x.value, x.ci_low, x.ci_high));
            }
            lines.push(line);
        }
        let _ = writeln!(out);
        let title = if markdown {
            format!("**{human}**")
        } else {
            human.to_string()
        };
        write_table(
            &mut out,
            markdown,
            &title,
            &header,
            "|---|---|---:|---:|---:|",
            lines,
        );
    }
    if !r.tests.is_empty() {
        let _ = writeln!(out);
        let title = format!(
            "Does metric X correlate with the humans better than Y? ({} difference, two-sided permutation test, {} rounds swapping {})",
            r.tests[0].correlation.name(),
            r.resamples,
            match r.resampling {
                Resampling::Systems => "whole systems",
                Resampling::Inputs => "whole inputs",
                Resampling::Both => "single cells",
            }
        );
        let header = ["human", "level", "X", "Y", "r(X) − r(Y)", "p"];
        let lines: Vec<Vec<String>> = r
            .tests
            .iter()
            .map(|t| {
                vec![
                    t.human.clone(),
                    t.level.name().to_string(),
                    t.metric_x.clone(),
                    t.metric_y.clone(),
                    format!("{:+.3}", t.delta),
                    format!("{:.4}", t.p_value),
                ]
            })
            .collect();
        write_table(
            &mut out,
            markdown,
            &title,
            &header,
            "|---|---|---|---|---:|---:|",
            lines,
        );
    }
    out
}

/// A titled table: markdown (`rule` is its alignment row) or a terminal table.
fn write_table(
    out: &mut String,
    markdown: bool,
    title: &str,
    header: &[&str],
    rule: &str,
    lines: Vec<Vec<String>>,
) {
    use std::fmt::Write as _;
    if markdown {
        let _ = writeln!(out, "{title}\n");
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "{rule}");
        for l in &lines {
            let _ = writeln!(out, "| {} |", l.join(" | "));
        }
    } else {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
        t.force_no_tty();
        t.set_header(header.to_vec());
        for l in lines {
            t.add_row(l);
        }
        let _ = writeln!(out, "{title}");
        let _ = writeln!(out, "{t}");
    }
}
