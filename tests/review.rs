//! Review sheets: a blind sheet and its key round-trip (CSV and markdown), a
//! filled sheet with a known answer, and bad sheets named row by row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use benchgate::error::Error;
use benchgate::load::{self, FieldMap};
use benchgate::review::sample::{sample, SampleConfig, DEFAULT_SHARES};
use benchgate::review::score::{score, verdict, ScoreSettings};
use benchgate::review::sheet::{self, COLUMNS};
use benchgate::review::{Key, Side, Stratum};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn tickets(n: usize, seed: u64) -> SampleConfig {
    SampleConfig {
        baseline: fixture("fixtures/tickets/baseline.jsonl"),
        current: vec![fixture("fixtures/tickets/current.jsonl")],
        fields: FieldMap::default(),
        metrics: Vec::new(),
        options: benchgate::metrics::MetricOptions::default(),
        n,
        shares: DEFAULT_SHARES,
        seed,
    }
}

fn predictions(path: &str) -> HashMap<String, String> {
    load::load(&fixture(path), &FieldMap::default())
        .expect("fixture loads")
        .rows
        .into_iter()
        .map(|r| (r.id.into(), r.prediction.into()))
        .collect()
}

fn settings() -> ScoreSettings {
    ScoreSettings::default()
}

#[test]
fn sheet_is_blind_and_the_key_says_which_is_which() {
    let s = sample(&tickets(30, 7)).expect("sample");
    assert_eq!(s.rows.len(), 30);
    assert_eq!(s.key.rows.len(), 30);
    let base = predictions("fixtures/tickets/baseline.jsonl");
    let cur = predictions("fixtures/tickets/current.jsonl");
    let mut sides = [0, 0];
    for (row, key) in s.rows.iter().zip(&s.key.rows) {
        assert_eq!((row.row, &row.id), (key.row, &key.id));
        let (a, b) = match key.a {
            Side::Baseline => (&base[&row.id], &cur[&row.id]),
            Side::Current => (&cur[&row.id], &base[&row.id]),
        };
        assert_eq!((&row.output_a, &row.output_b), (a, b), "row {}", row.row);
        sides[usize::from(key.a == Side::Current)] += 1;
        assert_ne!(key.stratum, Stratum::Identical);
    }
    assert!(
        sides[0] > 5 && sides[1] > 5,
        "A/B order is not random: {sides:?}"
    );
    // 40 / 40 / 20 % of 30 rows.
    let sampled: Vec<usize> = s.key.strata.iter().map(|c| c.sampled).collect();
    assert_eq!(sampled, vec![12, 12, 6, 0]);
    // Strata are shuffled together, not in blocks.
    let first: Vec<Stratum> = s.key.rows.iter().take(12).map(|r| r.stratum).collect();
    assert!(first.iter().any(|&x| x != first[0]));

    let csv = sheet::to_csv(&s.rows).expect("csv");
    let header = csv.lines().next().expect("header");
    assert_eq!(header, COLUMNS.join(","));
    assert!(!header.contains("baseline") && !header.contains("current"));

    // Same seed, same sheet; another seed, another sheet.
    let again = sample(&tickets(30, 7)).expect("sample");
    assert_eq!(again.rows, s.rows);
    assert_eq!(again.key, s.key);
    let other = sample(&tickets(30, 8)).expect("sample");
    assert_ne!(other.rows, s.rows);
}

