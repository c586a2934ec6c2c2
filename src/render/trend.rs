//! Trends over the history on main: unicode sparklines, mermaid `xychart-beta`
//! charts (GitHub renders both), the trend section of a report, and the output
//! of `benchgate history`. Every label that comes from a user's file (metric
//! names, commits, suites) is sanitised before it enters a mermaid block.

use std::fmt::Write as _;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};

use super::{p_value, Numbers};
use crate::escape::{inline, visible};
use crate::history::{DriftReport, SeriesTrend};
use crate::metrics::Direction;
use crate::report::{MetricTrend, Report, ValueScale};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Separates the history from this run's value in a report's sparkline.
pub const THIS_RUN: char = '┊';

/// One bar per value, scaled between the smallest and the largest; a flat
/// series is a row of middle bars.
pub fn sparkline(values: &[f64]) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| {
            if hi <= lo || !hi.is_finite() || !lo.is_finite() || !v.is_finite() {
                BARS[3]
            } else {
                let level = ((v - lo) / (hi - lo) * 7.0).round();
                BARS[(level.clamp(0.0, 7.0)) as usize]
            }
        })
        .collect()
}

/// The sparkline of a report's trend: the history, `┊`, then this run, on one
/// scale.
pub fn trend_sparkline(t: &MetricTrend) -> String {
    let mut values: Vec<f64> = t.points.iter().map(|p| p.value).collect();
    values.push(t.current);
    let mut line = sparkline(&values);
    let last = line.pop().unwrap_or(BARS[3]);
    line.push(THIS_RUN);
    line.push(last);
    line
}

/// Text safe inside a mermaid block: letters, digits, spaces and `._:/+=-,()`
/// kept, anything else (quotes, brackets, backticks, `<`, newlines…) becomes
/// `_`; at most 40 characters.
pub fn mermaid_label(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._:/+=-,()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    }
}

/// A number for a mermaid block: at most six decimals, no exponent.
fn mermaid_number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A short commit label: the first seven characters of a hexadecimal SHA, the
/// text otherwise (sanitised later).
fn short_commit(commit: &str) -> String {
    if commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()) {
        commit[..7].to_string()
    } else {
        commit.to_string()
    }
}

/// A fenced mermaid `xychart-beta` line chart of `values` over `labels`.
pub fn mermaid_chart(title: &str, labels: &[String], values: &[f64]) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = if hi > lo {
        (hi - lo) * 0.1
    } else {
        (hi.abs() * 0.05).max(0.01)
    };
    let title = mermaid_label(title);
    let labels: Vec<String> = labels
        .iter()
        .map(|l| format!("\"{}\"", mermaid_label(l)))
        .collect();
    let values: Vec<String> = values.iter().map(|v| mermaid_number(*v)).collect();
    let mut out = String::new();
    let _ = writeln!(out, "```mermaid\nxychart-beta");
    let _ = writeln!(out, "    title \"{title}\"");
    let _ = writeln!(out, "    x-axis [{}]", labels.join(", "));
    let _ = writeln!(
        out,
        "    y-axis \"{title}\" {} --> {}",
        mermaid_number(lo - pad),
        mermaid_number(hi + pad)
    );
    let _ = writeln!(out, "    line [{}]\n```", values.join(", "));
    out
}

fn decimals(scale: ValueScale, values: &[f64]) -> usize {
    let m = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Numbers::decimals(scale, m, m)
}

/// The most recorded runs behind any metric's trend.
fn recorded_runs(report: &Report) -> usize {
    report
        .trends
        .iter()
        .map(|t| t.points.len())
        .max()
        .unwrap_or(0)
}

