//! The full report: one self-contained HTML file (`--html-out`) with every
//! changed example, to open from disk or from the Actions artifact.
//!
//! What the PR comment shows — verdict, metric table, slices, trend, footer —
//! is rendered here as static HTML (escaped, and drawn as inline SVG: a forest
//! plot per metric, a slice × metric grid, trend lines), so it paints before any
//! script runs. The examples travel as JSON in a `<script type="application/json">`
//! element, and `html/report.js` builds the virtualized table, the per-metric
//! distributions of per-example deltas, the filters and the word diff from it.
//!
//! **Untrusted text.** Model outputs, inputs, ids and tags reach the page only
//! as text: escaped here, and set with `textContent` by the script (which never
//! assigns `innerHTML`). The embedded JSON cannot end its script element: every
//! `<`, `>` and `&` is written as a `\u003c`-style escape (so neither
//! `</script>` nor `<!--` can occur), and U+2028/U+2029 are escaped too.
//! Invisible and direction-changing characters are shown as `⟨U+202E⟩`.
//!
//! **No network.** The Content-Security-Policy (a `<meta>` element, as the
//! file is opened from disk) is `default-src 'none'`, so every fetch
//! directive — `connect-src`, `img-src`, `font-src`, `media-src`, `frame-src`,
//! `worker-src`, `manifest-src`, … — forbids every request, and the ones
//! that matter most are spelled out again so a reader need not know the
//! fallback rules. Nothing on the page needs a request: styles and script are
//! inline, charts are inline SVG, and there are no images or fonts. The inline
//! script and style are allowed by their SHA-256 hashes rather than
//! `'unsafe-inline'`, so even markup that slipped past the escaping could not
//! run a script or add a style of its own; `base-uri 'none'` and
//! `form-action 'none'` keep injected `<base>` or `<form>` elements from
//! sending anything anywhere. (`frame-ancestors` cannot be set from a
//! `<meta>` element and does not matter for a file.)

use std::fmt::Write as _;

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{ci_percent, group_thousands, headline, metric_label, p_value, Numbers, Renderer};
use crate::escape::visible;
use crate::examples::ExampleTable;
use crate::metrics::Direction;
use crate::report::{GateVerdict, MetricRow, MetricTrend, Report, SliceRow, ValueScale, Verdict};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// The HTML renderer: a report and its changed examples.
pub struct Html<'a> {
    /// Every changed example (from [`crate::compare_with_examples`]).
    pub examples: &'a ExampleTable,
}

impl Renderer for Html<'_> {
    fn render(&self, report: &Report) -> String {
        html(report, self.examples)
    }
}

/// The Content-Security-Policy of the page: no request of any kind; only the
/// page's own script and style, by hash.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; connect-src 'none'; img-src 'none'; font-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'",
        sha256(JS),
        sha256(CSS)
    )
}

