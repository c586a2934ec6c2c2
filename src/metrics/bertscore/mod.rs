//! BERTScore (`bertscore`, `bertscore_p`, `bertscore_r`), equal to bert-score
//! 0.3.13, computed natively from a local Hugging Face model directory.
//!
//! The metrics score in batches, so they do their work in [`Metric::prepare`]:
//! every distinct sentence is tokenized, the sentences are sorted by length and
//! embedded `--batch-size` at a time (batches run side by side on the cores, and
//! candle's matrix products split over them too), then every (prediction,
//! references) pair is matched greedily in parallel.
//! [`Metric::stats`] only looks the pair up. The three metrics share one
//! computation: asking for all of them costs what one costs.
//!
//! idf weights come from the references given to `prepare` (`score`: every row
//! of the input; `compare`: the baseline's rows, so both sides are weighted
//! alike), as bert-score's `idf=True` takes them from the `refs` it is given.
//! The model side needs the `bertscore` cargo feature; without it the metrics
//! exist but say how to get a build that has it.

#[cfg(feature = "bertscore")]
mod encoder;
pub mod greedy;
#[cfg(feature = "bertscore")]
mod transformer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::reuse::{KeyKind, Reuse, SettingsHasher};
use super::{Calls, Metric, MetricError, MetricOptions};
use crate::error::{Error, Location, Result};
use crate::load::{Row, Text};

/// bert-score's version as its hash spells it (0.3.13 reports 0.3.12).
pub const BERT_SCORE_VERSION: &str = "0.3.12";

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

#[cfg(any(test, feature = "internals", feature = "bertscore"))]
/// Sentences embedded per model call when `--batch-size` is not given
/// (bert-score's default).
pub const DEFAULT_BATCH_SIZE: usize = 64;

#[cfg(any(test, feature = "internals", feature = "bertscore"))]
/// Padded tokens per model call at most: long sentences go in smaller batches,
/// which keeps the attention matrices (batch × heads × length²) small (two
/// 512-token sentences of a 12-head model: 25 MB, which the allocator reuses
/// instead of mapping fresh pages for each) and leaves enough batches to share
/// out between the cores. Measured against 4096 on WMT22 and AlpacaEval with
/// all-MiniLM-L6-v2: 3 to 6% less CPU time. The scores do not depend on how
/// sentences are batched beyond float rounding (about 1e-9 on a mean).
pub const TOKENS_PER_BATCH: usize = 1024;

#[cfg(any(test, feature = "internals", feature = "bertscore"))]
/// Splits `order` (sorted longest first) into batches of at most `batch_size`
/// sentences and at most [`TOKENS_PER_BATCH`] padded tokens (one sentence at least).
pub fn batches(order: &[usize], len: impl Fn(usize) -> usize, batch_size: usize) -> Vec<&[usize]> {
    let mut out = Vec::new();
    let mut rest = order;
    while let Some(&first) = rest.first() {
        let width = len(first).max(1);
        let n = batch_size
            .min(TOKENS_PER_BATCH / width)
            .clamp(1, rest.len());
        let (batch, tail) = rest.split_at(n);
        out.push(batch);
        rest = tail;
    }
    out
}

/// Settings of the BERTScore metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BertScoreOptions {
    /// The model directory (config.json, tokenizer.json, model.safetensors).
    pub model: Option<PathBuf>,
    /// Hidden states after this many layers (default: all of the model's).
    pub layers: Option<usize>,
    /// Weigh tokens by idf over the references.
    pub idf: bool,
    /// bert-score's `LAYER,P,R,F` baseline file to rescale with.
    pub rescale_baseline: Option<PathBuf>,
    /// Sentences per model call.
    pub batch_size: Option<usize>,
    /// The computation the three metrics share within a run.
    pub shared: Shared,
}

/// Scores computed once for `bertscore`, `bertscore_p` and `bertscore_r`.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<Option<Computed>>>);

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl PartialEq for Shared {
    /// A cache, not a setting: it never makes two option sets differ.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One run's scores: the pairs scored, under which idf documents.
struct Computed {
    /// Fingerprint of the idf documents (0 without idf).
    idf_key: u64,
    /// (P, R, F) by (prediction, references).
    scores: HashMap<(Text, Vec<Text>), [f32; 3]>,
    /// Layers used, for the signature.
    layers: usize,
    /// Ids of rows with an empty prediction or reference.
    empty: Vec<String>,
}

/// Which of P, R and F a metric reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    P = 0,
    R = 1,
    F = 2,
}

/// `bertscore` (F), `bertscore_p` or `bertscore_r`.
pub struct BertScore {
    name: &'static str,
    part: Part,
    options: BertScoreOptions,
    /// Rescaling baseline (P, R, F) read from the file, when given.
    baseline: Option<[f32; 3]>,
    signature: String,
}