/// The trend section of a PR comment: a sparkline per metric in a table and,
/// folded, a mermaid chart per metric.
pub(crate) fn markdown_section(report: &Report, out: &mut String) {
    if report.trends.is_empty() {
        return;
    }
    let nums = Numbers { minus: "−" };
    let runs = recorded_runs(report);
    let _ = writeln!(
        out,
        "**Trend on main** (last {runs} recorded runs {THIS_RUN} this PR):\n"
    );
    let _ = writeln!(out, "| metric | trend | first | latest on main | this PR |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|");
    for t in &report.trends {
        let values: Vec<f64> = t.points.iter().map(|p| p.value).collect();
        let d = decimals(t.scale, &values);
        let first = values.first().copied().unwrap_or(f64::NAN);
        let latest = values.last().copied().unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            inline(&label(&t.metric, t.direction)),
            trend_sparkline(t),
            nums.value(first, d),
            nums.value(latest, d),
            nums.value(t.current, d)
        );
    }
    let _ = writeln!(
        out,
        "\n<details><summary>Trend charts ({} metrics, last point: this PR)</summary>\n",
        report.trends.len()
    );
    for t in &report.trends {
        let mut labels: Vec<String> = t.points.iter().map(|p| short_commit(&p.commit)).collect();
        labels.push("this PR".into());
        let mut values: Vec<f64> = t.points.iter().map(|p| p.value).collect();
        values.push(t.current);
        out.push_str(&mermaid_chart(
            &chart_title(None, &t.metric, t.direction),
            &labels,
            &values,
        ));
        out.push('\n');
    }
    out.push_str("</details>\n\n");
}

/// The trend lines of the terminal report.
pub(crate) fn terminal_section(report: &Report, out: &mut String) {
    if report.trends.is_empty() {
        return;
    }
    let nums = Numbers { minus: "-" };
    let runs = recorded_runs(report);
    let _ = writeln!(
        out,
        "\nTrend on main (last {runs} recorded runs {THIS_RUN} this run):"
    );
    let width = report
        .trends
        .iter()
        .map(|t| label(&t.metric, t.direction).chars().count())
        .max()
        .unwrap_or(0);
    for t in &report.trends {
        let values: Vec<f64> = t.points.iter().map(|p| p.value).collect();
        let d = decimals(t.scale, &values);
        let name = visible(&label(&t.metric, t.direction));
        let pad = width.saturating_sub(name.chars().count());
        let _ = writeln!(
            out,
            "  {name}{}  {}  {} -> {} {THIS_RUN} {}",
            " ".repeat(pad),
            trend_sparkline(t),
            nums.value(values.first().copied().unwrap_or(f64::NAN), d),
            nums.value(values.last().copied().unwrap_or(f64::NAN), d),
            nums.value(t.current, d)
        );
    }
}

fn label(metric: &str, direction: Direction) -> String {
    match direction {
        Direction::Higher => metric.to_string(),
        Direction::Lower => format!("{metric} ↓"),
    }
}

/// A chart's title: the metric (after its suite, when several share a file),
/// with "(lower is better)" where that applies.
fn chart_title(suite: Option<&str>, metric: &str, direction: Direction) -> String {
    let mut t = match suite {
        Some(s) => format!("{s}: {metric}"),
        None => metric.to_string(),
    };
    if direction == Direction::Lower {
        t.push_str(" (lower is better)");
    }
    t
}

