//! The manual (`docs/`, an mdBook) is tested like code:
//!
//! - its generated pages equal what the code generates now: the CLI reference
//!   (`docs/src/cli.md`, from the clap definitions by `clap-markdown`) and the JSON
//!   report's schema (`docs/src/report.schema.json`, from the report types by
//!   `schemars`);
//! - that schema holds for real reports the binary writes for the fixtures, and
//!   rejects a broken one;
//! - every `console` example in the book runs as shown (trycmd reads the markdown:
//!   `$ command`, an optional `? CODE`, then the expected output, `...` for elided lines);
//! - the README's workflow is the Action chapter's, and its first code block is the two
//!   commands `.ci/run` runs;
//! - the input chapter lists every `--input-format` value.
//!
//! After changing a flag, a help text or the report, regenerate the pages with
//! `BENCHGATE_UPDATE_DOCS=1 cargo test --test tests docs::`. `.ci/run` builds the book and checks
//! its links (`scripts/docs/linkcheck.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Set to regenerate the generated pages instead of checking them.
const UPDATE_ENV: &str = "BENCHGATE_UPDATE_DOCS";
/// What a drift failure tells the reader to run.
const UPDATE_HINT: &str =
    "run `BENCHGATE_UPDATE_DOCS=1 cargo test --test tests docs::` to update it";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `generated` with the committed file, or writes it under [`UPDATE_ENV`].
fn check_generated(rel: &str, generated: &str) {
    let path = root().join(rel);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os(UPDATE_ENV).is_some() {
        if committed != generated {
            std::fs::write(&path, generated).expect("write the generated page");
            eprintln!("updated {rel}");
        }
        return;
    }
    if committed == generated {
        return;
    }
    let (line, old, new) = committed
        .lines()
        .map(Some)
        .chain(std::iter::repeat(None))
        .zip(generated.lines().map(Some).chain(std::iter::repeat(None)))
        .take_while(|(a, b)| a.is_some() || b.is_some())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map_or((0, None, None), |(i, (a, b))| (i + 1, a, b));
    panic!(
        "{rel} is out of date with the code: {UPDATE_HINT}.\n\
         First difference at line {line}:\n  committed: {}\n  generated: {}",
        old.unwrap_or("(end of file)"),
        new.unwrap_or("(end of file)"),
    );
}

/// The CLI reference: every command and flag with its help, from `benchgate::cli`.
fn cli_reference() -> String {
    let command = <benchgate::cli::Cli as clap::CommandFactory>::command();
    let options = clap_markdown::MarkdownOptions::new()
        .title("CLI reference".to_string())
        .show_footer(false);
    let body = clap_markdown::help_markdown_command_custom(&command, &options);
    format!(
        "<!-- Generated from the clap definitions (src/cli.rs) by tests/docs.rs: do not edit; \
         {UPDATE_HINT}. -->\n\n{}\n",
        body.trim_end()
    )
}

#[test]
fn cli_reference_is_generated() {
    check_generated("docs/src/cli.md", &cli_reference());
}

/// What `--format json` prints: one report, or several suites' reports.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum Document {
    /// The report of one suite.
    One(Box<benchgate::report::Report>),
    /// The reports of several `[[suite]]`s (`render::render_suites`).
    Suites(Suites),
}

/// Several suites' reports, in config order.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)] // only its schema is used
struct Suites {
    /// Version of this JSON layout.
    schema_version: u32,
    /// Fail when any suite fails.
    verdict: benchgate::report::GateVerdict,
    /// One report per suite.
    suites: Vec<benchgate::report::Report>,
}

/// The report's JSON Schema (draft 2020-12), as committed in the book.
fn report_schema() -> Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Document>()
        .to_value();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "title".into(),
            "benchgate report (`benchgate compare --format json`)".into(),
        );
    }
    tighten(&mut schema);
    schema
}

