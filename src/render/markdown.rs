//! The PR comment: GitHub-flavoured markdown, short when the gate passes, with
//! everything long folded into `<details>`. Untrusted text is escaped, and the
//! whole comment fits GitHub's 65,536-character limit by shortening the least
//! important parts first (example texts, then examples, then slices).

use std::fmt::Write as _;

use super::diff::{marked_sides, word_diff};
use super::{emoji, group_thousands, headline, metric_label, Numbers, Renderer};
use crate::escape::{fence_for, html_text, inline, truncate, visible};
use crate::report::{ExampleChange, GateVerdict, Report, Verdict};

pub use crate::github::MAX_COMMENT_CHARS;

/// Most characters of a name from the data (metric, tag, slice) in the comment.
const NAME_CHARS: usize = 120;
/// Most characters of one sentence part or warning from the data.
const PHRASE_CHARS: usize = 500;

/// A name from the data, cut and escaped: a 1 MB field name in a result file
/// must not push the tables out of the comment.
fn name(text: &str) -> String {
    inline(&truncate(text, NAME_CHARS))
}

/// A phrase from the data (a note, a warning, the baseline's source), cut and escaped.
fn phrase(text: &str) -> String {
    inline(&truncate(text, PHRASE_CHARS))
}

/// A metric's reason, escaped, with what it quotes “like this” in bold (the
/// facts `copied_facts` did not find in the input stand out).
fn quoted_bold(reason: &str) -> String {
    // `inline` trims its text: keep the spaces around each piece.
    let piece = |text: &str| {
        let escaped = inline(text);
        let lead = if text.starts_with(' ') && !escaped.starts_with(' ') {
            " "
        } else {
            ""
        };
        let trail = if text.ends_with(' ') && !escaped.ends_with(' ') && !escaped.is_empty() {
            " "
        } else {
            ""
        };
        format!("{lead}{escaped}{trail}")
    };
    let mut out = String::new();
    let mut rest = reason;
    while let Some(open) = rest.find('“') {
        let after = &rest[open + '“'.len_utf8()..];
        let Some(close) = after.find('”') else {
            break;
        };
        out.push_str(&piece(&rest[..open]));
        let quoted = inline(&after[..close]);
        if quoted.trim().is_empty() {
            out.push_str(&quoted);
        } else {
            out.push_str(&format!("**{quoted}**"));
        }
        rest = &after[close + '”'.len_utf8()..];
    }
    out.push_str(&piece(rest));
    out
}

/// The hidden marker that identifies a suite's comment.
pub fn marker(suite: &str) -> String {
    format!("<!-- benchgate:suite={suite} -->")
}

/// The one-line comment of `--comment on-failure` once a later run passes:
/// the marker, then "resolved in <commit>: all metrics pass".
pub fn resolved(suite: &str, commit: Option<&str>) -> String {
    let when = commit
        .and_then(|c| c.get(..7))
        .map_or_else(String::new, |c| format!(" in {c}"));
    format!(
        "{}\n### ✅ benchgate · {} — resolved{when}: all metrics pass\n",
        marker(suite),
        inline(suite)
    )
}

/// Markdown renderer with a length limit in characters.
pub struct Markdown {
    /// Maximum characters.
    pub limit: usize,
}

/// How much of the long parts to show.
#[derive(Debug, Clone, Copy)]
struct Budget {
    text_chars: usize,
    examples: usize,
    slices: usize,
}

impl Renderer for Markdown {
    fn render(&self, report: &Report) -> String {
        let mut budget = Budget {
            text_chars: 600,
            examples: usize::MAX,
            slices: usize::MAX,
        };
        loop {
            let out = render(report, budget);
            if out.chars().count() <= self.limit {
                return out;
            }
            // Shorten the least important parts first.
            if budget.text_chars > 120 {
                budget.text_chars /= 2;
            } else if budget.examples > 0 {
                budget.examples = if budget.examples == usize::MAX {
                    report.regressed_examples.len().saturating_sub(1)
                } else {
                    budget.examples / 2
                };
            } else if budget.slices > 0 {
                budget.slices = if budget.slices == usize::MAX {
                    report.slices.len() / 2
                } else {
                    budget.slices / 2
                };
            } else {
                return cut_whole_lines(&out, self.limit);
            }
        }
    }
}