/// The BERTScore metric called `name`, if it is one.
pub(super) fn build(name: &str, options: &MetricOptions) -> Option<Result<Box<dyn Metric>>> {
    let (name, part) = match name {
        "bertscore" => ("bertscore", Part::F),
        "bertscore_p" => ("bertscore_p", Part::P),
        "bertscore_r" => ("bertscore_r", Part::R),
        _ => return None,
    };
    Some(BertScore::new(name, part, &options.bertscore).map(|m| Box::new(m) as Box<dyn Metric>))
}

impl BertScore {
    fn new(name: &'static str, part: Part, options: &BertScoreOptions) -> Result<BertScore> {
        let Some(model) = &options.model else {
            return Err(Error::Settings(format!(
                "{name} needs a model: --bertscore-model DIR (a Hugging Face model directory with config.json, tokenizer.json and model.safetensors) or [metric.bertscore] model = \"DIR\""
            )));
        };
        if options.batch_size == Some(0) {
            return Err(Error::Usage(
                "--batch-size 0: the batch size must be at least 1".into(),
            ));
        }
        if !model.is_dir() {
            return Err(Error::Usage(format!(
                "--bertscore-model {}: no such directory; give a Hugging Face model directory with config.json, tokenizer.json and model.safetensors",
                model.display()
            )));
        }
        let missing: Vec<&str> = MODEL_FILES
            .iter()
            .copied()
            .filter(|f| !model.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(Error::Usage(format!(
                "--bertscore-model {}: missing {}; the directory must be a Hugging Face model with {} (write one with `model.save_pretrained(DIR)` and `tokenizer.save_pretrained(DIR)`)",
                model.display(),
                missing.join(", "),
                MODEL_FILES.join(", ")
            )));
        }
        if !cfg!(feature = "bertscore") {
            return Err(Error::Settings(format!(
                "{name}: this benchgate was built without BERTScore; use a release binary or the GitHub Action, or build with `cargo install benchgate --features bertscore`"
            )));
        }
        Ok(BertScore {
            name,
            part,
            options: options.clone(),
            baseline: None,
            signature: String::new(),
        })
    }

    fn model_dir(&self) -> &Path {
        self.options.model.as_deref().unwrap_or(Path::new("."))
    }
}

/// bert-score's hash: `<model>_L<n>_<idf|no-idf>_version=0.3.12(benchgate=…)`,
/// `-custom-rescaled` with a baseline file, `_fast-tokenizer` always (the
/// tokenizers crate is Hugging Face's fast tokenizer).
pub fn signature(model: &Path, layers: usize, idf: bool, rescaled: bool) -> String {
    format!(
        "{}_L{layers}_{}_version={BERT_SCORE_VERSION}(benchgate={}){}_fast-tokenizer",
        model_name(model),
        if idf { "idf" } else { "no-idf" },
        env!("CARGO_PKG_VERSION"),
        if rescaled { "-custom-rescaled" } else { "" },
    )
}

/// The model's name in the signature: its directory's name, or the parent's
/// when the directory is a generic `model`.
fn model_name(dir: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    match name(dir) {
        Some(n) if n != "model" => n,
        _ => dir
            .parent()
            .and_then(name)
            .unwrap_or_else(|| "model".into()),
    }
}

/// Reads row `layers` of a bert-score baseline file (`LAYER,P,R,F`, one row per
/// layer from 0, as pandas' `read_csv(...).iloc[layers]` picks it).
pub fn read_baseline(path: &Path, layers: usize) -> Result<[f32; 3]> {
    let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header_ok = lines.next().is_some_and(|(_, h)| {
        h.split(',').map(str::trim).collect::<Vec<_>>() == ["LAYER", "P", "R", "F"]
    });
    if !header_ok {
        return Err(Error::input(
            Location::file(path).at_line(1),
            "a rescale baseline starts with the header LAYER,P,R,F (bert-score's rescale_baseline/<lang>/<model>.tsv format)",
        ));
    }
    let rows: Vec<(usize, &str)> = lines.collect();
    let Some(&(i, line)) = rows.get(layers) else {
        return Err(Error::input(
            Location::file(path),
            format!(
                "no row for layer {layers}: the file has {} layer rows; pick --bertscore-layers below that or use the baseline of this model",
                rows.len()
            ),
        ));
    };
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    let number = |k: usize, field: &str| -> Result<f32> {
        cells
            .get(k)
            .and_then(|c| c.parse::<f32>().ok())
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                Error::input(
                    Location::file(path).at_line(i + 1).with_field(field),
                    "expected a number (rows are LAYER,P,R,F)",
                )
            })
    };
    Ok([number(1, "P")?, number(2, "R")?, number(3, "F")?])
}

