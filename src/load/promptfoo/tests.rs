use super::*;
use crate::load::Dataset;

fn read_as(name: &str, text: &str, fields: &FieldMap) -> Result<(Vec<Row>, ToolInfo)> {
    read(Path::new(name), text.as_bytes(), fields)
}

fn read_str(text: &str) -> Result<(Vec<Row>, ToolInfo)> {
    read_as("results.json", text, &FieldMap::default())
}

fn ids(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

/// One version 3 result: test `t` (description `desc`, or none when empty)
/// under variant `p` (provider `provider`, prompt label `label`).
fn entry(
    t: usize,
    desc: &str,
    p: usize,
    provider: &str,
    label: &str,
    out: &str,
    pass: bool,
) -> String {
    let description = if desc.is_empty() {
        String::new()
    } else {
        format!(r#""description": "{desc}", "#)
    };
    format!(
        r#"{{"testIdx": {t}, "promptIdx": {p}, "provider": {{"id": "{provider}", "label": ""}}, "prompt": {{"raw": "Say {desc}", "label": "{label}"}}, "response": {{"output": "{out}", "tokenUsage": {{"total": 7}}}}, "success": {pass}, "score": {score}, "namedScores": {{"brevity": 0.5}}, "latencyMs": 12, "cost": 0.25, "failureReason": {fr}, "vars": {{"q": "{desc}"}}, "testCase": {{{description}"vars": {{"q": "{desc}", "reference": "ref"}}, "assert": [{{"type": "equals", "value": "x"}}], "metadata": {{"team": "billing"}}}}}}"#,
        score = if pass { 1 } else { 0 },
        fr = if pass { 0 } else { 1 },
    )
}

fn v3(entries: &[String]) -> String {
    format!(
        "{{\"evalId\": \"e\", \"results\": {{\"version\": 3, \"results\": [\n{}\n]}}}}",
        entries.join(",\n")
    )
}

#[test]
fn a_v3_row_holds_promptfoos_numbers_and_the_variant_as_tags() {
    let (rows, tool) = read_str(&v3(&[
        entry(0, "a", 0, "openai:gpt-5", "Say {{q}}", "x", true),
        entry(1, "b", 0, "openai:gpt-5", "Say {{q}}", "y", false),
    ]))
    .expect("reads");
    assert_eq!(ids(&rows), ["a", "b"], "one variant: ids are the tests'");
    let r = &rows[0];
    assert_eq!(r.prediction, "x");
    assert_eq!(r.input.as_deref(), Some("Say a"));
    assert_eq!(r.references, vec![Text::from("ref")]);
    let number = |r: &Row, k: &str| r.numbers.get(k).copied();
    assert_eq!(number(r, "score"), Some(1.0));
    assert_eq!(number(r, "pass"), Some(1.0));
    assert_eq!(number(&rows[1], "pass"), Some(0.0));
    assert_eq!(number(r, "brevity"), Some(0.5));
    assert_eq!(number(r, "latency_ms"), Some(12.0));
    assert_eq!(number(r, "cost"), Some(0.25));
    assert_eq!(number(r, "tokens"), Some(7.0));
    let tag = |k: &str| r.tags.get(k).map(|t| t.to_string());
    assert_eq!(tag("team").as_deref(), Some("billing"));
    assert_eq!(tag("provider").as_deref(), Some("openai:gpt-5"));
    assert_eq!(tag("prompt").as_deref(), Some("\"Say {{q}}\""));
    assert_eq!(tag("test_hash").map(|h| h.len()), Some(16));
    assert_eq!(r.line, 2);
    assert_eq!(tool.tool, "promptfoo");
    assert_eq!(
        tool.metrics,
        ["score", "pass", "brevity", "latency_ms", "cost"]
    );
    assert!(tool.warnings.is_empty(), "{:?}", tool.warnings);
}

#[test]
fn variants_are_part_of_the_id_and_never_repeats_of_one_example() {
    let (rows, _) = read_str(&v3(&[
        entry(0, "a", 0, "openai:gpt-5", "Say {{q}}", "x", true),
        entry(0, "a", 1, "openai:gpt-5-mini", "Say {{q}}", "y", true),
        entry(
            0,
            "a",
            2,
            "openai:gpt-5",
            "prompts/short.txt: Be brief: {{q}}",
            "z",
            true,
        ),
        entry(
            0,
            "a",
            3,
            "openai:gpt-5-mini",
            "prompts/short.txt: Be brief: {{q}}",
            "w",
            true,
        ),
    ]))
    .expect("reads");
    assert_eq!(
        ids(&rows),
        [
            "a [openai:gpt-5 | \"Say {{q}}\"]",
            "a [openai:gpt-5-mini | \"Say {{q}}\"]",
            "a [openai:gpt-5 | prompts/short.txt]",
            "a [openai:gpt-5-mini | prompts/short.txt]",
        ]
    );
}

#[test]
fn several_prompts_of_one_file_are_numbered_in_the_files_order() {
    let (rows, _) = read_str(&v3(&[
        entry(
            0,
            "a",
            0,
            "p",
            "prompts/multi.txt: Summarise: {{q}}",
            "x",
            true,
        ),
        entry(
            0,
            "a",
            1,
            "p",
            "prompts/multi.txt: In one line: {{q}}",
            "y",
            true,
        ),
    ]))
    .expect("reads");
    assert_eq!(
        ids(&rows),
        ["a [prompts/multi.txt #1]", "a [prompts/multi.txt #2]"]
    );
}

#[test]
fn a_v2_file_with_two_prompts_keeps_them_apart() {
    let text = r#"{"results": {"version": 2, "results": [
{"provider": {"id": "openai:gpt-3.5-turbo"}, "prompt": {"raw": "Say hi in German", "display": "Say {{ var1 }} in German"}, "vars": {"var1": "hi", "_conversation": []}, "response": {"output": "Hallo"}, "success": true, "score": 1, "latencyMs": 9},
{"provider": {"id": "openai:gpt-3.5-turbo"}, "prompt": {"raw": "Translate hi to German", "display": "Translate {{ var1 }} to German"}, "vars": {"var1": "hi", "_conversation": []}, "response": {"output": "Hallo!"}, "success": false, "score": 0, "latencyMs": 9}
]}}"#;
    let (rows, tool) = read_str(text).expect("reads");
    assert_eq!(
        ids(&rows),
        [
            "var1=hi [\"Say {{ var1 }} in German\"]",
            "var1=hi [\"Translate {{ var1 }} to German\"]"
        ]
    );
    assert!(
        rows[0].tags.get("test_hash").is_none(),
        "v2 states no asserts"
    );
    assert_eq!(tool.metrics, ["score", "pass", "latency_ms"]);
}

