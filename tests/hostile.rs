//! Model output is hostile: a PR comment built from predictions full of HTML,
//! mentions, fences and invisible characters must stay exactly the document
//! benchgate meant. Checked by parsing the markdown with a CommonMark parser and
//! asserting on the parsed structure, not on substrings.

use benchgate::config::{Config, OutputFormat};
use benchgate::render::{renderer, RenderOptions, MAX_COMMENT_CHARS};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

const HOSTILE: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    "</details></details><details open>",
    "<!-- hide the rest",
    "@octocat and @acme/security-team please look",
    "```\nbreak out of the fence\n```",
    "~~~\ntilde fence\n~~~",
    "````four backticks````",
    "right-to-left \u{202E}gnp.exe\u{202C} and zero\u{200B}width",
    "| a | table | row |\n|---|---|---|",
    "# heading\n- list item\n1. numbered\n> quote",
    "[click](javascript:alert(1)) ![img](http://x/y.png)",
    "**bold** _em_ ~~strike~~ $math$ \\ backslash",
    "<details><summary>fake</summary>",
];

fn write_inputs(dir: &std::path::Path) -> Config {
    let mut base = String::new();
    let mut cur = String::new();
    for i in 0..40 {
        let evil = HOSTILE[i % HOSTILE.len()];
        let row = |prediction: &str| {
            serde_json::json!({
                "id": format!("ex-{i} {evil}"),
                "input": format!("input {evil}"),
                "reference": "the correct answer",
                "prediction": prediction,
                "category": evil,
            })
            .to_string()
        };
        base.push_str(&row("the correct answer"));
        base.push('\n');
        cur.push_str(&row(&format!("wrong {evil}")));
        cur.push('\n');
    }
    std::fs::write(dir.join("b.jsonl"), base).expect("write");
    std::fs::write(dir.join("c.jsonl"), cur).expect("write");
    let mut config = Config::builder(dir.join("b.jsonl"), vec![dir.join("c.jsonl")]);
    config.gate.metrics = vec!["f1".into(), "exact_match".into()];
    config.outputs.top_k = 40;
    config.stats.resamples = 500;
    config.outputs.suite = "hostile".into();
    config.build().expect("valid settings")
}

#[test]
fn hostile_predictions_cannot_change_the_comment_structure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_inputs(dir.path());
    let report = benchgate::compare(&config).expect("compare");
    let md = renderer(OutputFormat::Markdown, RenderOptions::default()).render(&report);
    assert!(md.chars().count() <= MAX_COMMENT_CHARS);

    let mut html = Vec::new();
    let mut code_blocks = 0;
    let mut tables = 0;
    let mut headings = 0;
    let mut links = 0;
    let mut in_code = false;
    let mut prose = String::new();
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.trim().to_string()),
            Event::Start(Tag::CodeBlock(_)) => {
                code_blocks += 1;
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::Heading { .. }) => headings += 1,
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links += 1,
            Event::Text(t) if !in_code => prose.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !in_code => prose.push('\n'),
            _ => {}
        }
    }
    // benchgate's own zero-width space after "@" is what breaks a mention; any
    // other hidden character must have been made visible.
    let stripped = prose.replace("@\u{200B}", "@\u{1}");
    assert!(
        !stripped.contains('\u{202E}') && !stripped.contains('\u{200B}'),
        "hidden character shown raw"
    );
    for (i, _) in stripped.match_indices('@') {
        let next = stripped[i + 1..].chars().next().unwrap_or(' ');
        assert!(
            !next.is_alphanumeric(),
            "live mention near {:?}",
            &stripped[i..(i + 20).min(stripped.len())]
        );
    }
    // Only the HTML benchgate writes itself: the marker, details/summary, sub/code.
    let allowed = |h: &str| {
        h.starts_with("<!-- benchgate:suite=hostile -->")
            || h == "<details><summary>"
            || h == "</summary>"
            || h == "</details>"
            || h.starts_with("<details><summary>")
            || h == "<sub>"
            || h == "</sub>"
            || h == "<code>"
            || h == "</code>"
    };
    for h in &html {
        assert!(allowed(h), "unexpected HTML from the data: {h:?}\n\n{md}");
    }
    let opened = html.iter().filter(|h| h.starts_with("<details>")).count();
    let closed = html.iter().filter(|h| h.as_str() == "</details>").count();
    assert_eq!(opened, closed, "unbalanced details");
    assert_eq!(headings, 1, "only benchgate's own heading");
    assert_eq!(links, 0, "no links or images from the data");
    assert!(tables >= 1);
    // One diff block per shown example, and nothing broke out of them.
    assert_eq!(code_blocks, report.regressed_examples.len(), "{md}");
}