/// Fills every row with the preference for the current output and reads it back.
fn round_trip(markdown: bool) {
    let s = sample(&tickets(20, 3)).expect("sample");
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("review.key.json");
    std::fs::write(
        &key_path,
        serde_json::to_string_pretty(&s.key).expect("key json"),
    )
    .expect("write key");
    let pick = |side: Side| if side == Side::Current { "A" } else { "B" };
    let sheet_path = if markdown {
        let mut text = sheet::to_markdown(&s.rows);
        for k in &s.key.rows {
            // Answers follow the row's heading; fill the first empty one.
            let at = text.find(&format!("## Row {} ·", k.row)).expect("heading");
            let label = "- Preference (A / B / tie): \n";
            let pos = at + text[at..].find(label).expect("answer line");
            text.replace_range(
                pos..pos + label.len(),
                &format!("- Preference (A / B / tie): {}\n", pick(k.a)),
            );
        }
        let p = dir.path().join("review.md");
        std::fs::write(&p, text).expect("write");
        p
    } else {
        let csv = sheet::to_csv(&s.rows).expect("csv");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(reader.headers().expect("header"))
            .expect("write");
        for (record, k) in reader.records().zip(&s.key.rows) {
            let mut cells: Vec<String> =
                record.expect("record").iter().map(str::to_string).collect();
            cells[6] = format!(" {} ", pick(k.a).to_lowercase());
            writer.write_record(&cells).expect("write");
        }
        let p = dir.path().join("review.csv");
        std::fs::write(&p, writer.into_inner().expect("flush")).expect("write");
        p
    };
    let key = Key::read(&key_path).expect("key reads back");
    assert_eq!(key, s.key);
    let report = score(&sheet_path, &key_path, settings()).expect("score");
    assert_eq!(
        (report.reviewed, report.wins, report.losses, report.ties),
        (20, 20, 0, 0)
    );
    assert_eq!(report.win_rate, 1.0);
    // 20 unanimous rows do not make the rate known exactly: the interval
    // reaches below 1 (Wilson with continuity correction at n_eff), and the
    // stratified sheet has no sign test.
    assert_eq!(report.ci_high, 1.0);
    assert!(
        report.ci_low > 0.6 && report.ci_low < 0.95,
        "{}",
        report.ci_low
    );
    assert!(report.p_value < 0.01, "{}", report.p_value);
    assert_eq!(report.sign_test_p, None);
}

#[test]
fn csv_sheet_round_trips_through_the_key() {
    round_trip(false);
}

#[test]
fn markdown_sheet_round_trips_through_the_key() {
    round_trip(true);
}

#[test]
fn filled_sheet_gives_the_known_answer() {
    // fixtures/review/known.csv: re-sorted rows, a blank row, mixed case and
    // spaces, one row without a preference. By hand: regressed 1 win of 4
    // (0.25), improved 3 wins and a tie of 4 (0.875), unchanged a tie and a win
    // (0.75), identical ½; weighted by 40/40/10/10 of 100 examples:
    // 0.1 + 0.35 + 0.075 + 0.05 = 0.575. Sample: 6 of 10. The sheet is
    // stratified: no sign test. Kish's n_eff of the sampled strata (weights
    // 40/90, 40/90, 10/90 over 4, 4, 2 rows) is 1/0.104938 = 9.5294; their
    // rate 0.58333; Newcombe's corrected Wilson interval at n_eff mapped back
    // (0.05 + 0.9·q) is [0.278923, 0.821883] and the corrected score test of
    // ½ gives p = 0.848875 (by hand, in Python, from the formulas). f1 agrees
    // on rows 1, 2, 5, 6, 9: 0.5; kappa from sklearn.metrics.cohen_kappa_score
    // on the same labels.
    let r = score(
        &fixture("fixtures/review/known.csv"),
        &fixture("fixtures/review/known.key.json"),
        settings(),
    )
    .expect("score");
    assert_eq!(
        (r.rows, r.reviewed, r.wins, r.losses, r.ties),
        (11, 10, 5, 3, 2)
    );
    assert!((r.win_rate - 0.575).abs() < 1e-12, "{}", r.win_rate);
    assert!((r.sample_win_rate - 0.6).abs() < 1e-12);
    assert_eq!(r.sign_test_p, None);
    assert!(
        (r.effective_n - 9.529_411_764_705_882).abs() < 1e-9,
        "{}",
        r.effective_n
    );
    assert!((r.ci_low - 0.278_923_02).abs() < 1e-6, "{}", r.ci_low);
    assert!((r.ci_high - 0.821_883_39).abs() < 1e-6, "{}", r.ci_high);
    assert!((r.p_value - 0.848_875_05).abs() < 1e-4, "{}", r.p_value);
    let rates: Vec<Option<f64>> = r.strata.iter().map(|s| s.win_rate).collect();
    assert_eq!(rates, vec![Some(0.25), Some(0.875), Some(0.75), Some(0.5)]);
    assert_eq!(r.metrics.len(), 1);
    assert!((r.metrics[0].agreement - 0.5).abs() < 1e-12);
    assert!((r.metrics[0].kappa - 0.264_705_882_352_941_24).abs() < 1e-12);
    assert_eq!(r.mean_scores, Some([4.5, 2.5]));
    assert!(r.warnings.iter().any(|w| w.contains("1 of 11 rows")));
}