#[test]
fn a_test_without_vars_or_description_is_named_by_its_index_or_by_a_var() {
    let (rows, _) = read_str(&v3(&[entry(4, "", 0, "p", "Say", "x", true)
        .replace(r#""q": "", "reference": "ref""#, "")
        .replace(r#""vars": {"q": ""}"#, r#""vars": {}"#)]))
    .expect("reads");
    assert_eq!(ids(&rows), ["test 4"]);

    let fields = FieldMap {
        id: vec!["q".into()],
        ..FieldMap::default()
    };
    let text = v3(&[entry(0, "a", 0, "p", "Say", "x", true)]);
    let (rows, _) = read_as("r.json", &text, &fields).expect("reads");
    assert_eq!(ids(&rows), ["a"]);
    let fields = FieldMap {
        id: vec!["ticket".into()],
        ..FieldMap::default()
    };
    let err = read_as("r.json", &text, &fields)
        .expect_err("no such var")
        .to_string();
    assert!(
        err.contains("--id-field ticket") && err.contains("q, reference"),
        "{err}"
    );
}

#[test]
fn one_name_for_two_different_tests_is_an_error_and_repeats_are_samples() {
    let a = entry(0, "a", 0, "p", "Say", "x", true);
    let repeat = entry(1, "a", 0, "p", "Say", "y", true);
    let (rows, _) = read_str(&v3(&[a.clone(), repeat])).expect("repeats");
    assert_eq!(ids(&rows), ["a", "a"]);
    let other =
        entry(1, "a", 0, "p", "Say", "y", true).replace(r#""value": "x""#, r#""value": "z""#);
    let err = read_str(&v3(&[a, other]))
        .expect_err("two tests")
        .to_string();
    assert!(err.contains("two tests are both named \"a\""), "{err}");
}

#[test]
fn error_results_count_as_failures_with_a_warning() {
    let err_row = r#"{"testIdx": 1, "promptIdx": 0, "provider": {"id": "p"}, "prompt": {"raw": "Say b", "label": "Say"}, "error": "RateLimitError", "success": false, "score": 0, "namedScores": {}, "latencyMs": 0, "cost": 0, "failureReason": 2, "vars": {"q": "b"}, "testCase": {"description": "b", "vars": {"q": "b"}}}"#;
    let (rows, tool) = read_str(&v3(&[
        entry(0, "a", 0, "p", "Say", "x", true),
        err_row.to_string(),
    ]))
    .expect("reads");
    assert_eq!(rows[1].prediction, "");
    assert_eq!(rows[1].numbers.get("pass"), Some(&0.0));
    assert_eq!(rows[1].numbers.get("score"), Some(&0.0));
    assert!(
        tool.warnings
            .iter()
            .any(|w| w.message.contains("1 of 2 results are errors")),
        "{:?}",
        tool.warnings
    );
}

#[test]
fn shapes_the_reader_does_not_know_are_errors_naming_the_field() {
    let err = read_str(r#"{"results": {"version": 4, "results": []}}"#)
        .expect_err("version 4")
        .to_string();
    assert!(
        err.contains("results.version") && err.contains("versions 2 and 3"),
        "{err}"
    );
    let bad = entry(0, "a", 0, "p", "Say", "x", true)
        .replace(r#""success": true"#, r#""success": "yes""#);
    let err = read_str(&v3(&[bad])).expect_err("success").to_string();
    assert!(err.contains("results.results[0].success"), "{err}");
    let err = read_str("{\"rows\": []}").expect_err("other").to_string();
    assert!(err.contains("not a promptfoo output file"), "{err}");
}

#[test]
fn the_jsonl_export_reads_like_the_output_even_two_results_on_a_line() {
    let a = entry(0, "a", 0, "p", "Say", "x", true);
    let b = entry(1, "b", 0, "p", "Say", "y", false);
    let c = entry(2, "c", 0, "p", "Say", "z", true);
    let text = format!("{a}\n{b}{c}\n");
    let (rows, tool) = read_as("results.jsonl", &text, &FieldMap::default()).expect("reads");
    assert_eq!(ids(&rows), ["a", "b", "c"]);
    assert_eq!(rows[2].line, 2);
    let (json_rows, json_tool) = read_str(&v3(&[a, b, c])).expect("reads");
    assert_eq!(tool, json_tool);
    for (x, y) in rows.iter().zip(&json_rows) {
        assert_eq!((&x.id, &x.numbers, &x.tags), (&y.id, &y.numbers, &y.tags));
    }
}

#[test]
fn the_2023_2025_csv_export_reads_verdicts_scores_and_outputs() {
    let text = "body,language,[openai:gpt-4.1-mini] Rephrase in {{language}}: {{body}},[openai:gpt-4.1-mini] Translate to {{language}}: {{body}}\n\
Hello world,French,\"[PASS] (1.00)\n\nBonjour le monde.\n\nPass Reason: No assertions\",\"[FAIL] (0.50, Tone: 0.25, a, b: 1.00)\n\nSalut\n\nFail Reason: too casual\"\n";
    assert!(is_csv_export(text.as_bytes()));
    let (rows, tool) = read_as("out.csv", text, &FieldMap::default()).expect("reads");
    assert_eq!(
        ids(&rows),
        [
            "body=Hello world, language=French [\"Rephrase in {{language}}: {{body}}\"]",
            "body=Hello world, language=French [\"Translate to {{language}}: {{body}}\"]",
        ]
    );
    assert_eq!(rows[0].prediction, "Bonjour le monde.");
    assert_eq!(rows[1].prediction, "Salut");
    assert_eq!(rows[1].numbers.get("score"), Some(&0.5));
    assert_eq!(rows[1].numbers.get("pass"), Some(&0.0));
    assert_eq!(rows[1].numbers.get("Tone"), Some(&0.25));
    assert_eq!(rows[1].numbers.get("a, b"), Some(&1.0));
    assert_eq!(
        rows[0].tags.get("provider").map(|t| t.as_str()),
        Some("openai:gpt-4.1-mini")
    );
    assert_eq!(tool.metrics, ["score", "pass", "Tone", "a, b"]);
}

#[test]
fn the_early_2023_csv_export_has_outputs_and_no_metric() {
    let text = "[openai:gpt-3.5-turbo] What year is it?,[openai:gpt-4] What year is it?\n\"It is 2021.\nI think.\",I cannot know.\n";
    let (rows, tool) = read_as("out.csv", text, &FieldMap::default()).expect("reads");
    assert_eq!(
        ids(&rows),
        ["test 0 [openai:gpt-3.5-turbo]", "test 0 [openai:gpt-4]"]
    );
    assert_eq!(rows[0].prediction, "It is 2021.\nI think.");
    assert!(tool.metrics.is_empty());
}

#[test]
fn the_0_121_csv_export_reads_its_status_columns() {
    let text = "Description,text,[small] Say {{text}},Status,Score,Named Scores,Metric: brevity,Grader Reason,Comment,[exec: big] Say {{text}},Status,Score,Named Scores,Metric: brevity,Grader Reason,Comment\n\
first,hello,world,PASS,1.00,\"{\"\"brevity\"\":1}\",1.00,All assertions passed,,'-5 degrees,FAIL,0.25,\"{\"\"brevity\"\":0.5}\",0.50,nope,\n\
,,Say,PASS,1.00,,,All assertions passed,,,ERROR,0.00,,,,\n";
    assert!(is_csv_export(text.as_bytes()));
    let (rows, tool) = read_as("out.csv", text, &FieldMap::default()).expect("reads");
    assert_eq!(
        ids(&rows),
        [
            "first [small]",
            "first [exec: big]",
            "test 1 [small]",
            "test 1 [exec: big]"
        ]
    );
    assert_eq!(
        rows[1].prediction, "-5 degrees",
        "the formula escape is removed"
    );
    assert_eq!(rows[1].numbers.get("brevity"), Some(&0.5));
    assert_eq!(rows[3].numbers.get("pass"), Some(&0.0));
    assert_eq!(tool.metrics, ["score", "pass", "brevity"]);
    assert!(tool
        .warnings
        .iter()
        .any(|w| w.message.contains("1 of 4 results are errors")));
}

#[test]
fn plain_csv_files_are_not_promptfoo_exports() {
    assert!(!is_csv_export(b"id,prediction,reference\nq1,a,a\n"));
    let err = read_as("x.csv", "id,prediction\nq1,a\n", &FieldMap::default())
        .expect_err("not promptfoo")
        .to_string();
    assert!(err.contains("not a promptfoo CSV export"), "{err}");
}

#[test]
fn long_texts_are_shortened_with_a_hash_that_keeps_them_apart() {
    let a = short(&"word ".repeat(30));
    let b = short(&format!("{}x", "word ".repeat(30)));
    assert!(a.chars().count() < 70 && a.contains('…'), "{a}");
    assert_ne!(a, b);
    assert_eq!(short("two\n  lines"), "two lines");
    assert_eq!(
        file_prefix("prompts/a.txt: Say {{x}}"),
        Some("prompts/a.txt")
    );
    assert_eq!(
        file_prefix("mine: prompts/a.md: Say"),
        Some("mine: prompts/a.md")
    );
    assert_eq!(file_prefix("Answer this: {{ question }}"), None);
    assert_eq!(file_prefix("Note: use v1.2 rules: x"), None);
}

fn dataset(text: &str) -> Dataset {
    let (rows, tool) = read_str(text).expect("reads");
    Dataset {
        path: "out.json".into(),
        rows,
        header: None,
        tool: Some(tool),
        stored: Default::default(),
    }
}

fn pair_ids(base: &str, cur: &str, specs: [Option<&str>; 2]) -> Result<(Vec<String>, Vec<String>)> {
    let specs = [
        specs[0]
            .map(|s| VariantSpec::parse("--baseline-variant", s))
            .transpose()?,
        specs[1]
            .map(|s| VariantSpec::parse("--current-variant", s))
            .transpose()?,
    ];
    let (b, c) = pair_variants(dataset(base), dataset(cur), &specs)?;
    let ids = |d: &Dataset| d.rows.iter().map(|r| r.id.to_string()).collect();
    Ok((ids(&b), ids(&c)))
}

#[test]
fn providers_pair_by_name_whatever_their_order() {
    let base = v3(&[
        entry(0, "a", 0, "gpt-5", "Say", "x", true),
        entry(0, "a", 1, "gpt-5-mini", "Say", "y", true),
    ]);
    let cur = v3(&[
        entry(0, "a", 0, "gpt-5-mini", "Say", "y", true),
        entry(0, "a", 1, "gpt-5", "Say", "x", true),
    ]);
    let (b, c) = pair_ids(&base, &cur, [None, None]).expect("pairs");
    assert_eq!(b, ["a [gpt-5]", "a [gpt-5-mini]"]);
    assert_eq!(c, ["a [gpt-5-mini]", "a [gpt-5]"]);
}

#[test]
fn one_prompt_or_provider_per_side_matches_whatever_its_name() {
    let base = v3(&[entry(0, "a", 0, "gpt-4o", "Say {{q}}", "x", true)]);
    let cur = v3(&[entry(0, "a", 0, "gpt-5", "Kindly say {{q}}", "x", true)]);
    let (b, c) = pair_ids(&base, &cur, [None, None]).expect("pairs");
    assert_eq!((b, c), (vec!["a".to_string()], vec!["a".to_string()]));
}

#[test]
fn edited_unlabelled_prompts_ask_for_labels_or_a_variant() {
    let base = v3(&[
        entry(0, "a", 0, "p", "Say {{q}}", "x", true),
        entry(0, "a", 1, "p", "Shout {{q}}", "y", true),
    ]);
    let cur = v3(&[
        entry(0, "a", 0, "p", "Say {{q}}!", "x", true),
        entry(0, "a", 1, "p", "Shout {{q}}", "y", true),
    ]);
    let err = pair_ids(&base, &cur, [None, None])
        .expect_err("no label")
        .to_string();
    assert!(
        err.contains("give each prompt a `label:`") && err.contains("\"Say {{q}}\""),
        "{err}"
    );
    let (b, c) = pair_ids(
        &base,
        &cur,
        [Some("prompt=Say {{q}}"), Some("prompt=\"Say {{q}}!\"")],
    )
    .expect("picked");
    assert_eq!((b, c), (vec!["a".to_string()], vec!["a".to_string()]));
}

#[test]
fn two_variants_of_one_file_compare_as_baseline_and_current() {
    let file = v3(&[
        entry(0, "a", 0, "openai:gpt-5-mini", "Say", "x", true),
        entry(0, "a", 1, "openai:gpt-5", "Say", "y", false),
        entry(1, "b", 0, "openai:gpt-5-mini", "Say", "x", true),
        entry(1, "b", 1, "openai:gpt-5", "Say", "y", false),
    ]);
    let (b, c) = pair_ids(
        &file,
        &file,
        [Some("provider=gpt-5-mini"), Some("provider=openai:gpt-5")],
    )
    .expect("picked");
    assert_eq!(b, ["a", "b"]);
    assert_eq!(c, ["a", "b"]);
    let err = pair_ids(&file, &file, [Some("provider=claude"), None])
        .expect_err("unknown")
        .to_string();
    assert!(
        err.contains("--baseline-variant provider=claude")
            && err.contains(
                "provider=openai:gpt-5,prompt=Say; provider=openai:gpt-5-mini,prompt=Say"
            ),
        "{err}"
    );
}

#[test]
fn variant_specs_parse_and_reject_what_they_cannot_read() {
    let spec = VariantSpec::parse("--x", "provider=a:b,prompt=p, with comma").expect("parses");
    assert_eq!(spec.provider.as_deref(), Some("a:b"));
    assert_eq!(spec.prompt.as_deref(), Some("p, with comma"));
    let spec = VariantSpec::parse("--x", "prompt=q,provider=z").expect("parses");
    assert_eq!(
        (spec.provider.as_deref(), spec.prompt.as_deref()),
        (Some("z"), Some("q"))
    );
    assert!(VariantSpec::parse("--x", "gpt-5").is_err());
    assert!(VariantSpec::parse("--x", "provider=").is_err());
}

#[test]
fn the_2023_csv_layouts_are_recognised_and_named() {
    let early = "RESULT,Summarize: {{text}},Shorten: {{text}},text\nPASS,a summary,short,some text\nFAIL,other,x,more text\n";
    let mid = "\"[{\"\"role\"\": \"\"user\"\", \"\"content\"\": \"\"{{q}}\"\"}]\",q\n\"[PASS] {\"\"name\"\": \"\"lookup\"\"}\",where is it\n";
    for (text, which) in [(early, "early-2023"), (mid, "mid-2023")] {
        // Detected as promptfoo's, so the error names the layout, not a missing id.
        assert!(is_csv_export(text.as_bytes()), "{which}");
        let err = read_as("results.csv", text, &FieldMap::default())
            .expect_err("an old layout")
            .to_string();
        assert!(err.contains(which), "{err}");
        assert!(err.contains("promptfoo export"), "{err}");
        assert!(err.contains("results.csv:1"), "{err}");
    }
}

#[test]
fn non_finite_scores_are_missing_counted_and_listed_in_json_jsonl_and_csv() {
    // promptfoo's JSON writes a NaN score as null; a Python rewrite writes
    // NaN bare; the CSV prints NaN and Infinity. A description that says
    // NaN stays text.
    let results = [
        entry(0, "a NaN", 0, "p", "l", "x", true),
        entry(1, "b", 0, "p", "l", "x", true).replace(r#""score": 1"#, r#""score": null"#),
        entry(2, "c", 0, "p", "l", "x", true).replace(r#""score": 1"#, r#""score": NaN"#),
        entry(3, "d", 0, "p", "l", "x", true)
            .replace(r#""brevity": 0.5"#, r#""brevity": -Infinity"#),
        entry(4, "e", 0, "p", "l", "x", true),
    ];
    let check = |rows: &[Row], tool: &ToolInfo, file: &str| {
        assert_eq!(ids(rows), ["a NaN", "b", "c", "d", "e"], "{file}");
        assert_eq!(rows[0].numbers.get("score"), Some(&1.0));
        assert_eq!(rows[1].numbers.get("score"), None);
        assert_eq!(rows[2].numbers.get("score"), None);
        assert_eq!(rows[2].numbers.get("brevity"), Some(&0.5));
        assert_eq!(rows[3].numbers.get("brevity"), None);
        assert_eq!(rows[3].numbers.get("score"), Some(&1.0));
        assert_eq!(
            crate::diagnostic::texts(&tool.warnings),
            [
                format!("{file}: 1 examples had a non-finite brevity (d -Infinity); they are left out of brevity (missing for those examples, never a number)"),
                format!("{file}: 2 examples had a non-finite score (b null, c NaN); they are left out of score (missing for those examples, never a number)"),
            ],
            "{file}"
        );
    };
    let (rows, tool) = read_as("results.json", &v3(&results), &FieldMap::default()).expect("reads");
    check(&rows, &tool, "results.json");
    let (rows, tool) =
        read_as("results.jsonl", &results.join("\n"), &FieldMap::default()).expect("reads");
    check(&rows, &tool, "results.jsonl");

    // The CSV exports: a score cell, a named score of a verdict cell, and
    // 0.121's Score and Named Scores (JSON: null) columns.
    let text = "q,[p] Say {{q}}\n\
a,\"[PASS] (NaN, Tone: 1.00)\n\nok\"\n\
b,\"[FAIL] (0.50, Tone: Infinity)\n\nno\"\n\
c,\"[PASS] (1.00, Tone: 0.50)\n\nok\"\n";
    let (rows, tool) = read_as("out.csv", text, &FieldMap::default()).expect("reads");
    assert_eq!(rows[0].numbers.get("score"), None);
    assert_eq!(rows[0].numbers.get("Tone"), Some(&1.0));
    assert_eq!(rows[1].numbers.get("Tone"), None);
    assert_eq!(rows[2].numbers.get("Tone"), Some(&0.5));
    assert_eq!(
        crate::diagnostic::texts(&tool.warnings),
        [
            "out.csv: 1 examples had a non-finite Tone (q=b Infinity); they are left out of Tone (missing for those examples, never a number)",
            "out.csv: 1 examples had a non-finite score (q=a NaN); they are left out of score (missing for those examples, never a number)",
        ]
    );
    let text = "text,[small] Say {{text}},Status,Score,Named Scores,Grader Reason,Comment\n\
hello,world,PASS,-Infinity,\"{\"\"brevity\"\":null}\",ok,\n\
bye,moon,PASS,1.00,\"{\"\"brevity\"\":1}\",ok,\n";
    let (rows, tool) = read_as("new.csv", text, &FieldMap::default()).expect("reads");
    assert_eq!(rows[0].numbers.get("score"), None);
    assert_eq!(rows[0].numbers.get("brevity"), None);
    assert_eq!(rows[1].numbers.get("brevity"), Some(&1.0));
    assert_eq!(
        crate::diagnostic::texts(&tool.warnings),
        [
            "new.csv: 1 examples had a non-finite brevity (text=hello null); they are left out of brevity (missing for those examples, never a number)",
            "new.csv: 1 examples had a non-finite score (text=hello -Infinity); they are left out of score (missing for those examples, never a number)",
        ]
    );
}
