//! The `sentiment` metrics against goldens produced by vaderSentiment 3.3.2
//! (`scripts/goldens/make_vader_goldens.py`): 2,449 texts, every score equal.

use crate::common;

use benchgate::metrics::vader::polarity;
use serde_json::Value;

#[test]
fn every_text_scores_as_vader_sentiment_does() {
    let lines = common::golden_lines("vader.jsonl");
    assert!(lines.len() >= 2000, "{} golden texts", lines.len());
    let mut wrong = Vec::new();
    for line in &lines {
        let case: Value = serde_json::from_str(line).expect("golden line is JSON");
        let text = case["text"].as_str().expect("text");
        let got = polarity(text);
        for (field, value) in [
            ("neg", got.neg),
            ("neu", got.neu),
            ("pos", got.pos),
            ("compound", got.compound),
        ] {
            let want = case[field].as_f64().expect("a number");
            if value != want {
                wrong.push(format!(
                    "{} {field}: {value} (vaderSentiment {want}) for {text:?}",
                    case["name"]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} scores differ:\n{}",
        wrong.len(),
        lines.len() * 4,
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
