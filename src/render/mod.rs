//! Renderings of a [`Report`]: terminal table, markdown (the PR comment),
//! JSON, and the full HTML report with every changed example. Renderers only format; every number comes from the report.

mod agreement;
pub mod diff;
mod documents;
pub mod html;
pub mod human;
mod json;
mod markdown;
pub mod monitor;
mod suites;
mod terminal;
pub mod trend;

use crate::config::OutputFormat;
use crate::report::{MetricRow, Report, SliceRow, ValueScale, Verdict};

pub use documents::Page;
pub use json::Json;
pub use markdown::{marker, resolved, Markdown, MAX_COMMENT_CHARS};
pub use suites::render_suites;
pub use terminal::Terminal;

/// Options that change how a report is shown, not what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colour (terminal only).
    pub color: bool,
}

/// One output format of a document: the comparison's [`Report`] by default,
/// and every other report a command prints (the monitor's, `agreement`'s,
/// the human review's, `history`'s drift, `plan`'s; see `documents.rs`).
pub trait Renderer<D: ?Sized = Report> {
    /// The document as text.
    fn render(&self, document: &D) -> String;
}

/// `document` in `format`: what every command prints and writes.
pub fn render<D: ?Sized>(document: &D, format: OutputFormat, options: RenderOptions) -> String
where
    Terminal: Renderer<D>,
    Markdown: Renderer<D>,
    Json: Renderer<D>,
{
    renderer::<D>(format, options).render(document)
}

/// The renderer for `format`.
pub fn renderer<D: ?Sized>(format: OutputFormat, options: RenderOptions) -> Box<dyn Renderer<D>>
where
    Terminal: Renderer<D>,
    Markdown: Renderer<D>,
    Json: Renderer<D>,
{
    match format {
        OutputFormat::Terminal => Box::new(terminal::Terminal {
            color: options.color,
        }),
        OutputFormat::Markdown => Box::new(markdown::Markdown {
            limit: MAX_COMMENT_CHARS,
        }),
        OutputFormat::Json => Box::new(json::Json),
    }
}

/// Number formatting shared by the text renderers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Numbers {
    /// The minus sign to use ("−" in markdown, "-" at a terminal).
    pub minus: &'static str,
}

impl Numbers {
    /// Decimals for a metric: three for fractions, fewer for large raw values,
    /// the same for every number of the row.
    pub fn decimals(scale: ValueScale, baseline: f64, current: f64) -> usize {
        if scale == ValueScale::Fraction {
            return 3;
        }
        let m = baseline.abs().max(current.abs());
        if m >= 100.0 {
            0
        } else if m >= 10.0 {
            1
        } else if m >= 1.0 {
            2
        } else {
            3
        }
    }

    pub fn value(self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "–".into();
        }
        let s = format!("{:.*}", decimals, x.abs());
        let zero = s.chars().all(|c| c == '0' || c == '.');
        if x < 0.0 && !zero {
            format!("{}{s}", self.minus)
        } else {
            s
        }
    }

    pub fn signed(self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "–".into();
        }
        let s = format!("{:.*}", decimals, x.abs());
        let zero = s.chars().all(|c| c == '0' || c == '.');
        if zero {
            format!("±{s}")
        } else if x < 0.0 {
            format!("{}{s}", self.minus)
        } else {
            format!("+{s}")
        }
    }

    /// The numeric cells every comparison row shows, in table order: baseline,
    /// current, delta, interval, adjusted p; same precision across the row.
    pub fn cells(self, c: &Comparison) -> [String; 5] {
        let d = Self::decimals(c.scale, c.baseline, c.current);
        [
            self.value(c.baseline, d),
            self.value(c.current, d),
            self.signed(c.delta, d),
            self.ci(c.ci_low, c.ci_high, d),
            p_value(c.p_adjusted),
        ]
    }

    pub fn ci(self, low: f64, high: f64, decimals: usize) -> String {
        format!(
            "[{}, {}]",
            self.signed(low, decimals),
            self.signed(high, decimals)
        )
    }

    /// A change in the metric's reading unit: points for fractions.
    pub fn change(self, x: f64, scale: ValueScale, decimals: usize) -> String {
        match scale {
            ValueScale::Fraction => format!("{:.1} points", x.abs() * 100.0),
            ValueScale::Raw => self.value(x.abs(), decimals),
        }
    }
}

