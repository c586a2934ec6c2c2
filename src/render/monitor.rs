//! Renderings of a [`MonitorReport`]: terminal tables, markdown (the job
//! summary, a tracking issue's comment), JSON, and one self-contained HTML
//! page. Inputs and outputs quoted from the logs are untrusted text: escaped
//! for markdown and HTML, their hidden characters made visible, and cut short.

use std::fmt::Write as _;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};

use super::{emoji, p_value, Numbers};
use crate::escape::{inline, truncate, visible};
use crate::monitor::{DriftVerdict, InputDrift, MetricChange, Mix, MonitorReport, SliceChange};
use crate::report::Verdict;

/// Characters of an input shown in a table.
const INPUT_CHARS: usize = 90;
/// Most characters of the markdown report (GitHub's comment limit).
const MARKDOWN_LIMIT: usize = crate::github::MAX_COMMENT_CHARS;

/// The headline: what was found, in words.
fn title(r: &MonitorReport) -> String {
    if r.alarm {
        return r.reasons.join("; ");
    }
    let mut found = Vec::new();
    if r.metrics.iter().any(|m| m.verdict == Verdict::Regressed)
        || r.slices.iter().any(|s| s.verdict == Verdict::Regressed)
    {
        found.push("a metric got worse".to_string());
    }
    if r.mix.as_ref().is_some_and(|m| m.changed) {
        found.push("the mix changed".to_string());
    }
    if r.input_drift
        .as_ref()
        .is_some_and(|d| d.verdict == DriftVerdict::Drift)
    {
        found.push("live inputs drifted from the benchmark".to_string());
    }
    if found.is_empty() {
        "no metric got worse at the reference mix".to_string()
    } else {
        format!("{} (not alarming: --alarm-on)", found.join("; "))
    }
}

fn windows_line(r: &MonitorReport) -> String {
    let w = &r.windows;
    let span = |i: &crate::monitor::WindowInfo| match (&i.start, &i.end) {
        (Some(a), Some(b)) => format!(" {a} → {b}"),
        _ => String::new(),
    };
    let mut s = format!(
        "current: {}{} ({} rows) · reference: {}{} ({} rows)",
        w.current.label,
        span(&w.current),
        group(w.current.rows),
        w.reference.label,
        span(&w.reference),
        group(w.reference.rows)
    );
    if w.outside > 0 {
        let _ = write!(s, " · {} rows in neither window", group(w.outside));
    }
    s
}

fn group(n: usize) -> String {
    super::group_thousands(n)
}

fn metric_cells(m: &MetricChange, nums: Numbers) -> [String; 6] {
    let d = Numbers::decimals(m.scale, m.reference, m.current);
    [
        nums.value(m.reference, d),
        nums.value(m.current, d),
        nums.signed(m.delta, d),
        nums.signed(m.delta_at_reference_mix, d),
        nums.ci(m.ci_low, m.ci_high, d),
        p_value(m.p_value),
    ]
}

fn slice_cells(s: &SliceChange, nums: Numbers) -> [String; 5] {
    let d = Numbers::decimals(s.scale, s.reference, s.current);
    [
        nums.value(s.reference, d),
        nums.value(s.current, d),
        nums.signed(s.delta, d),
        nums.ci(s.ci_low, s.ci_high, d),
        p_value(s.p_value),
    ]
}

