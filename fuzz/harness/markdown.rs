//! What one fuzz input does to the markdown renderer; shared by the cargo-fuzz
//! target (`fuzz_targets/markdown.rs`) and by `tests/fuzz_corpus.rs`.
//!
//! A real report (the ticket fixture, computed once) gets the input's text in
//! every string that can come from a result file: ids, inputs, references,
//! predictions, tag names and values, metric names, reasons, warnings, the
//! baseline's name, and the suite when the settings accept it. The first byte
//! repeats one of the strings up to a million times (a 1 MB prediction), the
//! second puts NaN or infinities into some numbers. The PR comment is then
//! parsed with a CommonMark parser and must be exactly the document benchgate
//! means: at most 65,536 characters, its own marker first, one heading, no
//! HTML but benchgate's own, balanced `<details>`, no links or images, code
//! blocks only for the diffs (every line of them a `- ` or `+ ` line), every
//! metric row with its verdict in the last cell, no live @mention and no
//! hidden character shown raw.

use std::path::PathBuf;
use std::sync::OnceLock;

use benchgate::config::{Config, OutputFormat};
use benchgate::diagnostic::{Code, Diagnostic};
use benchgate::render::{marker, renderer, RenderOptions, MAX_COMMENT_CHARS};
use benchgate::report::Report;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if here.join("fixtures").is_dir() {
        here
    } else {
        here.join("..")
    }
}

fn base_report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = root().join("fixtures/tickets");
        let mut config =
            Config::builder(dir.join("baseline.jsonl"), vec![dir.join("current.jsonl")]);
        config.stats.resamples = 2_000;
        config.stats.slice_by = vec!["category".into()];
        config.outputs.top_k = 10;
        config.outputs.format = OutputFormat::Markdown;
        let config = config.build().expect("valid settings");
        benchgate::compare(&config).expect("the ticket fixture compares")
    })
}

const SPECIAL: [f64; 6] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    1e300,
    -1e-300,
];

/// The input's strings, handed out in turn; the first one asked for the
/// `huge` role is repeated `reps` times (up to 2 MB).
struct Strings {
    pieces: Vec<String>,
    next: usize,
    huge: usize,
    reps: usize,
}

impl Strings {
    fn next(&mut self, role: usize) -> String {
        let p = &self.pieces[self.next % self.pieces.len()];
        self.next += 1;
        if role == self.huge {
            self.huge = usize::MAX;
            p.repeat(self.reps.min(2_000_000 / p.len().max(1)).max(1))
        } else {
            p.clone()
        }
    }
}

/// Puts `data` into a report, renders the PR comment and checks its structure.
pub fn run(data: &[u8]) {
    let report = hostile_report(data);
    let md = renderer(OutputFormat::Markdown, RenderOptions::default()).render(&report);
    if std::env::var_os("BENCHGATE_FUZZ_DUMP").is_some() {
        eprintln!("{md}");
    }
    check(&md, &report);
}

/// The fixture's report with `data`'s text in every string from the inputs.
pub fn hostile_report(data: &[u8]) -> Report {
    let mut report = base_report().clone();
    // The first byte picks the role (of twelve) whose first string is huge.
    let (reps, huge, special, text) = match data {
        [a, b, rest @ ..] => (1usize << (a % 21), usize::from(a / 21), Some(*b), rest),
        _ => (1, usize::MAX, None, data),
    };
    let text = String::from_utf8_lossy(text);
    let mut strings = Strings {
        pieces: text.split('\u{1f}').map(str::to_string).collect(),
        next: 0,
        huge,
        reps,
    };
    let mut next = |role: usize| strings.next(role);
    // The suite comes from the settings, which only take a valid name.
    let mut settings = Config::builder(PathBuf::new(), Vec::new());
    settings.outputs.suite = next(0);
    if let Ok(settings) = settings.build() {
        report.suite.clone_from(&settings.outputs().suite);
    }
    report.baseline_source = next(1);
    report
        .warnings
        .push(Diagnostic::new(Code::LooksClustered, next(2)).with_hint(next(2)));
    for r in &mut report.reasons {
        *r = Diagnostic::new(r.code, next(2));
    }
    for m in &mut report.metrics {
        m.name = next(3);
        m.note = Some(next(4));
    }
    for s in &mut report.slices {
        s.field = next(5);
        s.value = next(5);
        s.metric = next(3);
    }
    for e in &mut report.regressed_examples {
        e.id = next(6);
        e.metric = next(3);
        e.tags = vec![(next(5), next(5)), (next(5), next(5))];
        e.input = Some(next(7));
        e.references = vec![next(8), next(8)];
        e.baseline_prediction = next(9);
        e.current_prediction = next(10);
        e.baseline_reason = Some(next(11));
        e.current_reason = Some(next(11));
    }
    if let Some(b) = special {
        let x = SPECIAL[usize::from(b) % SPECIAL.len()];
        if let Some(m) = report.metrics.first_mut() {
            m.baseline = x;
            m.ci_low = x;
            m.p_adjusted = x;
        }
        if let Some(e) = report.regressed_examples.first_mut() {
            e.current_score = x;
        }
    }
    report
}