/// The numbers of one comparison row, overall or in a slice.
pub(crate) struct Comparison {
    pub scale: ValueScale,
    pub baseline: f64,
    pub current: f64,
    pub delta: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_adjusted: f64,
}

impl From<&MetricRow> for Comparison {
    fn from(m: &MetricRow) -> Self {
        Comparison {
            scale: m.scale,
            baseline: m.baseline,
            current: m.current,
            delta: m.delta,
            ci_low: m.ci_low,
            ci_high: m.ci_high,
            p_adjusted: m.p_adjusted,
        }
    }
}

impl From<&SliceRow> for Comparison {
    fn from(s: &SliceRow) -> Self {
        Comparison {
            scale: s.scale,
            baseline: s.baseline,
            current: s.current,
            delta: s.delta,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            p_adjusted: s.p_adjusted,
        }
    }
}

/// A p-value for tables: `<0.001`, three decimals below 0.1, two above.
pub(crate) fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p < 0.001 {
        "<0.001".into()
    } else if p < 0.1 {
        format!("{p:.3}")
    } else {
        format!("{p:.2}")
    }
}

/// Verdict marker for markdown: colour is never the only signal, the word follows.
pub(crate) fn emoji(v: Verdict) -> &'static str {
    match v {
        Verdict::Regressed | Verdict::BelowFloor => "🔴",
        Verdict::Improved => "🟢",
        Verdict::Unchanged | Verdict::NotSignificant => "⚪",
        Verdict::Inconclusive => "🟡",
    }
}

/// The table headers of the interval and p-value columns of the metric
/// table: the interval's two-sided level when every overall row has the same
/// one, and the p-value marked as adjusted when the run tested more than one
/// row.
pub(crate) fn column_labels(report: &Report) -> (String, String) {
    labels(report, report.metrics.iter().map(|m| m.alpha_row))
}

/// The same headers for the slices' table, from the slice rows' levels.
pub(crate) fn slice_labels(report: &Report) -> (String, String) {
    labels(report, report.slices.iter().map(|s| s.alpha_row))
}

fn labels(report: &Report, mut levels: impl Iterator<Item = f64>) -> (String, String) {
    let first = levels.next();
    let ci = match first {
        Some(a) if levels.all(|b| (b - a).abs() < 1e-12) => {
            format!("{}% CI", ci_percent(1.0 - 2.0 * a))
        }
        _ => "CI".to_string(),
    };
    let p = if report.settings.tests > 1 {
        "p (adj.)"
    } else {
        "p"
    };
    (ci, p.to_string())
}

/// The two-sided level of a row's interval, in percent ("90").
pub(crate) fn row_percent(alpha_row: f64) -> String {
    ci_percent(1.0 - 2.0 * alpha_row)
}

