//! The HTML report as a document: its Content-Security-Policy allows exactly
//! the page's own script and style (by hash) and no request of any kind, it
//! names no external address, and hostile model output stays inside its JSON
//! string. The behaviour in a browser is scripts/html/test.mjs's job (headless
//! Chromium, run by .ci/run).

use std::path::PathBuf;

use base64::Engine as _;
use benchgate::config::Config;
use benchgate::render::html::{content_security_policy, html};
use sha2::{Digest, Sha256};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn tickets() -> String {
    let mut config = Config::builder(
        fixture("fixtures/tickets/baseline.jsonl"),
        vec![fixture("fixtures/tickets/current.jsonl")],
    );
    config.stats.slice_by = vec!["category".into()];
    config.stats.resamples = 1000;
    let config = config.build().expect("valid settings");
    let (report, table) =
        benchgate::compare_with_examples(&config, &()).expect("the tickets compare");
    html(&report, &table)
}

/// The text of every `<tag …>…</tag>` element of `doc`.
fn elements<'a>(doc: &'a str, tag: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut rest = doc;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let Some(gt) = after.find('>') else { break };
        let Some(end) = after.find(&close) else { break };
        out.push(&after[gt + 1..end]);
        rest = &after[end + close.len()..];
    }
    out
}

fn hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

#[test]
fn the_policy_forbids_every_request_and_allows_only_the_page_own_script_and_style() {
    let doc = tickets();
    let csp = content_security_policy();
    assert!(
        doc.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
        )),
        "the policy is the page's first meta after the charset"
    );
    for directive in [
        "default-src 'none'",
        "connect-src 'none'",
        "img-src 'none'",
        "font-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    let scripts = elements(&doc, "script");
    assert_eq!(scripts.len(), 2, "the data and the report's script");
    assert!(
        csp.contains(&hash(scripts[1])),
        "the script's hash is allowed"
    );
    let styles = elements(&doc, "style");
    assert_eq!(styles.len(), 1);
    assert!(
        csp.contains(&hash(styles[0])),
        "the style's hash is allowed"
    );
}

#[test]
fn the_page_names_no_external_address() {
    let doc = tickets();
    let mut rest = doc.as_str();
    while let Some(i) = rest.find("://") {
        let start = rest[..i]
            .rfind(|c: char| !c.is_ascii_alphanumeric())
            .map_or(0, |s| s + 1);
        let url: String = rest[start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | ')' | '<'))
            .collect();
        // The SVG namespace is a name, never fetched.
        assert_eq!(
            url, "http://www.w3.org/2000/svg",
            "external address in the page"
        );
        rest = &rest[i + 3..];
    }
    for attr in ["src=", "href=\"http", "href=\"//", "url(", "@import"] {
        assert!(!doc.contains(attr), "{attr} in the page");
    }
}

const HOSTILE: &[&str] = &[
    "</script><script>window.__pwned=1</script>",
    "<!--<script>window.__pwned=1</script>",
    "<img src=x onerror=\"window.__pwned=1\">",
    "\"]}</SCRIPT><svg onload=alert(1)>",
    "line\u{2028}separator\u{2029}end & &amp; <b>bold</b>",
    "right-to-left \u{202E}gnp.exe",
];

#[test]
fn hostile_output_stays_inside_its_json_string() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut base = String::new();
    let mut cur = String::new();
    for i in 0..24 {
        let evil = HOSTILE[i % HOSTILE.len()];
        let row = |prediction: &str| {
            serde_json::json!({
                "id": format!("ex-{i} {evil}"),
                "input": format!("input {evil}"),
                "reference": "the answer",
                "prediction": prediction,
                "category": evil,
            })
            .to_string()
                + "\n"
        };
        base.push_str(&row("the answer"));
        cur.push_str(&row(&format!("wrong {evil}")));
    }
    std::fs::write(dir.path().join("b.jsonl"), base).expect("write");
    std::fs::write(dir.path().join("c.jsonl"), cur).expect("write");
    let mut config = Config::builder(dir.path().join("b.jsonl"), vec![dir.path().join("c.jsonl")]);
    config.gate.metrics = vec!["exact_match".into()];
    config.stats.slice_by = vec!["category".into()];
    config.stats.min_examples = 2;
    config.stats.resamples = 200;
    let config = config.build().expect("valid settings");
    let (report, table) = benchgate::compare_with_examples(&config, &()).expect("compare");
    assert_eq!(table.rows.len(), 24);
    let doc = html(&report, &table);

    let lower = doc.to_ascii_lowercase();
    assert_eq!(
        lower.matches("<script").count(),
        2,
        "no script element of the data's"
    );
    assert_eq!(lower.matches("</script").count(), 2);
    assert!(!doc.contains("<!--"), "no comment opened");
    assert!(!lower.contains("<img") && !lower.contains("<svg onload"));
    assert!(!doc.contains("<b>"));
    assert!(
        !doc.contains('\u{202E}'),
        "direction overrides are shown, not applied"
    );

    // The data element parses back to the very text (hidden characters shown).
    let data = elements(&doc, "script")[0];
    // JavaScript line terminators are escaped in the data (harmless in HTML text).
    assert!(!data.contains('\u{2028}') && !data.contains('\u{2029}'));
    let value: serde_json::Value = serde_json::from_str(data).expect("the data is JSON");
    let rows = value["rows"].as_array().expect("rows");
    let ids: Vec<&str> = rows.iter().filter_map(|r| r[0].as_str()).collect();
    assert!(ids.contains(&"ex-0 </script><script>window.__pwned=1</script>"));
    assert!(ids.contains(&"ex-4 line\u{2028}separator\u{2029}end & &amp; <b>bold</b>"));
    assert!(ids.contains(&"ex-5 right-to-left ⟨U+202E⟩gnp.exe"));
    // Static parts (slice grid, headline) carry it escaped.
    assert!(doc.contains("category=&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;"));
}

/// The examples table opens sorted by the metric that failed the gate, also
/// when it failed only in a slice (the overall row not significant): the
/// page data marks that metric.
#[test]
fn a_metric_failing_only_in_a_slice_is_the_examples_default_sort() {
    let mut config = Config::builder(
        fixture("fixtures/tickets/baseline.jsonl"),
        vec![fixture("fixtures/tickets/current.jsonl")],
    );
    config.stats.slice_by = vec!["category".into()];
    config.stats.resamples = 1000;
    let config = config.build().expect("valid settings");
    let (mut report, table) =
        benchgate::compare_with_examples(&config, &()).expect("the tickets compare");
    assert!(report
        .slices
        .iter()
        .any(|s| s.metric == "f1" && s.verdict == benchgate::report::Verdict::Regressed));
    for m in &mut report.metrics {
        m.verdict = benchgate::report::Verdict::NotSignificant;
    }
    let doc = html(&report, &table);
    let flag = |name: &str| {
        let at = doc
            .find(&format!("\"name\":\"{name}\""))
            .unwrap_or_else(|| panic!("{name} in the page data"));
        let end = at + doc[at..].find('}').expect("end of the metric");
        doc[at..end].contains("\"fails\":true")
    };
    assert!(flag("f1"), "f1 regressed in category=billing");
    assert!(!flag("exact_match"), "exact_match failed nowhere");
}
