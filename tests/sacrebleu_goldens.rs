//! BLEU, chrF and chrF++ against goldens produced by sacrebleu 2.6.0
//! (`scripts/goldens/make_sacrebleu_goldens.py`). No Python needed here.
//!
//! Per pair: the sufficient statistics must be equal exactly, sentence scores
//! within 1e-6. Per subset: corpus scores, computed from the sums of our own
//! statistics, within 1e-6 of sacrebleu's `corpus_score`.

use crate::common;

use benchgate::load::Row;
use benchgate::metrics::sacre::{Bleu, Chrf, SacreOptions, Tokenizer};
use benchgate::metrics::Metric;
use serde_json::Value;

const TOLERANCE: f64 = 1e-6;

fn row(v: &Value) -> Row {
    Row::new(
        "x",
        v["p"].as_str().expect("prediction"),
        common::strings(&v["r"]),
    )
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// A metric under test: its golden names and where its values sit in a segment.
struct Case {
    /// Name in `sacrebleu_corpus.jsonl`.
    corpus_name: String,
    metric: Box<dyn Metric>,
    /// Path of the statistics in a segment, if the goldens have them.
    stats: Option<Vec<&'static str>>,
    /// Path of the sentence score in a segment.
    sentence: Vec<&'static str>,
}

fn get<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| &v[*k])
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let variants: [(&'static str, &str, bool); 6] = [
        ("13a", "13a", false),
        ("intl", "intl", false),
        ("zh", "zh", false),
        ("char", "char", false),
        ("none", "none", false),
        ("13a_lc", "13a", true),
    ];
    for (key, tokenizer, lowercase) in variants {
        let options = SacreOptions {
            tokenize: Some(tokenizer.into()),
            lowercase,
            ..SacreOptions::default()
        };
        cases.push(Case {
            corpus_name: format!("bleu_{key}"),
            metric: Box::new(Bleu::new(&options).expect("known tokenizer")),
            stats: Some(vec!["b", key]),
            sentence: vec!["sb", key],
        });
    }
    let chrf = |word_order, options: SacreOptions| Box::new(Chrf::new(word_order, &options));
    cases.push(Case {
        corpus_name: "chrf".into(),
        metric: chrf(0, SacreOptions::default()),
        stats: Some(vec!["c"]),
        sentence: vec!["sc"],
    });
    cases.push(Case {
        corpus_name: "chrf++".into(),
        metric: chrf(2, SacreOptions::default()),
        stats: Some(vec!["cpp"]),
        sentence: vec!["scpp"],
    });
    cases.push(Case {
        corpus_name: "chrf_lc".into(),
        metric: chrf(
            0,
            SacreOptions {
                chrf_lowercase: true,
                ..SacreOptions::default()
            },
        ),
        stats: None,
        sentence: vec!["sc_lc"],
    });
    cases.push(Case {
        corpus_name: "chrf_ws".into(),
        metric: chrf(
            0,
            SacreOptions {
                chrf_whitespace: true,
                ..SacreOptions::default()
            },
        ),
        stats: None,
        sentence: vec!["sc_ws"],
    });
    cases
}

#[test]
fn default_tokenizer_is_13a() {
    let default = Bleu::new(&SacreOptions::default()).expect("default");
    let explicit = Bleu::with_tokenizer(Tokenizer::V13a, false);
    let r = Row::new(
        "x",
        "Hello, world! 1,000.50",
        vec!["Hello world 1,000.50 !".into()],
    );
    let (mut a, mut b) = ([0.0; 10], [0.0; 10]);
    default.stats(&r, &mut a).expect("scorable");
    explicit.stats(&r, &mut b).expect("scorable");
    assert_eq!(a, b);
}

#[test]
fn bleu_and_chrf_equal_sacrebleu() {
    let segments = common::golden_cases("sacrebleu_segments.jsonl");
    let corpus = common::golden_cases("sacrebleu_corpus.jsonl");
    assert!(segments.len() >= 1000, "{} segments", segments.len());
    let rows: Vec<Row> = segments.iter().map(row).collect();
    let mut failures = Vec::new();
    let mut checked_corpus = 0;
    for case in cases() {
        let k = case.metric.arity();
        let mut all_stats = vec![0.0; rows.len() * k];
        let mut max_sentence_diff = 0.0f64;
        for (i, (seg, r)) in segments.iter().zip(&rows).enumerate() {
            let stats = &mut all_stats[i * k..(i + 1) * k];
            case.metric.stats(r, stats).expect("scorable");
            if let Some(path) = &case.stats {
                let want = numbers(get(seg, path));
                if want != stats {
                    failures.push(format!(
                        "{} pair {i} {:?} {:?}: stats {stats:?}, sacrebleu {want:?}",
                        case.corpus_name, r.prediction, r.references
                    ));
                }
            }
            let want = get(seg, &case.sentence).as_f64().expect("score");
            let got = case.metric.example_score(stats);
            let diff = (got - want).abs();
            max_sentence_diff = max_sentence_diff.max(diff);
            if diff.is_nan() || diff > TOLERANCE {
                failures.push(format!(
                    "{} pair {i} {:?} {:?}: sentence score {got}, sacrebleu {want}",
                    case.corpus_name, r.prediction, r.references
                ));
            }
        }
        let mut max_corpus_diff = 0.0f64;
        for c in corpus
            .iter()
            .filter(|c| c["metric"].as_str() == Some(&case.corpus_name))
        {
            let subset = c["subset"].as_str().expect("subset");
            let members: Vec<usize> = (0..rows.len())
                .filter(|&i| {
                    let refs = rows[i].references.len();
                    match subset {
                        "first_100" => i < 100,
                        "all" => true,
                        "multi_ref" => refs >= 2,
                        "single_ref" => refs == 1,
                        other => panic!("unknown subset {other}"),
                    }
                })
                .collect();
            let mut sums = vec![0.0; k];
            for &i in &members {
                for (s, x) in sums.iter_mut().zip(&all_stats[i * k..(i + 1) * k]) {
                    *s += x;
                }
            }
            let got = case.metric.corpus(&sums, members.len() as f64);
            let want = c["score"].as_f64().expect("score");
            let diff = (got - want).abs();
            max_corpus_diff = max_corpus_diff.max(diff);
            checked_corpus += 1;
            if diff.is_nan() || diff > TOLERANCE {
                failures.push(format!(
                    "{} corpus {subset}: {got}, sacrebleu {want}",
                    case.corpus_name
                ));
            }
        }
        eprintln!(
            "{}: max |Δ| sentence {max_sentence_diff:e}, corpus {max_corpus_diff:e}",
            case.corpus_name
        );
    }
    assert_eq!(checked_corpus, corpus.len(), "every corpus golden checked");
    assert!(
        failures.is_empty(),
        "{} mismatches, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