/// The lines under the metric table that say what the intervals mean, how
/// verdicts are read off them, and which test decided which rows.
pub(crate) fn interval_note(report: &Report) -> [String; 2] {
    let s = &report.settings;
    let primary = report.metrics.len();
    let slices = s.tests.saturating_sub(primary);
    let alpha = s.alpha;
    let meaning = if slices > 0 {
        format!(
            "One-sided tests: the gate fails at most α = {alpha} of the time when nothing regressed. The overall rows share {} of α (Holm), the {slices} slice rows {} and what a regressed overall row passes on (Bretz et al. 2009). Intervals are two-sided at 1 − 2× the row's level; p is scaled to compare with α",
            share(1.0 - s.slice_share),
            share(s.slice_share)
        )
    } else if primary > 1 {
        format!(
            "One-sided tests: the gate fails at most α = {alpha} of the time when nothing regressed; the {primary} metrics share α (Holm). Intervals are two-sided at 1 − 2× the row's level; p is scaled to compare with α"
        )
    } else {
        format!(
            "A one-sided test at α = {alpha}, with a {}% two-sided interval",
            ci_percent(s.row_confidence)
        )
    };
    let rule = "regressed: the interval lies below −tolerance (0 unless set); improved (never fails the gate): above +tolerance; unchanged: within ±tolerance";
    let mut methods: Vec<(crate::stats::Method, Vec<String>)> = Vec::new();
    let mut add = |method, what: String| match methods.iter_mut().find(|(m, _)| *m == method) {
        Some((_, list)) => {
            if !list.contains(&what) {
                list.push(what);
            }
        }
        None => methods.push((method, vec![what])),
    };
    for m in &report.metrics {
        add(m.test, m.name.clone());
    }
    for r in &report.slices {
        let overall = report.metrics.iter().find(|m| m.name == r.metric);
        if overall.is_none_or(|m| m.test != r.test) {
            let count = report
                .slices
                .iter()
                .filter(|x| x.metric == r.metric && x.test == r.test)
                .count();
            let noun = if count == 1 { "slice" } else { "slices" };
            add(r.test, format!("{} in {count} {noun}", r.metric));
        }
    }
    let tests: Vec<String> = methods
        .iter()
        .map(|(method, names)| {
            let clusters = report.clusters.as_ref();
            let rounds = match (method, clusters) {
                (crate::stats::Method::Exact, _) => String::new(),
                (crate::stats::Method::Randomization, Some(c))
                    if c.clusters <= crate::stats::cluster::EXACT_MAX_CLUSTERS
                        && 1usize << c.clusters <= s.resamples =>
                {
                    format!(
                        ", all {} sign patterns (exact)",
                        group_thousands(1 << c.clusters)
                    )
                }
                (crate::stats::Method::Randomization, _) => {
                    format!(", {} rounds", group_thousands(s.resamples))
                }
                (crate::stats::Method::Bootstrap, _) => {
                    format!(", {} resamples", group_thousands(s.resamples))
                }
            };
            let unit = match clusters {
                Some(c) if *method != crate::stats::Method::Exact => {
                    format!(" of whole {} clusters", c.field)
                }
                _ => String::new(),
            };
            format!("{}{unit}{rounds}: {}", method.label(), names.join(", "))
        })
        .collect();
    [
        format!("{meaning}; {rule}."),
        format!("Tests: {}.", tests.join("; ")),
    ]
}

/// A share of alpha in percent ("80%").
fn share(x: f64) -> String {
    format!("{}%", (x * 100.0).round())
}