fn render(report: &Report, budget: Budget) -> String {
    let nums = Numbers { minus: "−" };
    let mut out = String::new();
    let strong = |s: &str| format!("**{s}**");
    let head = headline(report, nums, &strong, &phrase);
    let icon = if report.verdict == GateVerdict::Fail {
        "🔴"
    } else if report
        .metrics
        .iter()
        .any(|m| m.verdict == Verdict::Inconclusive)
    {
        "🟡"
    } else {
        "🟢"
    };
    let _ = writeln!(out, "{}", marker(&report.suite));
    let _ = writeln!(out, "### {icon} {}\n", head.title);
    let _ = writeln!(out, "{}\n", head.sentences.join(" "));

    metrics_section(report, nums, &mut out);
    slices_section(report, nums, budget, &mut out);
    examples_section(report, budget, &mut out);
    if let Some(h) = &report.human {
        out.push_str(&super::human::markdown(h));
    }

    if !report.warnings.is_empty() {
        for w in &report.warnings {
            let _ = writeln!(out, "> ⚠️ {}", phrase(&w.to_string()));
        }
        out.push('\n');
    }

    for r in &report.reuse {
        let _ = writeln!(out, "<sub>{}</sub>\n", phrase(&super::reuse_line(r)));
    }
    for u in &report.judges {
        let _ = writeln!(out, "<sub>{}</sub>\n", phrase(&super::judge_line(u)));
    }
    let s = &report.settings;
    let test = if s.test == "bootstrap" {
        "paired bootstrap"
    } else {
        "sign-flip randomization"
    };
    let _ = writeln!(
        out,
        "<sub>{} examples compared · {} added, {} missing · {test}, {} resamples, seed {}, α {} over {} tests (overall rows first) · baseline: {} · benchgate {} · <code>{}</code></sub>",
        group_thousands(report.examples.compared),
        report.examples.added,
        report.examples.missing,
        group_thousands(s.resamples),
        s.seed,
        s.alpha,
        s.tests,
        phrase(&report.baseline_source),
        report.version,
        report.signature().replace('&', "&amp;").replace('<', "&lt;")
    );
    out
}

/// The metric table, the lines under it, repeated samples and the trend.
fn metrics_section(report: &Report, nums: Numbers, out: &mut String) {
    let (ci, p_label) = super::column_labels(report);
    let _ = writeln!(
        out,
        "| metric | baseline | this PR | Δ | {ci} | {p_label} | |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|---:|---|");
    for m in &report.metrics {
        let [baseline, current, delta, ci, p] = nums.cells(&m.into());
        let _ = writeln!(
            out,
            "| {} | {baseline} | {current} | {delta} | {ci} | {p} | {} {} |",
            name(&metric_label(m)),
            emoji(m.verdict),
            m.verdict.label()
        );
    }
    if let Some(line) = super::detectable_line(report, nums) {
        let _ = writeln!(out, "\n{}", phrase(&line));
    }
    if let Some(line) = super::cluster_line(report) {
        let _ = writeln!(out, "\n{}", phrase(&line));
    }
    let [meaning, tests] = super::interval_note(report);
    let _ = writeln!(out, "\n<sub>{} {}</sub>", phrase(&meaning), phrase(&tests));
    out.push('\n');
    let noise = super::noise_lines(report, nums);
    if !noise.is_empty() {
        let _ = writeln!(out, "**Repeated samples.** {}\n", phrase(&noise.join(" ")));
    }
    super::trend::markdown_section(report, out);
}

/// The slices that regressed, in the open, then the others that moved in a
/// fold, within the budget.
fn slices_section(report: &Report, nums: Numbers, budget: Budget, out: &mut String) {
    let moved = report.moved_slices();
    let (ci, p_label) = super::slice_labels(report);
    let slice_header = |out: &mut String| {
        let _ = writeln!(
            out,
            "| slice | metric | n | baseline | this PR | Δ | {ci} | {p_label} | |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|---:|---|");
    };
    // Slices that block the merge are in the open, never inside a fold.
    let blocking: Vec<&&crate::report::SliceRow> = moved
        .iter()
        .filter(|s| s.verdict == Verdict::Regressed)
        .take(budget.slices)
        .collect();
    if !blocking.is_empty() {
        let _ = writeln!(out, "**Slices that regressed**\n");
        slice_header(out);
        for s in &blocking {
            slice_row(out, s, nums);
        }
        out.push('\n');
    }
    let rest: Vec<&crate::report::SliceRow> = moved
        .iter()
        .copied()
        .filter(|s| s.verdict != Verdict::Regressed)
        .collect();
    let room = budget.slices.saturating_sub(blocking.len());
    if !rest.is_empty() && room > 0 {
        let tested = tested_slices(report);
        let _ = writeln!(
            out,
            "<details><summary>Other slices that moved ({} of {})</summary>\n",
            rest.len(),
            tested
        );
        slice_header(out);
        for s in rest.iter().take(room) {
            slice_row(out, s, nums);
        }
        if rest.len() > room {
            let _ = writeln!(
                out,
                "\n*{} more slices left out for length.*",
                rest.len() - room
            );
        }
        out.push_str("\n</details>\n\n");
    }
}