/// The hash of everything that changes the metrics' values: the model's
/// files (their contents, not their path), the layers, idf and — with idf —
/// the references that weigh the tokens, and the rescaling file's contents.
/// Not the batch size: it only groups the work (which sentences share a
/// padded batch moves values by float rounding at most, about 1e-9 on a mean:
/// see [`TOKENS_PER_BATCH`]). `None` when a file cannot be read.
pub fn settings_hash(options: &BertScoreOptions, idf_rows: &[&Row]) -> Option<String> {
    let dir = options.model.as_deref()?;
    let mut h = SettingsHasher::new("bertscore");
    h.text(BERT_SCORE_VERSION);
    for file in MODEL_FILES {
        h.file(&dir.join(file))?;
    }
    h.text(&format!("layers {:?}", options.layers));
    if options.idf {
        h.text("idf");
        for row in idf_rows {
            h.text(&row.references.len().to_string());
            for r in &row.references {
                h.text(r);
            }
        }
    } else {
        h.text("no-idf");
    }
    match &options.rescale_baseline {
        Some(path) => {
            h.text("rescaled");
            h.file(path)?;
        }
        None => {
            h.text("raw");
        }
    }
    Some(h.finish())
}

/// The model's layer count from its config.json (transformers' default 12
/// when it says none).
fn model_layers(dir: &Path) -> Result<usize> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).map_err(|cause| Error::Io {
        path: path.clone(),
        cause,
    })?;
    let config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::input(Location::file(&path), format!("not JSON: {e}")))?;
    Ok(config
        .get("num_hidden_layers")
        .and_then(serde_json::Value::as_u64)
        .map_or(12, |n| usize::try_from(n).unwrap_or(usize::MAX)))
}

fn idf_key(idf_rows: &[&Row]) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    for row in idf_rows {
        row.references.hash(&mut h);
    }
    h.finish() | 1
}

impl Metric for BertScore {
    fn name(&self) -> &str {
        self.name
    }

    fn needs_rows(&self) -> bool {
        true
    }