/// One line under the metric table with the smallest drop each undecided
/// row could have detected ("Detectable drops (80% power): f1 4.2 points,
/// judge 0.31."), or `None` when no row has one.
pub(crate) fn detectable_line(report: &Report, nums: Numbers) -> Option<String> {
    let parts: Vec<String> = report
        .metrics
        .iter()
        .filter_map(|m| {
            let phrase = detectable(m, nums)?;
            Some(format!(
                "{} {}",
                m.name,
                phrase
                    .trim_start_matches("could have detected drops of ")
                    .trim_end_matches(" or more")
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "Smallest drops these rows would have caught 4 times in 5: {}.",
            parts.join(", ")
        )
    })
}

/// With `--cluster-by`: what the tests resampled and what clustering cost
/// ("Clustered by doc_id: 50 clusters, 10 examples each on average (largest
/// 12); every test resamples whole clusters. Design effect: accuracy 3.4,
/// the evidence of 147 independent examples of 500 (ICC 0.27).").
pub(crate) fn cluster_line(report: &Report) -> Option<String> {
    let c = report.clusters.as_ref()?;
    let mut line = format!(
        "Clustered by {}: {} clusters, {:.1} examples each on average (largest {}); every test resamples whole clusters.",
        c.field,
        group_thousands(c.clusters),
        c.mean_size,
        group_thousands(c.largest)
    );
    if !c.metrics.is_empty() {
        let n = report.examples.compared;
        let parts: Vec<String> = c
            .metrics
            .iter()
            .map(|e| {
                format!(
                    "{} {:.1}, the evidence of {} independent examples of {} (ICC {:.2})",
                    e.metric,
                    e.design_effect,
                    group_thousands(e.effective_n.round().max(0.0) as usize),
                    group_thousands(n),
                    e.icc
                )
            })
            .collect();
        line.push_str(&format!(" Design effect: {}.", parts.join("; ")));
    }
    Some(line)
}

/// "could have detected drops of 2.1 points or more", for a row that found
/// no change and has a minimum detectable effect.
pub(crate) fn detectable(m: &MetricRow, nums: Numbers) -> Option<String> {
    match (m.verdict, m.mde) {
        (Verdict::Unchanged | Verdict::NotSignificant, Some(mde)) => {
            let d = Numbers::decimals(m.scale, m.baseline, m.current);
            Some(format!(
                "could have detected drops of {} or more",
                nums.change(mde, m.scale, d)
            ))
        }
        _ => None,
    }
}

/// What repeated samples say, one sentence per metric that has them: how
/// many examples are flaky and how much of the change they account for, how
/// many changes are solid, how many are uncertain.
pub(crate) fn noise_lines(report: &Report, nums: Numbers) -> Vec<String> {
    let mut lines = Vec::new();
    for m in &report.metrics {
        let Some(x) = &m.noise else { continue };
        let d = Numbers::decimals(m.scale, m.baseline, m.current);
        let spread = match (x.flip_rate, x.sd) {
            (Some([b, c]), _) => format!("flip rate {b:.2} → {c:.2}"),
            (_, Some([b, c])) => format!(
                "within-example sd {} → {}",
                nums.value(b, d.max(2)),
                nums.value(c, d.max(2))
            ),
            _ => String::new(),
        };
        let samples = |v: f64| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        };
        let mut s = format!(
            "{}: {} → {} samples per example ({spread}); {} of {} examples flaky",
            m.name,
            samples(x.samples[0]),
            samples(x.samples[1]),
            x.flaky,
            m.n
        );
        if x.flaky > 0 && m.delta != 0.0 {
            let sign = |v: f64| if v < 0.0 { nums.minus } else { "+" };
            s.push_str(&format!(
                ", accounting for {}{} of the {}{} change",
                sign(x.flaky_delta),
                nums.change(x.flaky_delta, m.scale, d),
                sign(m.delta),
                nums.change(m.delta, m.scale, d)
            ));
        }
        s.push_str(&format!(
            "; {} solid regressions, {} solid improvements, {} uncertain.",
            x.solid_regressions, x.solid_improvements, x.uncertain
        ));
        lines.push(s);
    }
    if !lines.is_empty() {
        let threshold = report
            .metrics
            .iter()
            .find_map(|m| m.noise.as_ref())
            .map_or(0.1, |x| x.flaky_threshold);
        lines.push(format!(
            "Flaky: the baseline's own samples disagree (mean difference over {threshold} of the range; for 0/1 metrics, the flip rate). Solid: every current sample worse (or better) than every baseline sample."
        ));
    }
    lines
}

/// How sure a listed example's change is, in words, when its samples say.
pub(crate) fn stability_note(e: &crate::report::ExampleChange) -> Option<String> {
    use crate::report::Stability;
    let (b, c) = (e.baseline_samples, e.current_samples);
    let range = |x: &crate::report::SampleSummary| {
        if x.min == x.max {
            format!("{:.2}", x.min)
        } else {
            format!("{:.2}–{:.2}", x.min, x.max)
        }
    };
    Some(match (e.stability?, b, c) {
        (Stability::Solid, Some(b), Some(c)) => format!(
            "solid: worse in all {} current samples ({}) than in all {} baseline samples ({})",
            c.n,
            range(&c),
            b.n,
            range(&b)
        ),
        (Stability::Flaky, Some(b), _) => format!(
            "flaky: the baseline's {} samples disagree ({}, mean difference {:.2})",
            b.n,
            range(&b),
            b.mean_difference
        ),
        (Stability::Uncertain, Some(b), Some(c)) => format!(
            "uncertain: the samples overlap (baseline {}, current {})",
            range(&b),
            range(&c)
        ),
        (s, _, _) => format!("{s:?}").to_lowercase(),
    })
}