fn sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The report as one HTML document.
pub fn html(report: &Report, examples: &ExampleTable) -> String {
    let mut out = String::with_capacity(64 * 1024 + examples.rows.len() * 512);
    let nums = Numbers { minus: "−" };
    let strong = |s: &str| format!("<strong>{s}</strong>");
    let text = |s: &str| esc(&visible(s));
    let head = headline(report, nums, &strong, &text);
    let failed = report.verdict == GateVerdict::Fail;
    let (state, word) = if failed {
        ("fail", "FAIL")
    } else if report
        .metrics
        .iter()
        .any(|m| m.verdict == Verdict::Inconclusive)
    {
        ("inconclusive", "PASS")
    } else {
        ("pass", "PASS")
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{word} · benchgate · {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        content_security_policy(),
        text(&report.suite)
    );
    let _ = write!(
        out,
        "<header class=\"banner {state}\">\n<p class=\"badge\"><span class=\"mark\" aria-hidden=\"true\"></span>{word}</p>\n<h1>{}</h1>\n<p class=\"lede\">{}</p>\n</header>\n<main>\n",
        head.title,
        head.sentences.join(" ")
    );
    let _ = writeln!(
        out,
        "<nav aria-label=\"Sections\"><a href=\"#metrics\">Metrics</a> <a href=\"#slices\">Slices</a> <a href=\"#distributions\">Per-example changes</a>{} <a href=\"#examples\">Examples</a> <a href=\"#settings\">Settings</a></nav>",
        if report.trends.is_empty() {
            ""
        } else {
            " <a href=\"#trend\">Trend on main</a>"
        }
    );
    metrics_section(&mut out, report, nums);
    slices_section(&mut out, report, examples, nums);
    let _ = writeln!(
        out,
        "<section id=\"distributions\" aria-labelledby=\"distributions-h\">\n<h2 id=\"distributions-h\">Per-example changes</h2>\n<p class=\"note\">For each metric, how many of the {} examples compared got worse or better, and by how much (the score of this PR minus the baseline's, per example).</p>\n<div id=\"dists\" class=\"dists\"></div>\n</section>",
        group_thousands(report.examples.compared)
    );
    trend_section(&mut out, report);
    examples_section(&mut out, examples);
    rationale_section(&mut out, report);
    warnings_section(&mut out, report);
    out.push_str("</main>\n");
    footer(&mut out, report);
    out.push_str("<script type=\"application/json\" id=\"benchgate-data\">");
    out.push_str(&page_data(report, examples));
    let _ = write!(out, "</script>\n<script>{JS}</script>\n</body>\n</html>\n");
    out
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` (which can
/// only occur inside JSON strings) and the JavaScript line terminators become
/// `\uXXXX` escapes, which `JSON.parse` reads back as the same characters.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 32);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Regressed | Verdict::BelowFloor => "regressed",
        Verdict::Improved => "improved",
        Verdict::Unchanged | Verdict::NotSignificant => "unchanged",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// A verdict as a shape and a word: colour is never the only signal.
fn verdict_tag(v: Verdict, text: &str) -> String {
    format!(
        "<span class=\"verdict {}\"><span class=\"mark\" aria-hidden=\"true\"></span>{}</span>",
        verdict_class(v),
        esc(text)
    )
}

fn metrics_section(out: &mut String, report: &Report, nums: Numbers) {
    // The same labels as the comment: the overall rows' interval level and
    // the p-values scaled to compare with alpha.
    let (ci, p_label) = super::column_labels(report);
    let _ = writeln!(
        out,
        "<section id=\"metrics\" aria-labelledby=\"metrics-h\">\n<h2 id=\"metrics-h\">Metrics</h2>\n<div class=\"scroll-x\" tabindex=\"0\" role=\"region\" aria-label=\"Metrics table (scrolls sideways)\"><table class=\"metrics\">\n<thead><tr><th scope=\"col\">metric</th><th scope=\"col\" class=\"num\">baseline</th><th scope=\"col\" class=\"num\">this PR</th><th scope=\"col\" class=\"num\">Δ</th><th scope=\"col\" class=\"num\">{ci}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">verdict</th><th scope=\"col\">Δ and {ci} against zero and the tolerance</th></tr></thead>\n<tbody>",
        esc(&p_label)
    );
    for m in &report.metrics {
        let [baseline, current, delta, interval, p] = nums.cells(&m.into());
        let note = m
            .note
            .as_deref()
            .map(|n| format!("<div class=\"note\">{}</div>", esc(&visible(n))))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}{note}</th><td class=\"num\">{baseline}</td><td class=\"num\">{current}</td><td class=\"num\">{delta}</td><td class=\"num\">{interval}</td><td class=\"num\">{p}</td><td>{}</td><td>{}</td></tr>",
            esc(&visible(&metric_label(m))),
            {
                // The detectable drop as a note under the verdict, so the
                // column stays narrow enough for the plot beside it.
                let mut cell = verdict_tag(m.verdict, m.verdict.label());
                if let Some(phrase) = super::detectable(m, nums) {
                    let _ = write!(cell, "<div class=\"note\">{}</div>", esc(&phrase));
                }
                cell
            },
            forest(m, nums)
        );
    }
    out.push_str("</tbody></table></div>\n");
    let e = &report.examples;
    let mut counts = format!(
        "{} examples compared · {} added · {} missing",
        group_thousands(e.compared),
        group_thousands(e.added),
        group_thousands(e.missing)
    );
    if e.edited > 0 {
        let _ = write!(counts, " · {} edited (left out)", group_thousands(e.edited));
    }
    if e.prompt_changed > 0 {
        let _ = write!(
            counts,
            " · prompt changed on {}",
            group_thousands(e.prompt_changed)
        );
    }
    let _ = writeln!(out, "<p class=\"note\">{counts}</p>");
    if let Some(line) = super::cluster_line(report) {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(&visible(&line)));
    }
    out.push_str("</section>\n");
}

/// Width and height of a forest plot, in SVG units.
const FOREST: (f64, f64) = (260.0, 40.0);

/// One metric's delta and interval on an axis that holds zero and the
/// tolerance band; the worse side is labelled.
fn forest(m: &MetricRow, nums: Numbers) -> String {
    let (w, h) = FOREST;
    let tol = m.tolerance.abs();
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    let (lo_v, hi_v) = (finite(m.ci_low), finite(m.ci_high));
    let delta = finite(m.delta);
    let mut lo = lo_v.min(delta).min(-tol).min(0.0);
    let mut hi = hi_v.max(delta).max(tol).max(0.0);
    // Symmetric around zero, so the two sides read alike.
    let reach = lo.abs().max(hi.abs());
    (lo, hi) = if reach > 0.0 {
        (-reach * 1.1, reach * 1.1)
    } else {
        (-1.0, 1.0)
    };
    let pad = 8.0;
    let x = |v: f64| pad + (v - lo) / (hi - lo) * (w - 2.0 * pad);
    let y = 16.0;
    let class = verdict_class(m.verdict);
    let d = Numbers::decimals(m.scale, m.baseline, m.current);
    let label = format!(
        "{}: Δ {} ({}; tolerance ±{}); {}",
        visible(&m.name),
        nums.signed(m.delta, d),
        nums.ci(m.ci_low, m.ci_high, d),
        nums.value(tol, d),
        m.verdict.label()
    );
    let mut s = format!(
        "<svg class=\"forest\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(&label)
    );
    if tol > 0.0 {
        let _ = write!(
            s,
            "<rect class=\"band\" x=\"{:.1}\" y=\"4\" width=\"{:.1}\" height=\"24\"/>",
            x(-tol),
            (x(tol) - x(-tol)).max(1.0)
        );
    }
    let _ = write!(
        s,
        "<line class=\"zero\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"2\" y2=\"30\"/>",
        x(0.0)
    );
    if m.ci_low.is_finite() && m.ci_high.is_finite() {
        let _ = write!(
            s,
            "<line class=\"ci {class}\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\"/><line class=\"ci {class}\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"11\" y2=\"21\"/><line class=\"ci {class}\" x1=\"{1:.1}\" x2=\"{1:.1}\" y1=\"11\" y2=\"21\"/>",
            x(lo_v),
            x(hi_v)
        );
    }
    let cx = x(delta);
    let marker = match m.verdict {
        // A triangle pointing the way the metric moved.
        Verdict::Regressed | Verdict::BelowFloor | Verdict::Improved => {
            let toward = if m.delta < 0.0 { -1.0 } else { 1.0 };
            format!(
                "<path class=\"pt {class}\" d=\"M{:.1},{y} L{:.1},{:.1} L{:.1},{:.1} Z\"/>",
                cx + 7.0 * toward,
                cx - 5.0 * toward,
                y - 6.0,
                cx - 5.0 * toward,
                y + 6.0
            )
        }
        Verdict::Inconclusive => format!(
            "<path class=\"pt {class}\" d=\"M{cx:.1},{:.1} L{:.1},{y} L{cx:.1},{:.1} L{:.1},{y} Z\"/>",
            y - 6.0,
            cx + 6.0,
            y + 6.0,
            cx - 6.0
        ),
        Verdict::Unchanged | Verdict::NotSignificant => {
            format!("<circle class=\"pt {class}\" cx=\"{cx:.1}\" cy=\"{y}\" r=\"4.5\"/>")
        }
    };
    s.push_str(&marker);
    let (left, right) = match m.direction {
        Direction::Higher => ("◀ worse", "better ▶"),
        Direction::Lower => ("◀ better", "worse ▶"),
    };
    let _ = write!(
        s,
        "<text class=\"axis\" x=\"{pad}\" y=\"{}\">{left}</text><text class=\"axis\" x=\"{:.1}\" y=\"{}\" text-anchor=\"end\">{right}</text><text class=\"axis\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">0</text></svg>",
        h - 2.0,
        w - pad,
        h - 2.0,
        x(0.0),
        h - 2.0
    );
    s
}

fn slices_section(out: &mut String, report: &Report, examples: &ExampleTable, nums: Numbers) {
    let _ = writeln!(
        out,
        "<section id=\"slices\" aria-labelledby=\"slices-h\">\n<h2 id=\"slices-h\">Slices</h2>"
    );
    if report.slices.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\">No slice was tested: add <code>--slice-by FIELD</code> to compare every value of a tag separately.</p>\n</section>"
        );
        return;
    }
    // Slices in first-seen order, metrics in the report's order.
    let mut keys: Vec<(&str, &str, usize)> = Vec::new();
    for s in &report.slices {
        if !keys.iter().any(|(f, v, _)| *f == s.field && *v == s.value) {
            keys.push((&s.field, &s.value, s.n));
        }
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">Each cell is the metric's change in the slice (this PR minus baseline), marked by its verdict; choose a cell to list the slice's changed examples, worst first.</p>\n<div class=\"scroll-x\" tabindex=\"0\" role=\"region\" aria-label=\"Slices grid (scrolls sideways)\"><table class=\"grid\">\n<thead><tr><th scope=\"col\">slice</th><th scope=\"col\" class=\"num\">n</th>"
    );
    for m in &report.metrics {
        let _ = write!(
            out,
            "<th scope=\"col\">{}</th>",
            esc(&visible(&metric_label(m)))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (field, value, n) in keys {
        let name = format!("{field}={value}");
        let group = examples
            .slices
            .iter()
            .position(|g| g.field == field && g.value == value);
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td>",
            esc(&visible(&name)),
            group_thousands(n)
        );
        for (mi, m) in report.metrics.iter().enumerate() {
            let cell = report
                .slices
                .iter()
                .find(|s| s.field == field && s.value == value && s.metric == m.name);
            match (cell, group) {
                (Some(s), Some(g)) => slice_cell(out, s, &name, g, mi, nums),
                (Some(s), None) => {
                    let d = Numbers::decimals(s.scale, s.baseline, s.current);
                    let _ = write!(
                        out,
                        "<td class=\"cell {}\">{} {}</td>",
                        verdict_class(s.verdict),
                        nums.signed(s.delta, d),
                        verdict_tag(s.verdict, s.verdict.label())
                    );
                }
                (None, _) => out.push_str("<td class=\"cell\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn slice_cell(
    out: &mut String,
    s: &SliceRow,
    name: &str,
    group: usize,
    metric: usize,
    nums: Numbers,
) {
    let d = Numbers::decimals(s.scale, s.baseline, s.current);
    let delta = nums.signed(s.delta, d);
    let label = format!(
        "{} in {}: {delta} ({}, p {}); list its changed examples",
        visible(&s.metric),
        visible(name),
        s.verdict.label(),
        p_value(s.p_adjusted)
    );
    let _ = write!(
        out,
        "<td class=\"cell {}\"><button type=\"button\" class=\"slice-filter\" data-slice=\"{group}\" data-metric=\"{metric}\" aria-label=\"{}\">{delta} <span class=\"verdict {0}\"><span class=\"mark\" aria-hidden=\"true\"></span></span></button></td>",
        verdict_class(s.verdict),
        esc(&label)
    );
}

fn trend_section(out: &mut String, report: &Report) {
    if report.trends.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"trend\" aria-labelledby=\"trend-h\">\n<h2 id=\"trend-h\">Trend on main</h2>\n<p class=\"note\">Each metric's value on the last recorded runs of main (from <code>--history</code>), then this PR's.</p>\n<div class=\"trends\">"
    );
    for t in &report.trends {
        trend_chart(out, t);
    }
    out.push_str("</div>\n</section>\n");
}

fn trend_chart(out: &mut String, t: &MetricTrend) {
    let (w, h, pad) = (300.0, 90.0, 10.0);
    let mut values: Vec<f64> = t.points.iter().map(|p| p.value).collect();
    values.push(t.current);
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let n = values.len().max(2) as f64 - 1.0;
    let px = |i: usize| pad + i as f64 / n * (w - 2.0 * pad);
    let py = |v: f64| h - 20.0 - (v - lo) / (hi - lo) * (h - 40.0);
    let d = Numbers::decimals(t.scale, lo, hi);
    let nums = Numbers { minus: "−" };
    let history: Vec<String> = values[..values.len() - 1]
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| format!("{:.1},{:.1}", px(i), py(*v)))
        .collect();
    let label = format!(
        "{}: {} runs of main from {} to {}, this PR {}",
        visible(&t.metric),
        t.points.len(),
        nums.value(lo, d),
        nums.value(hi, d),
        nums.value(t.current, d)
    );
    let _ = write!(
        out,
        "<figure class=\"trend\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(&visible(&t.metric)),
        esc(&label)
    );
    if history.len() > 1 {
        let _ = write!(
            out,
            "<polyline class=\"line\" points=\"{}\"/>",
            history.join(" ")
        );
    }
    for p in &history {
        if let Some((x, y)) = p.split_once(',') {
            let _ = write!(
                out,
                "<circle class=\"dot\" cx=\"{x}\" cy=\"{y}\" r=\"2.5\"/>"
            );
        }
    }
    let last = values.len() - 1;
    if t.current.is_finite() {
        let _ = write!(
            out,
            "<circle class=\"pt now\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\"/>",
            px(last),
            py(t.current)
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis\" x=\"{pad}\" y=\"{}\">{}</text><text class=\"axis\" x=\"{pad}\" y=\"12\">{}</text><text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">this PR {}</text></svg></figure>",
        h - 4.0,
        nums.value(lo, d),
        nums.value(hi, d),
        w - pad,
        h - 4.0,
        nums.value(t.current, d)
    );
}

fn examples_section(out: &mut String, examples: &ExampleTable) {
    let identical = examples.compared.saturating_sub(examples.rows.len());
    let _ = writeln!(
        out,
        "<section id=\"examples\" aria-labelledby=\"examples-h\">\n<h2 id=\"examples-h\">Examples</h2>\n\
         <p class=\"note\">Every example whose output or a score changed: {} of {} compared ({} identical on both sides are counted, not listed). Choose a row to see its input, references, both outputs with a word diff, and its scores; the address keeps the filter and the open example, to paste into the discussion.</p>\n\
         <div class=\"controls\" id=\"controls\" role=\"search\">\n\
         <label>Search <input type=\"search\" id=\"q\" autocomplete=\"off\" placeholder=\"id, input, reference or output\"></label>\n\
         <label>Slice <select id=\"slice\"></select></label>\n\
         <label>Show <select id=\"show\"></select></label>\n\
         <button type=\"button\" id=\"reset\">Clear filters</button>\n\
         </div>\n\
         <p id=\"count\" class=\"count\" role=\"status\" aria-live=\"polite\"></p>\n\
         <div id=\"scroller\" class=\"scroller\" tabindex=\"-1\"><table id=\"rows\" class=\"rows\"><thead id=\"rows-head\"></thead><tbody id=\"rows-body\"></tbody></table></div>\n\
         <noscript><p>The example table needs JavaScript; the data is in this file's <code>benchgate-data</code> element.</p></noscript>\n\
         </section>",
        group_thousands(examples.rows.len()),
        group_thousands(examples.compared),
        group_thousands(identical)
    );
}

/// Why each regressed example scored as it did, where its metric says (an
/// LLM judge's rationale, a failing check's message). The judge's words are
/// a model's output: untrusted text, escaped like any other.
fn rationale_section(out: &mut String, report: &Report) {
    let explained: Vec<_> = report
        .regressed_examples
        .iter()
        .filter(|e| e.baseline_reason.is_some() || e.current_reason.is_some())
        .collect();
    if explained.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"rationale\" aria-labelledby=\"rationale-h\">\n<h2 id=\"rationale-h\">Why the regressed examples scored lower</h2>\n<p class=\"note\">The reason each metric gave for its score (an LLM judge's rationale, a failing check's message), for the examples that got worse.</p>\n<dl class=\"rationale\">"
    );
    let score = |x: f64| {
        if x.is_finite() {
            format!("{x:.3}")
        } else {
            "–".into()
        }
    };
    for e in explained {
        let _ = writeln!(
            out,
            "<dt><code>{}</code> · {} {} → {}</dt>",
            esc(&visible(&e.id)),
            esc(&visible(&e.metric)),
            score(e.baseline_score),
            score(e.current_score)
        );
        for (side, reason) in [
            ("baseline", &e.baseline_reason),
            ("this PR", &e.current_reason),
        ] {
            if let Some(r) = reason {
                let _ = writeln!(
                    out,
                    "<dd><strong>{side}:</strong> {}</dd>",
                    esc(&visible(r))
                );
            }
        }
    }
    out.push_str("</dl>\n</section>\n");
}

fn warnings_section(out: &mut String, report: &Report) {
    if report.warnings.is_empty() && report.reasons.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"notes\" aria-labelledby=\"notes-h\">\n<h2 id=\"notes-h\">Reasons and warnings</h2>\n<ul class=\"warnings\">"
    );
    for r in &report.reasons {
        let _ = writeln!(
            out,
            "<li class=\"reason\">{}</li>",
            esc(&visible(&r.to_string()))
        );
    }
    for w in &report.warnings {
        let _ = writeln!(out, "<li>{}</li>", esc(&visible(&w.to_string())));
    }
    out.push_str("</ul>\n</section>\n");
}

fn footer(out: &mut String, report: &Report) {
    let s = &report.settings;
    let test = if s.test == "bootstrap" {
        "paired bootstrap"
    } else {
        "paired approximate randomization"
    };
    let _ = writeln!(
        out,
        "<footer id=\"settings\">\n<dl>\n<dt>test</dt><dd>{test} ({} resampler), {} resamples, seed {}</dd>\n<dt>significance</dt><dd>α {} for the whole gate over {} one-sided tests, overall rows first and slices second (graphical procedure): {}% confidence of no false fail, {}% intervals on an overall row; at least {} examples to decide</dd>\n<dt>fails on</dt><dd>{}</dd>\n<dt>baseline</dt><dd>{}</dd>\n<dt>datasets</dt><dd><code>{}</code> → <code>{}</code></dd>\n<dt>benchgate</dt><dd>{}</dd>\n{}</dl>\n<p class=\"signature\"><code>{}</code></p>\n</footer>",
        esc(&s.resampler),
        group_thousands(s.resamples),
        s.seed,
        s.alpha,
        s.tests,
        ci_percent(s.simultaneous_confidence),
        ci_percent(s.row_confidence),
        s.min_examples,
        esc(&s.fail_on),
        esc(&visible(&report.baseline_source)),
        esc(&report.dataset.baseline_fingerprint),
        esc(&report.dataset.current_fingerprint),
        esc(&report.version),
        report
            .judges
            .iter()
            .map(|u| format!(
                "<dt>LLM judge</dt><dd>{}</dd>\n",
                esc(&visible(&super::judge_line(u)))
            ))
            .collect::<String>(),
        esc(&visible(&report.signature()))
    );
}

/// The page's data: what the script needs of the report, and the examples.
#[derive(Serialize)]
struct PageData<'a> {
    suite: &'a str,
    compared: usize,
    metrics: Vec<PageMetric<'a>>,
    tags: Vec<[String; 2]>,
    /// (field, value, examples compared in the slice).
    slices: Vec<(String, String, usize)>,
    /// [id, input, references, baseline output, current output,
    /// [baseline, current score per metric, flat], tag indices, slice indices]
    rows: Vec<PageRow<'a>>,
}

#[derive(Serialize)]
struct PageMetric<'a> {
    name: &'a str,
    /// +1 higher is better, −1 lower.
    sign: f64,
    decimals: usize,
    fraction: bool,
    verdict: &'static str,
    /// The metric fails the gate: overall, or in one of its slices.
    fails: bool,
}

#[derive(Serialize)]
struct PageRow<'a>(
    String,
    Option<String>,
    Vec<String>,
    String,
    String,
    Vec<Option<f64>>,
    &'a [u32],
    &'a [u32],
);

/// Seven significant digits: plenty to sort and read, a third of the size of
/// a full double in the file.
fn short(x: f64) -> Option<f64> {
    if !x.is_finite() {
        return None;
    }
    format!("{x:.6e}").parse().ok()
}

fn page_data(report: &Report, examples: &ExampleTable) -> String {
    let metrics = examples
        .metrics
        .iter()
        .map(|name| {
            let row = report.metrics.iter().find(|m| &m.name == name);
            PageMetric {
                name,
                sign: row.map_or(1.0, |m| m.direction.sign()),
                // Per-example values need a digit more than corpus means of
                // large raw values (758.3 ms, not 758).
                decimals: row.map_or(3, |m| {
                    Numbers::decimals(m.scale, m.baseline, m.current).max(1)
                }),
                fraction: row.is_some_and(|m| m.scale == ValueScale::Fraction),
                verdict: row.map_or("unchanged", |m| verdict_class(m.verdict)),
                fails: row
                    .is_some_and(|m| matches!(m.verdict, Verdict::Regressed | Verdict::BelowFloor))
                    || report
                        .slices
                        .iter()
                        .any(|s| &s.metric == name && s.verdict == Verdict::Regressed),
            }
        })
        .collect();
    let data = PageData {
        suite: &report.suite,
        compared: examples.compared,
        metrics,
        tags: examples
            .tags
            .iter()
            .map(|(k, v)| [visible(k), visible(v)])
            .collect(),
        slices: examples
            .slices
            .iter()
            .map(|g| (visible(&g.field), visible(&g.value), g.size))
            .collect(),
        rows: examples
            .rows
            .iter()
            .map(|r| {
                PageRow(
                    visible(&r.id),
                    r.input.as_deref().map(visible),
                    r.references.iter().map(|t| visible(t)).collect(),
                    visible(&r.baseline),
                    visible(&r.current),
                    r.scores
                        .iter()
                        .flat_map(|[b, c]| [short(*b), short(*c)])
                        .collect(),
                    &r.tags,
                    &r.slices,
                )
            })
            .collect(),
    };
    // Plain data with string keys: serialising cannot fail.
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".into());
    script_json(&json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let json =
            serde_json::to_string(&"</script><!-- \u{2028}\u{2029} &amp;").unwrap_or_default();
        let safe = script_json(&json);
        assert!(
            !safe.contains('<') && !safe.contains('>') && !safe.contains('&'),
            "{safe}"
        );
        assert!(!safe.contains('\u{2028}') && !safe.contains('\u{2029}'));
        let back: String = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, "</script><!-- \u{2028}\u{2029} &amp;");
    }

    #[test]
    fn short_keeps_seven_digits() {
        assert_eq!(short(0.466_666_666_666_666_7), Some(0.466_666_7));
        assert_eq!(short(758.3), Some(758.3));
        assert_eq!(short(f64::NAN), None);
    }
}