/// The most regressed examples of each metric, each metric in a fold,
/// within the budget.
fn examples_section(report: &Report, budget: Budget, out: &mut String) {
    let mut by_metric: Vec<(&str, Vec<&ExampleChange>)> = Vec::new();
    for e in &report.regressed_examples {
        match by_metric.iter_mut().find(|(m, _)| *m == e.metric) {
            Some((_, list)) => list.push(e),
            None => by_metric.push((&e.metric, vec![e])),
        }
    }
    let mut shown = 0usize;
    for (metric, list) in by_metric {
        if shown >= budget.examples {
            break;
        }
        let take = list.len().min(budget.examples - shown);
        let _ = writeln!(
            out,
            "<details><summary>{} most regressed examples ({})</summary>\n",
            take,
            html_text(&truncate(metric, NAME_CHARS))
        );
        for e in list.iter().take(take) {
            example(out, e, budget.text_chars);
        }
        shown += take;
        out.push_str("</details>\n\n");
    }
}

/// One row of a slices table.
fn slice_row(out: &mut String, s: &crate::report::SliceRow, nums: Numbers) {
    let [baseline, current, delta, ci, p] = nums.cells(&s.into());
    let _ = writeln!(
        out,
        "| {} | {} | {} | {baseline} | {current} | {delta} | {ci} | {p} | {} {} |",
        name(&format!("{}={}", s.field, s.value)),
        name(&s.metric),
        s.n,
        emoji(s.verdict),
        s.verdict.label()
    );
}

/// The comment cut to `limit` characters at a line end, with any open diff
/// fence and `<details>` closed, so what is left is still well-formed.
fn cut_whole_lines(out: &str, limit: usize) -> String {
    const NOTE: &str =
        "\n*(comment cut to GitHub's size limit; see the job summary or the JSON report)*\n";
    // Room for the note and for closing what is open (a fence is at most a
    // little longer than the longest backtick run of a shown text).
    let reserve = NOTE.chars().count() + 2 * (600 + 16);
    let keep = limit.saturating_sub(reserve);
    let mut cut = String::new();
    let mut used = 0;
    let mut fence: Option<&str> = None;
    let mut details = 0usize;
    for line in out.split_inclusive('\n') {
        let n = line.chars().count();
        if used + n > keep {
            break;
        }
        used += n;
        cut.push_str(line);
        let bare = line.trim_end();
        match fence {
            Some(f) if bare == f => fence = None,
            Some(_) => {}
            None if bare.starts_with("```") => {
                fence = Some(bare.trim_end_matches(|c: char| c != '`'));
            }
            None if bare.starts_with("<details>") => details += 1,
            None if bare == "</details>" => details = details.saturating_sub(1),
            None => {}
        }
    }
    if let Some(f) = fence {
        cut.push_str(f);
        cut.push('\n');
    }
    for _ in 0..details {
        cut.push_str("\n</details>\n");
    }
    cut.push_str(NOTE);
    cut
}

fn tested_slices(report: &Report) -> usize {
    let mut keys: Vec<(&str, &str)> = report
        .slices
        .iter()
        .map(|s| (s.field.as_str(), s.value.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len() * report.metrics.len().max(1)
}

fn example(out: &mut String, e: &ExampleChange, max: usize) {
    let tags: Vec<String> = e
        .tags
        .iter()
        .map(|(_, v)| inline(&truncate(v, 60)))
        .collect();
    let mut title = format!("**{}**", inline(&truncate(&e.id, 120)));
    for t in tags.iter().take(3) {
        let _ = write!(title, " · {t}");
    }
    let badge = match e.stability {
        Some(crate::report::Stability::Solid) => " · 🧱 solid",
        Some(crate::report::Stability::Flaky) => " · 🎲 flaky",
        Some(crate::report::Stability::Uncertain) => " · uncertain",
        None => "",
    };
    let _ = writeln!(
        out,
        "{title} · {} {:.2} → {:.2}{badge}\n",
        name(&e.metric),
        e.baseline_score,
        e.current_score
    );
    if let Some(note) = super::stability_note(e) {
        let _ = writeln!(out, "<sub>Samples: {}</sub>\n", phrase(&note));
    }
    if let Some(input) = &e.input {
        for line in truncate(input, max)
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let _ = writeln!(out, "> {}", inline(line));
        }
        out.push('\n');
    }
    for (i, r) in e.references.iter().take(3).enumerate() {
        let label = if e.references.len() > 1 {
            format!("Reference {}", i + 1)
        } else {
            "Reference".into()
        };
        let _ = writeln!(out, "{label}: {}\n", inline(&truncate(r, max)));
    }
    for (side, reason) in [
        ("baseline", &e.baseline_reason),
        ("this PR", &e.current_reason),
    ] {
        if let Some(r) = reason {
            let _ = writeln!(out, "Why ({side}): {}\n", quoted_bold(&truncate(r, 300)));
        }
    }
    let pieces = word_diff(
        &truncate(&e.baseline_prediction, max),
        &truncate(&e.current_prediction, max),
    );
    let (old, new) = marked_sides(&pieces);
    let mut body = String::new();
    for line in visible(&old).split('\n') {
        let _ = writeln!(body, "- {line}");
    }
    for line in visible(&new).split('\n') {
        let _ = writeln!(body, "+ {line}");
    }
    let fence = fence_for(&body);
    let _ = writeln!(out, "{fence}diff\n{body}{fence}\n");
}