/// The metric's name with ↓ when lower is better.
pub(crate) fn metric_label(m: &MetricRow) -> String {
    match m.direction {
        crate::metrics::Direction::Higher => m.name.clone(),
        crate::metrics::Direction::Lower => format!("{} ↓", m.name),
    }
}

/// The headline: the title and the sentence that says why, in words.
pub(crate) struct Headline {
    pub title: String,
    pub sentences: Vec<String>,
}

/// Builds the headline; `strong` wraps the key phrase (markdown bold or nothing).
pub(crate) fn headline(
    report: &Report,
    nums: Numbers,
    strong: &dyn Fn(&str) -> String,
    text: &dyn Fn(&str) -> String,
) -> Headline {
    let title = headline_title(report, text);
    let mut sentences = Vec::new();
    let n = report.examples.compared;
    // The worst overall regression, then where it is concentrated.
    let worst = report
        .metrics
        .iter()
        .filter(|m| matches!(m.verdict, Verdict::Regressed))
        .min_by(|a, b| a.p_adjusted.total_cmp(&b.p_adjusted));
    sentences.extend(worst_sentence(report, worst, nums, strong, text));
    for m in report
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::BelowFloor)
    {
        sentences.push(format!(
            "{} is {}.",
            strong(&text(&m.name)),
            text(m.note.as_deref().unwrap_or("below its floor"))
        ));
    }
    if report.examples.missing > 0 {
        sentences.push(format!(
            "{} of the baseline are missing from this run ({}{}).",
            strong(&format!("{} examples", report.examples.missing)),
            text(&report.examples.missing_ids.join(", ")),
            if report.examples.missing > report.examples.missing_ids.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    sentences.extend(tally_sentences(report, worst, text));
    sentences.extend(undecided_sentences(report, nums, text));
    if report.examples.prompt_changed > 0 {
        sentences.push(format!(
            "The prompt differs from the baseline's on {} of {n} examples; all are compared, since the dataset (ids and references) is unchanged.",
            group_thousands(report.examples.prompt_changed)
        ));
    }
    Headline { title, sentences }
}

/// The regressed slices and the inconclusive metrics, counted.
fn slices_regressed_and_metrics_inconclusive(report: &Report) -> (usize, usize) {
    let slices = report
        .slices
        .iter()
        .filter(|s| s.verdict == Verdict::Regressed)
        .count();
    let metrics = report
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Inconclusive)
        .count();
    (slices, metrics)
}

/// "benchgate · SUITE — 2 regressions block this PR" (or passed, with how
/// many rows are inconclusive).
fn headline_title(report: &Report, text: &dyn Fn(&str) -> String) -> String {
    let (bad, _, _) = report.counts();
    let (slice_bad, inconclusive) = slices_regressed_and_metrics_inconclusive(report);
    let suite = text(&report.suite);
    if report.verdict == crate::report::GateVerdict::Fail {
        let blockers = report.reasons.len();
        let regressions = bad + slice_bad;
        let noun = match (blockers == regressions, blockers == 1) {
            (true, true) => "regression blocks",
            (true, false) => "regressions block",
            (false, true) => "problem blocks",
            (false, false) => "problems block",
        };
        format!("benchgate · {suite} — {blockers} {noun} this PR")
    } else if inconclusive > 0 {
        format!("benchgate · {suite} — passed, {inconclusive} inconclusive")
    } else {
        format!("benchgate · {suite} — passed")
    }
}

/// The worst overall regression and where it is concentrated, or else a
/// regression confined to one slice.
fn worst_sentence(
    report: &Report,
    worst: Option<&MetricRow>,
    nums: Numbers,
    strong: &dyn Fn(&str) -> String,
    text: &dyn Fn(&str) -> String,
) -> Option<String> {
    if let Some(m) = worst {
        let d = Numbers::decimals(m.scale, m.baseline, m.current);
        let verb = if m.delta < 0.0 { "fell" } else { "rose" };
        let mut s = strong(&format!(
            "{} {verb} {} ({}% CI {} to {}, p {})",
            text(&m.name),
            nums.change(m.delta, m.scale, d),
            row_percent(m.alpha_row),
            nums.signed(scaled(m.ci_low, m.scale), d_points(m.scale, d)),
            nums.signed(scaled(m.ci_high, m.scale), d_points(m.scale, d)),
            p_phrase(m.p_adjusted),
        ));
        // The metric's own n: a partial metric (a tool's, reported by some
        // tasks or filters only) is compared on fewer examples than the run's.
        s.push_str(&format!(" on {} examples", m.n));
        let slice = report
            .slices
            .iter()
            .filter(|r| r.metric == m.name && r.verdict == Verdict::Regressed)
            .min_by(|a, b| {
                (a.delta * a.direction.sign()).total_cmp(&(b.delta * b.direction.sign()))
            });
        if let Some(r) = slice {
            s.push_str(&format!(
                "; the drop is concentrated in {} ({}{} {}, {} examples)",
                strong(&text(&format!("{}={}", r.field, r.value))),
                if r.delta < 0.0 { nums.minus } else { "+" },
                nums.change(r.delta, r.scale, d).trim_end_matches(" points"),
                if r.scale == ValueScale::Fraction {
                    "points"
                } else {
                    ""
                },
                r.n
            ));
        }
        s.push('.');
        return Some(s.replace(" ,", ","));
    } else if let Some(r) = report
        .slices
        .iter()
        .find(|r| r.verdict == Verdict::Regressed)
    {
        let d = Numbers::decimals(r.scale, r.baseline, r.current);
        return Some(format!(
            "{} in {} ({} examples, p {}), although it did not regress overall.",
            strong(&format!(
                "{} fell {}",
                text(&r.metric),
                nums.change(r.delta, r.scale, d)
            )),
            strong(&text(&format!("{}={}", r.field, r.value))),
            r.n,
            p_phrase(r.p_adjusted)
        ));
    }
    None
}

/// The other regressions by name, then a tally of the rest ("Other
/// metrics: 1 improved, 2 unchanged.").
fn tally_sentences(
    report: &Report,
    worst: Option<&MetricRow>,
    text: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let (bad, good, other) = report.counts();
    let (slice_bad, inconclusive) = slices_regressed_and_metrics_inconclusive(report);
    let n = report.examples.compared;
    let mut sentences = Vec::new();
    let mut tally = Vec::new();
    if let Some(w) = worst {
        let others: Vec<String> = report
            .metrics
            .iter()
            .filter(|m| m.name != w.name && m.verdict == Verdict::Regressed)
            .map(|m| text(&m.name))
            .collect();
        if !others.is_empty() {
            sentences.push(format!("Also regressed: {}.", others.join(", ")));
        }
    } else if bad > 0 {
        tally.push(format!("{bad} regressed"));
    }
    if worst.is_none() && slice_bad > 1 {
        tally.push(format!("{slice_bad} slice regressions"));
    }
    if good > 0 {
        tally.push(format!("{good} improved"));
    }
    let not_significant = report
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::NotSignificant)
        .count();
    let unchanged = other - inconclusive - not_significant;
    if unchanged > 0 {
        tally.push(format!("{unchanged} unchanged"));
    }
    if not_significant > 0 {
        tally.push(format!("{not_significant} without a significant change"));
    }
    if inconclusive > 0 {
        tally.push(format!("{inconclusive} inconclusive"));
    }
    let metrics_word = if report.metrics.len() == 1 {
        "metric"
    } else {
        "metrics"
    };
    let summary = if tally.is_empty() {
        None
    } else if worst.is_some() {
        Some(format!("Other metrics: {}.", tally.join(", ")))
    } else {
        Some(format!(
            "{n} examples compared; of {} {metrics_word}: {}.",
            report.metrics.len(),
            tally.join(", ")
        ))
    };
    sentences.extend(summary);
    sentences
}

