//! The "Human review" section: the human verdict of `review score`, on its own
//! or appended to a comparison's markdown and terminal reports.

use std::fmt::Write as _;

use crate::escape::inline;
use crate::review::verdict::HumanReport;

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "–".into()
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "–".into()
    }
}

fn p_value(p: f64) -> String {
    if p < 0.0001 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// The sentence that sums up the verdict.
pub fn headline(h: &HumanReport) -> String {
    format!(
        "Reviewers preferred the current output in {} of {} reviewed rows, the baseline in {}, and called {} a tie: win rate {} ({}% CI {} – {}, weighted to all compared examples; ties count ½), p = {} against ½ ({}).",
        h.wins,
        h.reviewed,
        h.losses,
        h.ties,
        pct(h.win_rate),
        super::ci_percent(h.confidence),
        pct(h.ci_low),
        pct(h.ci_high),
        p_value(h.p_value),
        match h.sign_test_p {
            // Unstratified: the sign test is valid and agrees in spirit.
            Some(p) => format!("score test; sign test p = {}", p_value(p)),
            None => format!(
                "score test; the stratified sample is worth {:.0} unstratified rows",
                h.effective_n
            ),
        }
    )
}

/// The section in markdown (starts with a `####` heading).
pub fn markdown(h: &HumanReport) -> String {
    let floor = h.floor;
    let mut out = String::new();
    let _ = writeln!(out, "#### Human review\n");
    let _ = writeln!(out, "{}", headline(h));
    if let Some(f) = floor {
        let ok = h.win_rate >= f;
        let _ = writeln!(
            out,
            "{} Floor `human_win_rate` {}: {}.",
            if ok { "🟢" } else { "🔴" },
            f,
            if ok { "met" } else { "not met" }
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "| stratum | examples | on the sheet | reviewed | win rate |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for s in &h.strata {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            s.stratum.name(),
            s.population,
            s.sampled,
            s.reviewed,
            s.win_rate.map_or("–".into(), pct)
        );
    }
    out.push('\n');
    if !h.metrics.is_empty() {
        let _ = writeln!(out, "| metric | agrees with reviewers | Cohen's κ |");
        let _ = writeln!(out, "|---|---:|---:|");
        for m in &h.metrics {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                inline(&m.metric),
                pct(m.agreement),
                num(m.kappa)
            );
        }
        out.push('\n');
    }
    if let Some([b, c]) = h.mean_scores {
        let _ = writeln!(out, "Mean 1–5 score: baseline {b:.2}, current {c:.2}.\n");
    }
    for w in &h.warnings {
        let _ = writeln!(out, "> ⚠️ {}", inline(w));
    }
    if !h.warnings.is_empty() {
        out.push('\n');
    }
    out
}

/// The section as plain text for a terminal.
pub fn terminal(h: &HumanReport) -> String {
    let floor = h.floor;
    let mut out = String::new();
    let _ = writeln!(out, "Human review ({}):", h.sheet);
    let _ = writeln!(out, "  {}", headline(h));
    if let Some(f) = floor {
        let _ = writeln!(
            out,
            "  Floor human_win_rate {f}: {}.",
            if h.win_rate >= f { "met" } else { "not met" }
        );
    }
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_header(vec![
        "stratum",
        "examples",
        "on the sheet",
        "reviewed",
        "win rate",
    ]);
    for s in &h.strata {
        t.add_row(vec![
            s.stratum.name().to_string(),
            s.population.to_string(),
            s.sampled.to_string(),
            s.reviewed.to_string(),
            s.win_rate.map_or("–".into(), pct),
        ]);
    }
    let _ = writeln!(out, "{t}");
    if !h.metrics.is_empty() {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
        t.force_no_tty();
        t.set_header(vec!["metric", "agrees with reviewers", "Cohen's kappa"]);
        for m in &h.metrics {
            t.add_row(vec![m.metric.clone(), pct(m.agreement), num(m.kappa)]);
        }
        let _ = writeln!(out, "{t}");
    }
    if let Some([b, c]) = h.mean_scores {
        let _ = writeln!(out, "Mean 1-5 score: baseline {b:.2}, current {c:.2}.");
    }
    for w in &h.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}
