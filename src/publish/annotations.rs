//! The workflow commands a report makes: `::error` for each regressed metric
//! or slice, `::warning` for each inconclusive one, and the counts behind the
//! `regressions` and `improvements` step outputs. Escaping and the commands
//! themselves are [`crate::github::actions`]'s.

use crate::github::actions::command;
use crate::report::{Report, Verdict};

/// Three significant figures at most, the sign always shown for deltas.
fn num(x: f64, signed: bool) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let decimals = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else if x.abs() >= 1.0 {
        2
    } else {
        3
    };
    if signed {
        format!("{x:+.decimals$}")
    } else {
        format!("{x:.decimals$}")
    }
}

/// `::error` for each regressed metric or slice, `::warning` for each
/// inconclusive metric, escaped.
pub fn annotations(report: &Report) -> Vec<String> {
    let title = format!("benchgate · {}", report.suite);
    let mut lines = Vec::new();
    for m in &report.metrics {
        let numbers = format!(
            "{} → {} (Δ {}, {:.0}% CI [{}, {}], p (adjusted) {:.3}) on {} examples",
            num(m.baseline, false),
            num(m.current, false),
            num(m.delta, true),
            (1.0 - 2.0 * m.alpha_row) * 100.0,
            num(m.ci_low, true),
            num(m.ci_high, true),
            m.p_adjusted,
            m.n
        );
        let note = m
            .note
            .as_deref()
            .map(|n| format!(". {n}"))
            .unwrap_or_default();
        match m.verdict {
            Verdict::Regressed => lines.push(command(
                "error",
                &title,
                &format!("{} regressed: {numbers}{note}", m.name),
            )),
            Verdict::BelowFloor => lines.push(command(
                "error",
                &title,
                &format!(
                    "{} broke its bound {}: {numbers}{note}",
                    m.name,
                    m.floor.map_or_else(|| "–".into(), |f| num(f, false))
                ),
            )),
            Verdict::Inconclusive => {
                let settle = m
                    .examples_to_settle
                    .map(|k| format!("; about {k} examples would settle it"))
                    .unwrap_or_default();
                lines.push(command(
                    "warning",
                    &title,
                    &format!("{} is inconclusive: {numbers}{settle}{note}", m.name),
                ));
            }
            Verdict::Improved | Verdict::Unchanged | Verdict::NotSignificant => {}
        }
    }
    for s in &report.slices {
        if s.verdict == Verdict::Regressed {
            lines.push(command(
                "error",
                &title,
                &format!(
                    "{} regressed in {}={}: {} → {} (Δ {}) on {} examples",
                    s.metric,
                    s.field,
                    s.value,
                    num(s.baseline, false),
                    num(s.current, false),
                    num(s.delta, true),
                    s.n
                ),
            ));
        }
    }
    lines
}

/// Counts for the `regressions` and `improvements` outputs: metrics and slices.
pub fn regressions_and_improvements(report: &Report) -> (usize, usize) {
    let (bad, good, _) = report.counts();
    let slice = |v: Verdict| report.slices.iter().filter(|s| s.verdict == v).count();
    (
        bad + slice(Verdict::Regressed),
        good + slice(Verdict::Improved),
    )
}