/// Panics unless `md` is exactly the comment benchgate means for `report`.
pub fn check(md: &str, report: &Report) {
    let chars = md.chars().count();
    assert!(chars <= MAX_COMMENT_CHARS, "{chars} characters");
    let marker = marker(&report.suite);
    assert!(md.starts_with(&marker), "the marker is not first");

    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM;
    let mut html = Vec::new();
    let mut headings = 0;
    let mut links = 0;
    let mut other = Vec::new();
    let mut code_blocks = 0;
    let mut code: Option<String> = None;
    let mut prose = String::new();
    let mut tables = 0;
    let mut row: Option<Vec<String>> = None;
    let mut cell: Option<String> = None;
    let mut metric_rows = Vec::new();
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.trim().to_string()),
            Event::Start(Tag::CodeBlock(kind)) => {
                code_blocks += 1;
                let info = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => info.to_string(),
                    pulldown_cmark::CodeBlockKind::Indented => "(indented)".into(),
                };
                assert_eq!(info, "diff", "a code block benchgate did not write");
                code = Some(String::new());
            }
            Event::End(TagEnd::CodeBlock) => {
                let body = code.take().unwrap_or_default();
                for line in body.lines() {
                    assert!(
                        line.starts_with("- ") || line.starts_with("+ "),
                        "a diff line that is neither - nor +: {line:?}"
                    );
                }
            }
            Event::Text(t) if code.is_some() => {
                if let Some(c) = code.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::Start(Tag::Heading { .. }) => headings += 1,
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links += 1,
            Event::Start(
                t @ (Tag::FootnoteDefinition(_)
                | Tag::List(_)
                | Tag::Strikethrough
                | Tag::MetadataBlock(_)),
            ) => other.push(format!("{t:?}")),
            Event::FootnoteReference(f) => other.push(format!("footnote {f}")),
            Event::TaskListMarker(_) => other.push("task list".into()),
            Event::Rule => other.push("thematic break".into()),
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::TableRow) => row = Some(Vec::new()),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                    r.push(c);
                }
            }
            Event::End(TagEnd::TableRow) if tables == 1 => metric_rows.extend(row.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                }
                prose.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => prose.push('\n'),
            _ => {}
        }
    }
    assert!(other.is_empty(), "markdown from the data: {other:?}");
    assert_eq!(headings, 1, "only benchgate's own heading");
    assert_eq!(links, 0, "no links or images from the data");
    assert!(
        code_blocks <= report.regressed_examples.len(),
        "{code_blocks} code blocks for {} examples",
        report.regressed_examples.len()
    );
    // benchgate's own HTML only: the marker, details/summary, sub and code.
    let summary = |h: &str| {
        h.strip_prefix("<details><summary>")
            .and_then(|h| h.strip_suffix("</summary>"))
            .is_some_and(|title| !title.contains(['<', '>']))
    };
    let allowed = |h: &str| {
        h == marker
            || summary(h)
            || ["<details><summary>", "</summary>", "</details>"].contains(&h)
            || ["<sub>", "</sub>", "<code>", "</code>"].contains(&h)
    };
    for h in &html {
        assert!(allowed(h), "HTML from the data: {h:?}");
        if h != &marker {
            for (i, _) in h.match_indices('@') {
                assert!(h[i + 1..].starts_with("&#8203;"), "a live mention in {h:?}");
            }
        }
    }
    let opened = html.iter().filter(|h| h.starts_with("<details>")).count();
    let closed = html.iter().filter(|h| h.as_str() == "</details>").count();
    assert_eq!(opened, closed, "unbalanced <details>");
    // The metrics table: one row per metric, the verdict in the last cell.
    assert!(tables >= 1, "no metrics table");
    assert_eq!(
        metric_rows.len(),
        report.metrics.len(),
        "metric rows {metric_rows:?}"
    );
    for (cells, m) in metric_rows.iter().zip(&report.metrics) {
        let last = cells.last().map(String::as_str).unwrap_or_default();
        assert!(
            // The label, and for a row that found nothing what it could have found.
            last.contains(m.verdict.label()),
            "a cell moved in the metrics table: {cells:?}"
        );
    }
    // benchgate's zero-width space after "@" is what breaks a mention; any other
    // hidden character must have been made visible.
    let prose = prose.replace("@\u{200B}", "@\u{1}");
    for hidden in ['\u{202E}', '\u{202D}', '\u{2066}', '\u{200B}', '\u{FEFF}'] {
        assert!(
            !prose.contains(hidden),
            "hidden U+{:04X} shown raw",
            hidden as u32
        );
    }
    for (i, _) in prose.match_indices('@') {
        let next = prose[i + 1..].chars().next().unwrap_or(' ');
        assert!(
            !(next.is_alphanumeric() || next == '_' || next == '-'),
            "a live mention: {:?}",
            &prose[i..prose.len().min(i + 40)]
        );
    }
}
