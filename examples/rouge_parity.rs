//! Scores a JSONL file with the four ROUGE metrics, for `scripts/parity/rouge_parity.py`.
//!
//! ```text
//! cargo run --release --example rouge_parity -- INPUT.jsonl [--stemmer] > scores.jsonl
//! ```
//!
//! Each input line has `id`, `prediction` and `reference` (a string or a list of
//! strings); each output line has `id` and `rouge1`, `rouge2`, `rougeL`, `rougeLsum`
//! as `benchgate score --format jsonl` writes them. The `--stemmer` flag is what
//! `use_stemmer=True` is to rouge-score.

use std::io::{BufRead, BufReader, BufWriter, Write};

use benchgate::metrics::rouge::{Rouge, RougeOptions, RougeType};
use serde_json::{json, Map, Value};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stemmer = args.iter().any(|a| a == "--stemmer");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or_else(|| anyhow::anyhow!("usage: rouge_parity INPUT.jsonl [--stemmer]"))?;
    let options = RougeOptions { stemmer };
    let metrics: Vec<Rouge> = RougeType::ALL
        .iter()
        .map(|&t| Rouge::new(t, &options))
        .collect();
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    for (n, line) in BufReader::new(std::fs::File::open(path)?)
        .lines()
        .enumerate()
    {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Value = serde_json::from_str(&line)?;
        let text = |v: &Value| v.as_str().map(str::to_string);
        let prediction = text(&record["prediction"])
            .ok_or_else(|| anyhow::anyhow!("line {}: no prediction", n + 1))?;
        let references: Vec<String> = match &record["reference"] {
            Value::Array(list) => list.iter().filter_map(text).collect(),
            other => text(other).into_iter().collect(),
        };
        let mut scores = Map::new();
        scores.insert("id".into(), record["id"].clone());
        for (t, metric) in RougeType::ALL.iter().zip(&metrics) {
            let f = metric
                .best_fmeasure(&prediction, &references)
                .ok_or_else(|| anyhow::anyhow!("line {}: no reference", n + 1))?;
            scores.insert(t.name().into(), json!(f));
        }
        writeln!(out, "{}", Value::Object(scores))?;
    }
    out.flush()?;
    Ok(())
}