/// serde_json writes a non-finite `f64` as `null`: every number may be null. An
/// object has no properties beyond its type's, so a field the types do not
/// declare fails validation.
fn tighten(value: &mut Value) {
    match value {
        Value::Object(map) => {
            match map.get_mut("type") {
                Some(Value::String(t)) if t == "number" => {
                    map.insert("type".into(), serde_json::json!(["number", "null"]));
                }
                Some(Value::Array(types))
                    if types.iter().any(|t| t == "number")
                        && !types.iter().any(|t| t == "null") =>
                {
                    types.push("null".into());
                }
                _ => {}
            }
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(tighten);
        }
        Value::Array(items) => items.iter_mut().for_each(tighten),
        _ => {}
    }
}

fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&report_schema()).expect("schema as JSON");
    text.push('\n');
    text
}

#[test]
fn report_schema_is_generated() {
    check_generated("docs/src/report.schema.json", &schema_text());
}

/// `benchgate ARGS --format json` in the repository root: the document it printed.
fn report(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(args)
        .args(["--format", "json", "--quiet"])
        .current_dir(root())
        .output()
        .expect("run benchgate");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "benchgate {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&report_schema()).expect("the schema is a valid draft 2020-12 schema")
}

/// The schema of one branch of the document (`Report` or `Suites`): its errors name
/// the field at fault, where the document's `anyOf` only says that no branch fits.
fn branch_validator(doc: &Value) -> jsonschema::Validator {
    let mut schema = report_schema();
    let branch = if doc.get("suites").is_some() {
        "Suites"
    } else {
        "Report"
    };
    if let Value::Object(map) = &mut schema {
        map.remove("anyOf");
        map.insert("$ref".into(), format!("#/$defs/{branch}").into());
    }
    jsonschema::validator_for(&schema).expect("the branch schema is valid")
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, doc: &Value) {
    if validator.is_valid(doc) {
        return;
    }
    let errors: Vec<String> = branch_validator(doc)
        .iter_errors(doc)
        .map(|e| {
            let mut message = e.to_string();
            if message.chars().count() > 300 {
                message = message.chars().take(300).collect::<String>() + "…";
            }
            format!("at {}: {message}", e.instance_path())
        })
        .collect();
    panic!(
        "{what}: the report does not fit docs/src/report.schema.json:\n{}",
        errors.join("\n")
    );
}

const TICKETS: [&str; 5] = [
    "compare",
    "--baseline",
    "fixtures/tickets/baseline.jsonl",
    "--current",
    "fixtures/tickets/current.jsonl",
];

#[test]
fn real_reports_fit_the_schema() {
    let validator = validator();
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        TICKETS.iter().chain(extra).copied().collect()
    };
    let cases: Vec<(&str, Vec<&str>)> = vec![
        // A regression, slices, the worst examples.
        (
            "tickets, sliced",
            with(&["--slice-by", "category", "--resamples", "2000"]),
        ),
        // Three examples: intervals that cannot be bounded are null.
        (
            "three examples",
            vec![
                "compare",
                "--baseline",
                "fixtures/tickets/seed/model1.jsonl",
                "--current",
                "fixtures/tickets/seed/model2.jsonl",
                "--metric",
                "rougeL",
            ],
        ),
        // Trends from a history.
        (
            "history",
            with(&[
                "--history",
                "fixtures/history/declining.jsonl",
                "--resamples",
                "2000",
            ]),
        ),
        // A human review and its floor.
        (
            "human review",
            with(&[
                "--human",
                "fixtures/review/tickets-filled.csv",
                "--human-key",
                "fixtures/review/tickets.key.json",
                "--min",
                "human_win_rate=0.45",
                "--resamples",
                "2000",
            ]),
        ),
        // A benchgate baseline file (its header is in the report), a changed dataset.
        (
            "baseline file",
            vec![
                "compare",
                "--baseline",
                "fixtures/cases/dataset/baseline.jsonl",
                "--current",
                "fixtures/cases/dataset/current.jsonl",
                "--allow-missing",
            ],
        ),
        // A floor.
        (
            "floor",
            vec![
                "compare",
                "--baseline",
                "fixtures/cases/aa/baseline.jsonl",
                "--current",
                "fixtures/cases/aa/current.jsonl",
                "--metric",
                "f1",
                "--min",
                "f1=0.6",
            ],
        ),
        // Several suites.
        (
            "suites",
            vec![
                "compare",
                "--config",
                "fixtures/cases/suites/benchgate.toml",
            ],
        ),
    ];
    for (what, args) in &cases {
        let doc = report(args);
        assert_valid(&validator, what, &doc);
    }
    // The cases reach the parts of the schema they are there for.
    let three = report(&cases[1].1);
    assert!(three["metrics"][0]["ci_low"].is_null(), "{three}");
    assert!(report(&cases[2].1)["trends"].is_array());
    assert!(report(&cases[3].1)["human"].is_object());
    assert!(report(&cases[4].1)["dataset"]["baseline_header"].is_object());
    assert!(report(&cases[6].1)["suites"].is_array());
}

