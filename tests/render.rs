//! Snapshots of the rendered reports on the bundled fixtures (insta). Review
//! changes with `cargo insta review` or accept with `INSTA_UPDATE=always`.

use std::path::PathBuf;

use benchgate::config::{Config, ConfigBuilder, OutputFormat};
use benchgate::diagnostic::Code;
use benchgate::render::{renderer, RenderOptions, MAX_COMMENT_CHARS};
use benchgate::report::Report;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn run(baseline: &str, current: &str, tweak: impl FnOnce(&mut ConfigBuilder)) -> Report {
    let mut config = Config::builder(fixture(baseline), vec![fixture(current)]);
    config.outputs.suite = "tickets".into();
    tweak(&mut config);
    let config = config.build().expect("valid settings");
    let mut report = benchgate::compare(&config).expect("fixtures compare");
    // Paths differ between machines; the snapshot keeps the relative one.
    report.baseline_source = baseline.to_string();
    report
}

fn render(report: &Report, format: OutputFormat) -> String {
    renderer(format, RenderOptions { color: false }).render(report)
}

#[test]
fn regression_markdown() {
    let report = run(
        "fixtures/tickets/baseline.jsonl",
        "fixtures/tickets/current.jsonl",
        |c| {
            c.stats.slice_by = vec!["category".into()];
            c.outputs.top_k = 3;
        },
    );
    let md = render(&report, OutputFormat::Markdown);
    assert!(md.chars().count() <= MAX_COMMENT_CHARS);
    insta::assert_snapshot!("regression_markdown", md);
}

#[test]
fn regression_terminal() {
    let report = run(
        "fixtures/tickets/baseline.jsonl",
        "fixtures/tickets/current.jsonl",
        |c| {
            c.gate.metrics = vec!["f1".into(), "exact_match".into(), "latency_ms".into()];
            c.outputs.top_k = 2;
        },
    );
    insta::assert_snapshot!(
        "regression_terminal",
        render(&report, OutputFormat::Terminal)
    );
}

#[test]
fn passing_markdown_is_short() {
    let report = run(
        "fixtures/cases/aa/baseline.jsonl",
        "fixtures/cases/aa/current.jsonl",
        |_| {},
    );
    let md = render(&report, OutputFormat::Markdown);
    assert!(
        !md.contains("<details>"),
        "a passing run folds nothing open:\n{md}"
    );
    insta::assert_snapshot!("pass_markdown", md);
}

#[test]
fn seed_tickets_refuse_to_crown_a_winner() {
    let report = run(
        "fixtures/tickets/seed/model1.jsonl",
        "fixtures/tickets/seed/model2.jsonl",
        |c| {
            c.gate.metrics = vec!["rougeL".into()];
        },
    );
    assert_eq!(
        report.metrics[0].verdict,
        benchgate::report::Verdict::Inconclusive
    );
    // The article's numbers (rouge-score, no stemmer): model 1 0.5172, model 2 0.4102.
    assert!((report.metrics[0].baseline - 0.517_156_862_745_098).abs() < 1e-9);
    assert!((report.metrics[0].current - 0.410_185_185_185_185_2).abs() < 1e-9);
    insta::assert_snapshot!("seed_markdown", render(&report, OutputFormat::Markdown));
}

#[test]
fn oversized_predictions_keep_the_comment_under_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = "word ".repeat(40_000);
    let mut base = String::new();
    let mut cur = String::new();
    for i in 0..60 {
        base.push_str(&format!("{{\"id\": \"{i}\", \"prediction\": \"alpha beta gamma\", \"reference\": \"alpha beta gamma\"}}\n"));
        cur.push_str(&format!("{{\"id\": \"{i}\", \"prediction\": \"{big} ``` @team <script>\", \"reference\": \"alpha beta gamma\"}}\n"));
    }
    std::fs::write(dir.path().join("b.jsonl"), base).expect("write");
    std::fs::write(dir.path().join("c.jsonl"), cur).expect("write");
    let mut config = Config::builder(dir.path().join("b.jsonl"), vec![dir.path().join("c.jsonl")]);
    config.gate.metrics = vec!["f1".into()];
    config.outputs.top_k = 50;
    config.stats.resamples = 200;
    let config = config.build().expect("valid settings");
    let report = benchgate::compare(&config).expect("compare");
    let md = render(&report, OutputFormat::Markdown);
    assert!(
        md.chars().count() <= MAX_COMMENT_CHARS,
        "{} chars",
        md.chars().count()
    );
    assert!(!md.contains("<script>"));
    assert!(!md.contains("@team"));
    assert!(md.contains("most regressed examples"));
}

#[test]
fn regression_markdown_with_history() {
    let report = run(
        "fixtures/tickets/baseline.jsonl",
        "fixtures/tickets/current.jsonl",
        |c| {
            // The bundled history records the tickets benchmark as suite "default".
            c.outputs.suite = "default".into();
            c.gate.metrics = vec!["f1".into(), "latency_ms".into()];
            c.outputs.top_k = 1;
            c.inputs.history = Some(fixture("fixtures/history/declining.jsonl"));
        },
    );
    assert_eq!(report.trends.len(), 2);
    let md = render(&report, OutputFormat::Markdown);
    assert!(md.contains("`█▇▇▇▇▆▅▅▅▅▅▄▄▄┊▁`"), "{md}");
    assert_eq!(md.matches("```mermaid\nxychart-beta").count(), 2);
    insta::assert_snapshot!("regression_markdown_with_history", md);
}

#[test]
fn history_labels_cannot_break_the_comment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile_commit = "</details>\"]\n```\n@team <script>x</script>";
    let line = serde_json::json!({
        "commit": hostile_commit,
        "date": "2026-11-01T00:00:00Z",
        "suite": "default",
        "n": 3,
        "metrics": {"f1": {"value": 0.5, "direction": "higher"}},
    });
    let path = dir.path().join("history.jsonl");
    std::fs::write(&path, format!("{line}\n{line}\n")).expect("write");
    let report = run(
        "fixtures/tickets/baseline.jsonl",
        "fixtures/tickets/current.jsonl",
        |c| {
            c.outputs.suite = "default".into();
            c.gate.metrics = vec!["f1".into()];
            c.stats.resamples = 200;
            c.inputs.history = Some(path.clone());
        },
    );
    let md = render(&report, OutputFormat::Markdown);
    let charts = md
        .split("<summary>Trend charts")
        .nth(1)
        .expect("a chart section");
    let charts = charts.split("</details>").next().expect("closed");
    assert!(!charts.contains("<script>"), "{charts}");
    assert!(!charts.contains('@'), "{charts}");
    assert_eq!(charts.matches("```").count(), 2, "{charts}");
    assert!(!md.contains("<script>"));
}

#[test]
fn a_missing_history_is_a_warning() {
    let report = run(
        "fixtures/tickets/baseline.jsonl",
        "fixtures/tickets/current.jsonl",
        |c| {
            c.gate.metrics = vec!["f1".into()];
            c.stats.resamples = 200;
            c.inputs.history = Some(fixture("fixtures/history/not-there-yet.jsonl"));
        },
    );
    assert!(report.trends.is_empty());
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.code == Code::NoHistory && w.message.contains("no history at")),
        "{:?}",
        report.warnings
    );
}