#[test]
fn bad_rows_are_named_one_by_one() {
    let err = score(
        &fixture("fixtures/review/bad.csv"),
        &fixture("fixtures/review/known.key.json"),
        settings(),
    )
    .expect_err("bad sheet");
    let Error::Rows(problems) = &err else {
        panic!("expected one error per row, got {err}");
    };
    let lines: Vec<Option<usize>> = problems
        .iter()
        .map(|e| match e {
            Error::Input { location, .. } => location.line,
            _ => None,
        })
        .collect();
    assert_eq!(
        lines,
        vec![Some(3), Some(4), Some(5), Some(6), Some(7), Some(8)]
    );
    let text = err.to_string();
    for needle in [
        "\"C\" is not A, B or tie",
        "\"7\" is not a whole number from 1 to 5",
        "row 99 is not in the key",
        "id \"i9\" is not the key's \"i1\"",
        "row 1 appears twice",
        "\"x\" is not a row number",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn an_unreviewed_sheet_says_what_to_fill_in() {
    let key = Key::read(&fixture("fixtures/review/known.key.json")).expect("key");
    let err = verdict(&key, &[], Vec::new(), Path::new("s.csv"), settings()).expect_err("empty");
    assert!(err.to_string().contains("fill the preference column"));
}

#[test]
fn formulas_in_untrusted_text_are_defused_and_still_match_the_key() {
    use benchgate::review::sample::SheetRow;
    use benchgate::review::{KeyRow, StratumCount};
    let rows = vec![SheetRow {
        row: 1,
        id: "=1+1".into(),
        input: "@SUM(A1:A9)".into(),
        references: vec!["-2".into()],
        output_a: "=HYPERLINK(\"http://127.0.0.1/\")".into(),
        output_b: "+cmd".into(),
    }];
    let csv = sheet::to_csv(&rows).expect("csv");
    let line = csv.lines().nth(1).expect("row");
    assert!(
        line.starts_with("1,'=1+1,'@SUM(A1:A9),'-2,\"'=HYPERLINK("),
        "{line}"
    );
    let filled = csv.replacen(",'+cmd,,,,", ",'+cmd,A,,,", 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.csv");
    std::fs::write(&path, filled).expect("write");
    let answers = sheet::read(&path).expect("reads");
    let key = Key {
        benchgate_review_key: 1,
        seed: 1,
        baseline: "b".into(),
        current: vec!["c".into()],
        metrics: Vec::new(),
        strata: vec![StratumCount {
            stratum: Stratum::Regressed,
            population: 1,
            sampled: 1,
        }],
        rows: vec![KeyRow {
            row: 1,
            id: "=1+1".into(),
            stratum: Stratum::Regressed,
            a: Side::Current,
            scores: Vec::new(),
        }],
    };
    let r = verdict(&key, &answers, Vec::new(), &path, settings()).expect("matches the key");
    assert_eq!((r.wins, r.win_rate), (1, 1.0));
}