#[test]
fn the_schema_rejects_what_the_report_never_holds() {
    let validator = validator();
    let good = report(&TICKETS);
    assert_valid(&validator, "tickets", &good);
    type Break = fn(&mut Value);
    let broken: [(&str, Break); 4] = [
        ("an unknown verdict", |d| d["verdict"] = "maybe".into()),
        ("a field no type declares", |d| {
            d["metrics"][0]["no_such_field"] = 0.1.into();
        }),
        ("a missing field", |d| {
            d.as_object_mut().map(|m| m.remove("settings"));
        }),
        ("a count that is not an integer", |d| {
            d["examples"]["compared"] = 1.5.into();
        }),
    ];
    for (what, breaks) in broken {
        let mut doc = good.clone();
        breaks(&mut doc);
        assert!(!validator.is_valid(&doc), "the schema accepts {what}");
    }
}

/// The JSON schema of `benchgate monitor --format json`, as committed in the book.
#[test]
fn monitor_schema_is_generated() {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<benchgate::monitor::MonitorReport>()
        .to_value();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "title".into(),
            "benchgate monitor report (`benchgate monitor --format json`)".into(),
        );
    }
    let text = serde_json::to_string_pretty(&schema).expect("a schema") + "\n";
    check_generated("docs/src/monitor.schema.json", &text);
}

/// Every `console` block of the book, run as shown.
#[test]
fn book_examples() {
    trycmd::TestCases::new()
        // Stage timings go to stderr after a second; a slow machine must not change the output.
        .env("BENCHGATE_PROGRESS_DELAY_MS", "3600000")
        .case("docs/src/**/*.md");
}

/// The fenced blocks of a markdown file: (info string, body).
fn fenced_blocks(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("read markdown");
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_string(), String::new())),
            (Some(_), Some("")) => blocks.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The input chapter lists every `--input-format` value: one per reader, and `auto`.
#[test]
fn input_chapter_lists_every_input_format() {
    use clap::ValueEnum as _;
    let names: Vec<String> = benchgate::load::InputFormat::value_variants()
        .iter()
        .filter_map(clap::ValueEnum::to_possible_value)
        .map(|v| v.get_name().to_string())
        .collect();
    let listed = format!("`--input-format {}`", names.join("|"));
    let chapter = std::fs::read_to_string(root().join("docs/src/input.md")).expect("read");
    assert!(
        chapter.contains(&listed),
        "docs/src/input.md must list {listed}"
    );
}

#[test]
fn readme_commands_and_workflow_match_the_book() {
    let readme = fenced_blocks(&root().join("README.md"));
    assert_eq!(
        readme.first().map(|(_, body)| body.as_str()),
        Some(
            "cargo run --release -- compare --baseline fixtures/tickets/baseline.jsonl --current fixtures/tickets/current.jsonl\ncargo test\n"
        ),
        "the README's first code block must be the two commands (.ci/run runs them)"
    );
    let workflow = |blocks: &[(String, String)]| {
        blocks
            .iter()
            .find(|(info, body)| info == "yaml" && body.starts_with("name: eval\n"))
            .map(|(_, body)| body.clone())
    };
    let book = fenced_blocks(&root().join("docs/src/action.md"));
    let in_book = workflow(&book).expect("the Action chapter has the `name: eval` workflow");
    assert_eq!(
        workflow(&readme).as_deref(),
        Some(in_book.as_str()),
        "the README's workflow must be the one in docs/src/action.md"
    );
}