fn name_of(m: &MetricChange) -> String {
    match m.direction {
        crate::metrics::Direction::Lower => format!("{} ↓", m.name),
        crate::metrics::Direction::Higher => m.name.clone(),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn points(x: f64, minus: &str) -> String {
    let v = x * 100.0;
    if v.abs() < 0.05 {
        "±0.0".into()
    } else if v < 0.0 {
        format!("{minus}{:.1}", v.abs())
    } else {
        format!("+{v:.1}")
    }
}

/// The sentence under the metric table.
fn metric_note(r: &MonitorReport) -> String {
    let held = match &r.slice_by {
        Some(f) => format!("\"at reference mix\" holds the shares of {f} at the reference window's (direct standardisation): a change of mix moves \"change\" but never the verdict"),
        None => "without --slice-by the mix is not held fixed: \"at reference mix\" is the raw change".to_string(),
    };
    format!(
        "{held}. Verdicts on the change at the reference mix: one-sided tests, false alarms at most α = {} when nothing got worse (metrics share α, slices 20% of it); intervals two-sided at 1 − 2× the row's level; p scaled to compare with α.",
        r.settings.alpha
    )
}

fn mix_sentence(m: &Mix, against: &str) -> String {
    let moved: Vec<&str> = m
        .rows
        .iter()
        .filter(|r| r.moved)
        .map(|r| r.slice.as_str())
        .collect();
    let what = if m.changed {
        if moved.is_empty() {
            format!("the shares of {} changed", m.field)
        } else {
            format!("the shares of {} changed ({})", m.field, moved.join(", "))
        }
    } else {
        format!("no change of the shares of {} shown", m.field)
    };
    format!(
        "{what} against {against}: G = {:.2}, df {}, p {} ({} test)",
        m.g,
        m.df,
        p_value(m.p_value),
        m.test
    )
}

fn drift_sentence(d: &InputDrift) -> String {
    match d.verdict {
        DriftVerdict::NotTested => format!(
            "not tested: {} benchmark and {} live inputs are too few",
            d.rows[0], d.rows[1]
        ),
        v => format!(
            "{}: a classifier tells live inputs from the benchmark's with held-out AUC {:.3} [{:.3}, {:.3}] (0.5: alike), p {} ({} permutations; {} benchmark and {} live inputs)",
            if v == DriftVerdict::Drift { "drift" } else { "no drift shown" },
            d.score,
            d.ci_low,
            d.ci_high,
            p_value(d.p_value),
            d.rounds,
            d.rows[0],
            d.rows[1]
        ),
    }
}

fn footer(r: &MonitorReport) -> String {
    format!(
        "alpha {} · resamples {} · seed {} · min rows {} · benchgate {}",
        r.settings.alpha, r.settings.resamples, r.settings.seed, r.settings.min_rows, r.version
    )
}

/// Slice rows worth showing: every one with a verdict other than "no
/// significant change" (all of them when there are few).
fn shown_slices(r: &MonitorReport) -> (Vec<&SliceChange>, usize) {
    if r.slices.len() <= 12 {
        return (r.slices.iter().collect(), 0);
    }
    let shown: Vec<&SliceChange> = r
        .slices
        .iter()
        .filter(|s| !matches!(s.verdict, Verdict::NotSignificant | Verdict::Unchanged))
        .collect();
    let rest = r.slices.len() - shown.len();
    (shown, rest)
}

// --- Terminal ---------------------------------------------------------------------

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    t
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// The terminal rendering.
pub fn terminal(r: &MonitorReport) -> String {
    let nums = Numbers { minus: "-" };
    let mut out = String::new();
    let status = if r.alarm { "ALARM" } else { "OK" };
    let _ = writeln!(out, "{status} benchgate monitor — {}", visible(&title(r)));
    let _ = writeln!(out, "  {}", visible(&windows_line(r)));
    out.push('\n');
    let mut t = table();
    t.set_header(vec![
        "metric",
        "reference",
        "current",
        "change",
        "at reference mix",
        "interval",
        "p",
        "verdict",
    ]);
    for m in &r.metrics {
        let c = metric_cells(m, nums);
        let mut row = vec![Cell::new(visible(&name_of(m)))];
        row.extend(c.into_iter().map(right));
        row.push(Cell::new(m.verdict.label()));
        t.add_row(row);
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out, "{}", metric_note(r));
    let (slices, rest) = shown_slices(r);
    if !slices.is_empty() {
        let field = r.slice_by.as_deref().unwrap_or("slice");
        let _ = writeln!(out, "\nBy {}:", visible(field));
        let mut t = table();
        t.set_header(vec![
            "metric",
            field,
            "rows",
            "reference",
            "current",
            "change",
            "interval",
            "p",
            "verdict",
        ]);
        for s in slices {
            let c = slice_cells(s, nums);
            let mut row = vec![
                Cell::new(visible(&s.metric)),
                Cell::new(visible(&truncate(&s.slice, 40))),
                right(format!("{} / {}", s.rows[0], s.rows[1])),
            ];
            row.extend(c.into_iter().map(right));
            row.push(Cell::new(s.verdict.label()));
            t.add_row(row);
        }
        let _ = writeln!(out, "{t}");
        if rest > 0 {
            let _ = writeln!(out, "{rest} other slice rows: no significant change");
        }
    }
    if let Some(m) = &r.mix {
        let _ = writeln!(
            out,
            "\nMix: {}",
            visible(&mix_sentence(m, "the reference window"))
        );
        let _ = writeln!(out, "{}", mix_table(m, "reference", nums.minus));
    }
    if let Some(d) = &r.input_drift {
        let _ = writeln!(
            out,
            "\nInput drift against the benchmark: {}",
            drift_sentence(d)
        );
        let terms = &d.typical_terms;
        if !terms.live.is_empty() || !terms.benchmark.is_empty() {
            let _ = writeln!(
                out,
                "  typical of live traffic: {}",
                visible(&terms.live.join(", "))
            );
            let _ = writeln!(
                out,
                "  typical of the benchmark: {}",
                visible(&terms.benchmark.join(", "))
            );
        }
        if let Some(m) = &d.mix {
            let _ = writeln!(out, "  {}", visible(&mix_sentence(m, "the benchmark")));
            let _ = writeln!(out, "{}", mix_table(m, "benchmark", nums.minus));
        }
    }
    if !r.novel_inputs.is_empty() {
        let _ = writeln!(out, "\nNovel inputs (least like any benchmark input):");
        let mut t = table();
        let mut header = vec!["similarity", "seen"];
        if r.slice_by.is_some() {
            header.push("slice");
        }
        header.extend(["input", "id"]);
        t.set_header(header);
        for n in &r.novel_inputs {
            let mut row = vec![
                right(format!("{:.3}", n.similarity)),
                right(n.count.to_string()),
            ];
            if r.slice_by.is_some() {
                row.push(Cell::new(visible(n.slice.as_deref().unwrap_or(""))));
            }
            row.push(Cell::new(one_line(&n.input, INPUT_CHARS)));
            row.push(Cell::new(visible(&truncate(&n.id, 40))));
            t.add_row(row);
        }
        let _ = writeln!(out, "{t}");
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {}", visible(n));
    }
    for w in &r.warnings {
        let _ = writeln!(out, "warning: {}", visible(w));
    }
    let _ = writeln!(out, "{}", footer(r));
    out
}

/// Text on one line, hidden characters shown, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = visible(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    truncate(&flat, max)
}

fn mix_table(m: &Mix, left: &str, minus: &str) -> Table {
    let mut t = table();
    t.set_header(vec![
        m.field.as_str(),
        left,
        "current",
        "change (points)",
        "rows",
        "",
    ]);
    for row in &m.rows {
        t.add_row(vec![
            Cell::new(visible(&truncate(&row.slice, 40))),
            right(pct(row.reference)),
            right(pct(row.current)),
            right(points(row.change, minus)),
            right(format!("{} / {}", row.rows[0], row.rows[1])),
            Cell::new(if row.moved { "moved" } else { "" }),
        ]);
    }
    t
}

// --- Markdown ---------------------------------------------------------------------

/// The markdown rendering, within GitHub's comment limit (novel inputs are
/// cut first).
pub fn markdown(r: &MonitorReport) -> String {
    let mut chars = 300;
    let mut novel = r.novel_inputs.len();
    loop {
        let out = markdown_with(r, chars, novel);
        if out.chars().count() <= MARKDOWN_LIMIT || (chars <= 40 && novel == 0) {
            return out;
        }
        if chars > 40 {
            chars /= 2;
        } else {
            novel /= 2;
        }
    }
}

fn markdown_with(r: &MonitorReport, chars: usize, novel: usize) -> String {
    let nums = Numbers { minus: "−" };
    let mut out = String::new();
    let mark = if r.alarm { "🔴 **ALARM**" } else { "✅ OK" };
    let _ = writeln!(out, "### {mark} · benchgate monitor\n");
    let _ = writeln!(out, "{}\n", inline(&title(r)));
    let _ = writeln!(out, "{}\n", inline(&windows_line(r)));
    let _ = writeln!(
        out,
        "| metric | reference | current | change | at reference mix | interval | p | verdict |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---|");
    for m in &r.metrics {
        let c = metric_cells(m, nums);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | **{}** | {} | {} | {} {} |",
            inline(&truncate(&name_of(m), 120)),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            emoji(m.verdict),
            m.verdict.label()
        );
    }
    let _ = writeln!(out, "\n{}\n", inline(&metric_note(r)));
    let (slices, rest) = shown_slices(r);
    if !slices.is_empty() {
        let field = inline(r.slice_by.as_deref().unwrap_or("slice"));
        let _ = writeln!(out, "<details><summary>By {field}</summary>\n");
        let _ = writeln!(
            out,
            "| metric | {field} | rows | reference | current | change | interval | p | verdict |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---|");
        for s in slices {
            let c = slice_cells(s, nums);
            let _ = writeln!(
                out,
                "| {} | {} | {} / {} | {} | {} | {} | {} | {} | {} {} |",
                inline(&truncate(&s.metric, 120)),
                inline(&truncate(&s.slice, 120)),
                s.rows[0],
                s.rows[1],
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                emoji(s.verdict),
                s.verdict.label()
            );
        }
        if rest > 0 {
            let _ = writeln!(out, "\n{rest} other slice rows: no significant change");
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    let mix_md = |out: &mut String, m: &Mix, left: &str| {
        let _ = writeln!(
            out,
            "| {} | {left} | current | change (points) | rows | |",
            inline(&m.field)
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---|");
        for row in &m.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} / {} | {} |",
                inline(&truncate(&row.slice, 120)),
                pct(row.reference),
                pct(row.current),
                points(row.change, "−"),
                row.rows[0],
                row.rows[1],
                if row.moved { "moved" } else { "" }
            );
        }
    };
    if let Some(m) = &r.mix {
        let _ = writeln!(
            out,
            "**Mix** — {} (a change of traffic, never counted against the model)\n",
            inline(&mix_sentence(m, "the reference window"))
        );
        mix_md(&mut out, m, "reference");
        out.push('\n');
    }
    if let Some(d) = &r.input_drift {
        let _ = writeln!(
            out,
            "**Input drift against the benchmark** — {}\n",
            inline(&drift_sentence(d))
        );
        let t = &d.typical_terms;
        if !t.live.is_empty() || !t.benchmark.is_empty() {
            let _ = writeln!(
                out,
                "- typical of live traffic: {}",
                inline(&t.live.join(", "))
            );
            let _ = writeln!(
                out,
                "- typical of the benchmark: {}\n",
                inline(&t.benchmark.join(", "))
            );
        }
        if let Some(m) = &d.mix {
            let _ = writeln!(out, "{}\n", inline(&mix_sentence(m, "the benchmark")));
            mix_md(&mut out, m, "benchmark");
            out.push('\n');
        }
    }
    if novel > 0 {
        let _ = writeln!(out, "<details><summary>Novel inputs: the {} live inputs least like any benchmark input</summary>\n", novel.min(r.novel_inputs.len()));
        let _ = writeln!(out, "| similarity | seen | slice | input | id |");
        let _ = writeln!(out, "|---:|---:|---|---|---|");
        for n in r.novel_inputs.iter().take(novel) {
            let _ = writeln!(
                out,
                "| {:.3} | {} | {} | {} | {} |",
                n.similarity,
                n.count,
                inline(&truncate(n.slice.as_deref().unwrap_or(""), 60)),
                inline(&truncate(&n.input, chars)),
                inline(&truncate(&n.id, 60))
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    for n in &r.notes {
        let _ = writeln!(out, "- note: {}", inline(&truncate(n, 500)));
    }
    for w in &r.warnings {
        let _ = writeln!(out, "- ⚠️ {}", inline(&truncate(w, 500)));
    }
    let _ = writeln!(out, "\n<sub>{}</sub>", inline(&footer(r)));
    out
}

// --- HTML ---------------------------------------------------------------------------

/// One self-contained HTML page (no script, no network): the markdown
/// report's tables.
pub fn html(r: &MonitorReport) -> String {
    use super::html::esc;
    let nums = Numbers { minus: "−" };
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>{} benchgate monitor</h1>",
        if r.alarm { "ALARM ·" } else { "OK ·" }
    );
    let _ = writeln!(
        body,
        "<p>{}</p><p>{}</p>",
        esc(&title(r)),
        esc(&windows_line(r))
    );
    let _ = writeln!(body, "<table><tr><th>metric</th><th>reference</th><th>current</th><th>change</th><th>at reference mix</th><th>interval</th><th>p</th><th>verdict</th></tr>");
    for m in &r.metrics {
        let c = metric_cells(m, nums);
        let _ = write!(body, "<tr><td>{}</td>", esc(&name_of(m)));
        for x in c {
            let _ = write!(body, "<td class=n>{}</td>", esc(&x));
        }
        let _ = writeln!(body, "<td>{}</td></tr>", m.verdict.label());
    }
    let _ = writeln!(body, "</table><p>{}</p>", esc(&metric_note(r)));
    if !r.slices.is_empty() {
        let _ = writeln!(body, "<h2>By {}</h2><table><tr><th>metric</th><th>slice</th><th>rows</th><th>reference</th><th>current</th><th>change</th><th>interval</th><th>p</th><th>verdict</th></tr>", esc(r.slice_by.as_deref().unwrap_or("slice")));
        for s in &r.slices {
            let c = slice_cells(s, nums);
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td class=n>{} / {}</td>",
                esc(&s.metric),
                esc(&s.slice),
                s.rows[0],
                s.rows[1]
            );
            for x in c {
                let _ = write!(body, "<td class=n>{}</td>", esc(&x));
            }
            let _ = writeln!(body, "<td>{}</td></tr>", s.verdict.label());
        }
        let _ = writeln!(body, "</table>");
    }
    let mix_html = |body: &mut String, m: &Mix, against: &str, left: &str| {
        let _ = writeln!(body, "<p>{}</p><table><tr><th>{}</th><th>{left}</th><th>current</th><th>change (points)</th><th>rows</th><th></th></tr>", esc(&mix_sentence(m, against)), esc(&m.field));
        for row in &m.rows {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{} / {}</td><td>{}</td></tr>",
                esc(&row.slice),
                pct(row.reference),
                pct(row.current),
                points(row.change, "−"),
                row.rows[0],
                row.rows[1],
                if row.moved { "moved" } else { "" }
            );
        }
        let _ = writeln!(body, "</table>");
    };
    if let Some(m) = &r.mix {
        let _ = writeln!(body, "<h2>Mix</h2>");
        mix_html(&mut body, m, "the reference window", "reference");
    }
    if let Some(d) = &r.input_drift {
        let _ = writeln!(
            body,
            "<h2>Input drift against the benchmark</h2><p>{}</p>",
            esc(&drift_sentence(d))
        );
        let t = &d.typical_terms;
        let _ = writeln!(
            body,
            "<ul><li>typical of live traffic: {}</li><li>typical of the benchmark: {}</li></ul>",
            esc(&t.live.join(", ")),
            esc(&t.benchmark.join(", "))
        );
        if let Some(m) = &d.mix {
            mix_html(&mut body, m, "the benchmark", "benchmark");
        }
    }
    if !r.novel_inputs.is_empty() {
        let _ = writeln!(body, "<h2>Novel inputs</h2><table><tr><th>similarity</th><th>seen</th><th>slice</th><th>input</th><th>output</th><th>id</th></tr>");
        for n in &r.novel_inputs {
            let _ = writeln!(
                body,
                "<tr><td class=n>{:.3}</td><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                n.similarity,
                n.count,
                esc(n.slice.as_deref().unwrap_or("")),
                esc(&n.input),
                esc(&n.output),
                esc(&n.id)
            );
        }
        let _ = writeln!(body, "</table>");
    }
    for n in r.notes.iter().chain(&r.warnings) {
        let _ = writeln!(body, "<p class=note>{}</p>", esc(n));
    }
    let _ = writeln!(body, "<footer>{}</footer>", esc(&footer(r)));
    format!(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>benchgate monitor</title><style>body{{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}.note{{color:#555}}</style></head><body>\n{body}</body></html>\n"
    )
}