fn series_label(report: &DriftReport, s: &SeriesTrend) -> String {
    let suites = {
        let mut v: Vec<&str> = report.series.iter().map(|s| s.suite.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let name = label(&s.metric, s.direction);
    if suites > 1 {
        format!("{} · {name}", s.suite)
    } else {
        name
    }
}

/// The cells of one series: trend, entries, first, last, slope, S, z, p, verdict.
fn series_cells(s: &SeriesTrend, nums: Numbers, min_entries: usize) -> [String; 9] {
    let values: Vec<f64> = s.points.iter().map(|p| p.value).collect();
    let d = decimals(s.scale, &values);
    let slope = s
        .sens_slope
        .map_or_else(|| "–".into(), |x| nums.signed(x, d + 2));
    let (s_stat, z, p) = match (&s.mann_kendall, s.p_worse) {
        (Some(mk), Some(p)) => (
            mk.s.to_string().replace('-', nums.minus),
            format!("{:.2}", mk.z).replace('-', nums.minus),
            p_value(p),
        ),
        _ => ("–".into(), "–".into(), "–".into()),
    };
    let verdict = if s.drift {
        match s.direction {
            Direction::Higher => "DRIFT: declining",
            Direction::Lower => "DRIFT: rising",
        }
        .to_string()
    } else if s.mann_kendall.is_none() {
        format!("too few entries (< {min_entries})")
    } else {
        "no drift".to_string()
    };
    [
        sparkline(&values),
        values.len().to_string(),
        nums.value(values.first().copied().unwrap_or(f64::NAN), d),
        nums.value(values.last().copied().unwrap_or(f64::NAN), d),
        slope,
        s_stat,
        z,
        p,
        verdict,
    ]
}

const HEADERS: [&str; 10] = [
    "metric",
    "trend",
    "entries",
    "first",
    "last",
    "Sen's slope/run",
    "S",
    "z",
    "p (worse)",
    "",
];

fn summary(report: &DriftReport) -> String {
    let drifting: Vec<String> = report
        .series
        .iter()
        .filter(|s| s.drift)
        .map(|s| series_label(report, s))
        .collect();
    if report.series.is_empty() {
        "no entries to test yet".to_string()
    } else if drifting.is_empty() {
        "no sustained decline".to_string()
    } else {
        format!("sustained decline in {}", drifting.join(", "))
    }
}

fn method(report: &DriftReport) -> String {
    format!(
        "Mann–Kendall trend test over each metric's last {} entries (one-sided, toward worse; α {}; at least {} entries), Sen's slope per run",
        report.last, report.alpha, report.min_entries
    )
}

pub(super) fn drift_terminal(report: &DriftReport) -> String {
    let nums = Numbers { minus: "-" };
    let mut out = String::new();
    let status = if report.drift { "DRIFT" } else { "OK" };
    let _ = writeln!(
        out,
        "{status} benchgate history · {} — {}",
        visible(&report.history),
        summary(report)
    );
    let _ = writeln!(out, "  {} entries; {}.", report.entries, method(report));
    if report.series.is_empty() {
        return out;
    }
    out.push('\n');
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    t.set_header(HEADERS.to_vec());
    for s in &report.series {
        let [spark, n, first, last, slope, st, z, p, verdict] =
            series_cells(s, nums, report.min_entries);
        let right = |x: String| Cell::new(x).set_alignment(CellAlignment::Right);
        t.add_row(vec![
            Cell::new(visible(&series_label(report, s))),
            Cell::new(spark),
            right(n),
            right(first),
            right(last),
            right(slope),
            right(st),
            right(z),
            right(p),
            Cell::new(verdict),
        ]);
    }
    let _ = writeln!(out, "{t}");
    out
}

pub(super) fn drift_markdown(report: &DriftReport) -> String {
    let nums = Numbers { minus: "−" };
    let mut out = String::new();
    let icon = if report.drift { "🔴" } else { "🟢" };
    let _ = writeln!(
        out,
        "### {icon} benchgate history — {}\n",
        inline(&summary(report))
    );
    let _ = writeln!(
        out,
        "{} entries in {}; {}.\n",
        report.entries,
        inline(&report.history),
        method(report)
    );
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for s in &report.series {
        let [spark, n, first, last, slope, st, z, p, verdict] =
            series_cells(s, nums, report.min_entries);
        let _ = writeln!(
            out,
            "| {} | `{spark}` | {n} | {first} | {last} | {slope} | {st} | {z} | {p} | {} |",
            inline(&series_label(report, s)),
            inline(&verdict)
        );
    }
    if !report.series.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Trend charts ({} series)</summary>\n",
            report.series.len()
        );
        for s in &report.series {
            let labels: Vec<String> = s.points.iter().map(|p| short_commit(&p.commit)).collect();
            let values: Vec<f64> = s.points.iter().map(|p| p.value).collect();
            let suite = (series_label(report, s) != label(&s.metric, s.direction))
                .then_some(s.suite.as_str());
            out.push_str(&mermaid_chart(
                &chart_title(suite, &s.metric, s.direction),
                &labels,
                &values,
            ));
            out.push('\n');
        }
        out.push_str("</details>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_span_the_bars() {
        assert_eq!(
            sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&[0.5, 0.5, 0.5]), "▄▄▄");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn mermaid_labels_cannot_escape() {
        let hostile = "f1\"]\n```\n</details><script>@x `y`";
        let l = mermaid_label(hostile);
        assert!(
            !l.contains(['"', '`', '<', '>', '\n', '[', ']', '@']),
            "{l}"
        );
        let chart = mermaid_chart(hostile, &[hostile.to_string()], &[0.5]);
        assert_eq!(chart.matches("```").count(), 2, "{chart}");
        assert!(!chart.contains("</details>"));
    }

    #[test]
    fn mermaid_numbers_have_no_exponent() {
        assert_eq!(mermaid_number(1e-7), "0");
        assert_eq!(mermaid_number(0.125), "0.125");
        assert_eq!(mermaid_number(791.0), "791");
        assert_eq!(mermaid_number(-0.5), "-0.5");
    }
}