/// The rows that decided nothing: inconclusive ones with what would settle
/// them, and drops that are not significant but not tiny either.
fn undecided_sentences(
    report: &Report,
    nums: Numbers,
    text: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let mut sentences = Vec::new();
    for m in report
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Inconclusive)
    {
        let mut s = format!("{} is inconclusive", text(&m.name));
        if let Some(note) = &m.note {
            s.push_str(&format!(": {}", text(note)));
        }
        if let Some(k) = m.examples_to_settle {
            s.push_str(&format!(
                "; about {} examples would settle it",
                group_thousands(k)
            ));
        }
        s.push('.');
        sentences.push(s);
    }
    // A change for the worse that is not significant, when it is not tiny
    // beside its interval (fewer than 50 times the examples would show it).
    for m in report
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::NotSignificant)
    {
        if let Some(k) = m.examples_to_settle.filter(|&k| k <= 50 * m.n) {
            let d = Numbers::decimals(m.scale, m.baseline, m.current);
            let verb = if m.delta < 0.0 { "fell" } else { "rose" };
            sentences.push(format!(
                "{} {verb} {}, not significantly; about {} examples would show a change of this size.",
                text(&m.name),
                nums.change(m.delta, m.scale, d),
                group_thousands(k)
            ));
        }
    }
    sentences
}