    fn prepare(&mut self, rows: &[&Row], idf_rows: &[&Row], _calls: Calls<'_>) -> Result<()> {
        let key = if self.options.idf {
            idf_key(idf_rows)
        } else {
            0
        };
        let shared = self.options.shared.clone();
        let mut guard = shared
            .0
            .lock()
            .map_err(|_| Error::Internal("bertscore: an earlier scoring panicked".into()))?;
        let reusable = guard.as_ref().is_some_and(|c| {
            c.idf_key == key
                && rows.iter().all(|r| {
                    c.scores
                        .contains_key(&(r.prediction.clone(), r.references.clone()))
                })
        });
        // Nothing to score (every value reused): the model is not even loaded.
        let layers = if rows.is_empty() && !reusable {
            match self.options.layers {
                Some(n) => n,
                None => model_layers(self.model_dir())?,
            }
        } else {
            if !reusable {
                *guard = Some(compute(&self.options, rows, idf_rows, key)?);
            }
            guard.as_ref().map_or(0, |c| c.layers)
        };
        if let Some(path) = &self.options.rescale_baseline {
            self.baseline = Some(read_baseline(path, layers)?);
        }
        self.signature = signature(
            self.model_dir(),
            layers,
            self.options.idf,
            self.options.rescale_baseline.is_some(),
        );
        Ok(())
    }

    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        if row.references.is_empty() {
            return Err(super::squad::needs_reference());
        }
        let guard = self.options.shared.0.lock().map_err(|_| MetricError {
            field: "prediction".into(),
            message: "an earlier scoring panicked".into(),
        })?;
        let found = guard.as_ref().and_then(|c| {
            c.scores
                .get(&(row.prediction.clone(), row.references.clone()))
        });
        let Some(&scores) = found else {
            return Err(MetricError {
                field: "prediction".into(),
                message: "not scored: the metric was not prepared with this row".into(),
            });
        };
        let scores = match self.baseline {
            Some(b) => greedy::rescale(scores, b),
            None => scores,
        };
        out[0] = f64::from(scores[self.part as usize]);
        Ok(())
    }

    fn signature(&self) -> Option<String> {
        Some(format!("{}:{}", self.name, self.signature))
    }

    fn reuse(&self, idf_rows: &[&Row]) -> Option<Reuse> {
        Some(Reuse {
            settings: settings_hash(&self.options, idf_rows)?,
            key: KeyKind::Texts,
        })
    }

    fn warnings(&self) -> Vec<crate::diagnostic::Warning> {
        let guard = match self.options.shared.0.lock() {
            Ok(g) => g,
            Err(_) => return Vec::new(),
        };
        match guard.as_ref() {
            Some(c) if !c.empty.is_empty() && self.part == Part::F => {
                let shown: Vec<&str> = c.empty.iter().take(10).map(String::as_str).collect();
                vec![crate::diagnostic::Diagnostic::new(
                    crate::diagnostic::Code::EmptyTexts,
                    format!(
                        "bertscore: {} rows have an empty prediction or reference and score 0, as in bert-score: {}{}",
                        c.empty.len(),
                        shown.join(", "),
                        if c.empty.len() > shown.len() { ", …" } else { "" }
                    ),
                )]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(not(feature = "bertscore"))]
fn compute(_: &BertScoreOptions, _: &[&Row], _: &[&Row], _: u64) -> Result<Computed> {
    Err(Error::Settings(
        "bertscore: this benchgate was built without BERTScore".into(),
    ))
}

#[cfg(feature = "bertscore")]
fn compute(
    options: &BertScoreOptions,
    rows: &[&Row],
    idf_rows: &[&Row],
    idf_key: u64,
) -> Result<Computed> {
    use rayon::prelude::*;

    let dir = options.model.as_deref().unwrap_or(Path::new("."));
    let encoder = encoder::Encoder::load(dir, options.layers)?;
    let (cls, sep) = encoder.specials;

    // Every distinct sentence, numbered; those scored come first.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut sentences: Vec<&str> = Vec::new();
    fn add<'a>(
        s: &'a str,
        index: &mut HashMap<&'a str, usize>,
        sentences: &mut Vec<&'a str>,
    ) -> usize {
        *index.entry(s).or_insert_with(|| {
            sentences.push(s);
            sentences.len() - 1
        })
    }
    // (prediction, references) → (sentence number of the prediction, of each reference)
    type Pairs<'a> = HashMap<(&'a str, &'a [Text]), (usize, Vec<usize>)>;
    let mut pairs: Pairs = HashMap::new();
    for row in rows {
        let p = add(&row.prediction, &mut index, &mut sentences);
        let refs = row
            .references
            .iter()
            .map(|r| add(r, &mut index, &mut sentences))
            .collect();
        pairs
            .entry((&row.prediction, &row.references))
            .or_insert((p, refs));
    }
    let scored = sentences.len();
    let idf_docs: Vec<usize> = idf_rows
        .iter()
        .flat_map(|row| row.references.iter())
        .map(|r| add(r, &mut index, &mut sentences))
        .collect();
    let ids = encoder.tokenize(&sentences)?;
    let weights = if options.idf {
        greedy::Weights::idf(idf_docs.iter().map(|&i| ids[i].as_slice()), cls, sep)
    } else {
        greedy::Weights::uniform(cls, sep)
    };

    // Longest first, so each batch pads little.
    let mut order: Vec<usize> = (0..scored).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
    let batch_size = options.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
    let mut embeddings: Vec<Option<(greedy::Embedding, Vec<f32>)>> = vec![None; scored];
    // Batches run side by side, one per core: candle splits only the matrix
    // products over the cores, and the rest of a forward pass (GELU's erf, softmax,
    // layer norm) would leave all but one idle.
    let chunks = batches(&order, |i| ids[i].len(), batch_size);
    let embedded = chunks
        .par_iter()
        .map(|chunk| {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            encoder.embed(&batch)
        })
        .collect::<Result<Vec<_>>>()?;
    for (chunk, batch) in chunks.iter().zip(embedded) {
        for (&i, e) in chunk.iter().zip(batch) {
            embeddings[i] = Some((e, weights.of(&ids[i])));
        }
    }

    let is_empty = |s: &str| index.get(s).is_some_and(|&i| ids[i].len() <= 2);
    let mut empty: Vec<String> = rows
        .iter()
        .filter(|row| is_empty(&row.prediction) || row.references.iter().any(|r| is_empty(r)))
        .map(|row| row.id.to_string())
        .collect();
    empty.dedup();
    let pairs: Vec<_> = pairs.into_iter().collect();
    let scores = pairs
        .par_iter()
        .map(|((pred, refs), (p, rs))| {
            let (pe, pw) = embeddings[*p]
                .as_ref()
                .expect("every scored sentence is embedded");
            let best = greedy::best_of(rs.iter().map(|&r| {
                let (re, rw) = embeddings[r]
                    .as_ref()
                    .expect("every scored sentence is embedded");
                greedy::greedy(pe, pw, re, rw)
            }));
            (((*pred).into(), refs.to_vec()), best)
        })
        .collect();
    Ok(Computed {
        idf_key,
        scores,
        layers: encoder.layers,
        empty,
    })
}