fn scaled(x: f64, scale: ValueScale) -> f64 {
    match scale {
        ValueScale::Fraction => x * 100.0,
        ValueScale::Raw => x,
    }
}

fn d_points(scale: ValueScale, d: usize) -> usize {
    match scale {
        ValueScale::Fraction => 1,
        ValueScale::Raw => d,
    }
}

/// A confidence level as a percentage: `95`, `98.75`, `99.82` (at most two
/// decimals, trailing zeros dropped).
pub(crate) fn ci_percent(confidence: f64) -> String {
    let s = format!("{:.2}", confidence * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn p_phrase(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {}", p_value(p))
    }
}

/// `12345` → `12,345`.
/// `bertscore: 214 of 1,875 predictions scored, the other 1,661 unchanged and
/// reused from stored scores`: the footer line of a metric that reused values.
pub(crate) fn reuse_line(r: &crate::report::ReuseCount) -> String {
    format!(
        "{}: {} of {} predictions scored, the other {} unchanged and reused from stored scores",
        r.metric,
        group_thousands(r.computed),
        group_thousands(r.computed + r.reused),
        group_thousands(r.reused)
    )
}

/// The footer line of an LLM judge: what it judged, the calls, tokens and
/// cost; for a pairwise judge, the ties without a call and its position bias.
pub(crate) fn judge_line(u: &crate::metrics::llm::Usage) -> String {
    use crate::metrics::llm::Kind;
    let mut parts = Vec::new();
    let calls = format!(
        "{} call{}{}",
        group_thousands(u.calls),
        if u.calls == 1 { "" } else { "s" },
        match u.retries {
            0 => String::new(),
            1 => " (1 retry)".to_string(),
            n => format!(" ({} retries)", group_thousands(n)),
        }
    );
    let per = if u.samples > 1 {
        format!(", {} judgements each", u.samples)
    } else {
        String::new()
    };
    match u.kind {
        Kind::Rubric if u.judged == 0 => parts.push("no call: every value was reused".to_string()),
        Kind::Rubric => parts.push(format!(
            "{} output{} judged{per}, {calls}",
            group_thousands(u.judged),
            if u.judged == 1 { "" } else { "s" }
        )),
        Kind::Pairwise => {
            parts.push(format!(
                "{} changed pair{} judged in both orders{per}, {calls}; {} identical (a tie without a call)",
                group_thousands(u.judged),
                if u.judged == 1 { "" } else { "s" },
                group_thousands(u.identical.unwrap_or(0))
            ));
            let judgements = u.judged * u.samples;
            if judgements > 0 {
                let (first, second) = (
                    u.preferred_first.unwrap_or(0),
                    u.preferred_second.unwrap_or(0),
                );
                parts.push(format!(
                    "position bias: both orders chose the response shown first in {} of {} judgements, the one shown second in {} ({:.0}% preferred a position; those count as ties)",
                    group_thousands(first),
                    group_thousands(judgements),
                    group_thousands(second),
                    100.0 * (first + second) as f64 / judgements as f64
                ));
            }
        }
    }
    if u.calls > 0 {
        let mut tokens = format!(
            "{} prompt + {} completion tokens",
            group_thousands(usize::try_from(u.prompt_tokens).unwrap_or(usize::MAX)),
            group_thousands(usize::try_from(u.completion_tokens).unwrap_or(usize::MAX))
        );
        if let Some(cost) = u.cost_usd {
            let _ = std::fmt::Write::write_fmt(
                &mut tokens,
                format_args!(
                    ", ${}",
                    if cost < 0.01 {
                        format!("{cost:.4}")
                    } else {
                        format!("{cost:.2}")
                    }
                ),
            );
        }
        parts.push(tokens);
    }
    format!("{} (judge {}): {}", u.metric, u.model, parts.join("; "))
}

pub(crate) fn group_thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `benchgate plan` as a few sentences for a terminal.
pub(crate) fn plan_text(p: &crate::report::PlanReport) -> String {
    use std::fmt::Write as _;
    let nums = Numbers { minus: "-" };
    let d = Numbers::decimals(p.scale, p.value, p.value);
    let change = |x: f64| nums.change(x, p.scale, d.max(2));
    let mut out = String::new();
    let kind = if p.binary { "0/1 scores" } else { "scores" };
    let churn = if !p.second_run {
        "one run".to_string()
    } else if p.binary {
        format!(
            "{:.1}% of examples changed in the second run",
            p.churn * 100.0
        )
    } else {
        format!(
            "run-to-run differences of {} (root mean square)",
            nums.value(p.churn.sqrt(), d.max(2))
        )
    };
    let _ = writeln!(
        out,
        "Plan for {} ({kind}, {} on {} examples; {churn}).",
        p.metric,
        nums.value(p.value, d),
        group_thousands(p.examples_in_run)
    );
    if let (Some(field), Some(c), Some(m)) = (&p.cluster_by, p.clusters_in_run, p.mean_cluster_size)
    {
        let _ = writeln!(
            out,
            "Clustered by {field}: {} clusters of {m:.1} examples on average; design effect of the run-to-run differences {:.2}.",
            group_thousands(c),
            p.design_effect
        );
    }
    let level = format!(
        "{:.0}% of the time at α = {} (one-sided)",
        p.power * 100.0,
        p.alpha
    );
    let tolerance = if p.tolerance > 0.0 {
        format!(", tolerance {}", change(p.tolerance))
    } else {
        String::new()
    };
    let size = |examples: usize| match (p.clusters, p.mean_cluster_size) {
        (Some(k), Some(m)) => format!(
            "{} clusters (about {} examples at {m:.1} per cluster)",
            group_thousands(k),
            group_thousands(examples)
        ),
        _ => format!("{} examples", group_thousands(examples)),
    };
    match (p.drop, p.examples) {
        (Some(x), Some(e)) => {
            let _ = writeln!(
                out,
                "To catch a drop of {} {level}{tolerance}: {}.",
                change(x),
                size(e)
            );
            if let Some(mde) = p.mde {
                let _ = writeln!(out, "That size catches drops of {} or more.", change(mde));
            }
        }
        (Some(x), None) => {
            let _ = writeln!(
                out,
                "No benchmark size catches a drop of {}: the metric cannot fall that far from {}.",
                change(x),
                nums.value(p.value, d)
            );
        }
        (None, Some(e)) => match p.mde {
            Some(mde) => {
                let _ = writeln!(
                    out,
                    "{} catch drops of {} or more {level}{tolerance}.",
                    size(e),
                    change(mde)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{} catch no drop the metric allows {level}{tolerance}.",
                    size(e)
                );
            }
        },
        (None, None) => {}
    }
    for note in &p.notes {
        let _ = writeln!(out, "Assumes: {note}.");
    }
    out
}

/// `benchgate score` at a terminal: each metric's corpus value (four
/// decimals) in the order asked, the number of examples, and the metrics'
/// signatures (BERTScore's model hash) a line each.
pub(crate) fn score_table(
    values: &[(&str, f64)],
    examples: usize,
    signatures: &[String],
) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_header(vec!["metric", "value"]);
    for (name, value) in values {
        t.add_row(vec![(*name).to_string(), format!("{value:.4}")]);
    }
    let mut out = format!("{t}\n{examples} examples\n");
    for s in signatures {
        out.push_str(s);
        out.push('\n');
    }
    out
}
