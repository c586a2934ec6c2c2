//! Pairing baseline and current examples by id.
//!
//! Rows sharing an id are repeated samples of one example; they must share its
//! reference. Examples only in the baseline are *missing* (a crashed shard must
//! not pass silently); examples only in the current run are *added*, and
//! examples whose ground truth changed (references, a tool's dataset hash) are
//! *edited*; both stay out of the paired statistics. An example whose input —
//! the rendered prompt — changed is compared like any other: what the
//! comparison holds fixed is the dataset, never the prompt. Such examples are
//! counted so that the report can say the prompt changed.
//!
//! Also what tells two datasets apart: the dataset [`fingerprint`] (a hash,
//! XXH3-128, over the examples sorted by id: each example's id, references
//! and, for lm-eval samples, its `doc_hash` and `target_hash`; the same
//! whatever the model wrote), and [`content_differs`], its per-example form
//! that `compare` uses to list what changed.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::error::{Error, Location, Result};
use crate::load::{Dataset, Row, Text, ToolInfo};

/// One example: every row (sample) that carries its id.
#[derive(Debug, Clone)]
pub struct Example {
    /// The id.
    pub id: Text,
    /// Its samples, ordered by content (prediction first); never empty.
    pub samples: Vec<Row>,
}

impl Example {
    /// The first sample (the prediction that sorts first), which stands for
    /// the example in reports.
    pub fn first(&self) -> &Row {
        &self.samples[0]
    }
}

/// Examples of one side, ordered by id.
#[derive(Debug, Clone)]
pub struct Side {
    /// Where the rows came from.
    pub path: std::path::PathBuf,
    /// The examples.
    pub examples: Vec<Example>,
    /// What the file's tool said beyond its rows.
    pub tool: Option<ToolInfo>,
}

/// One of N deterministic parts of a run (`score --shard K/N`): the examples
/// whose id hashes to it, every sample of an example in the same part. The
/// hash (XXH3-64 of the id) is fixed, so each of a CI matrix's jobs picks its
/// part without talking to the others, and the parts cover the run exactly
/// once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based: the K of K/N.
    pub index: usize,
    /// N.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::Usage(format!(
                "--shard {text}: expected K/N with 1 <= K <= N (the K-th of N shards, as a CI matrix numbers them: 1/4, 2/4, 3/4, 4/4)"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }

    /// Whether the example with this id belongs to the shard.
    pub fn holds(&self, id: &str) -> bool {
        let n = self.count as u64;
        xxhash_rust::xxh3::xxh3_64(id.as_bytes()) % n == (self.index - 1) as u64
    }

    /// The examples of `side` in this shard.
    pub fn of(&self, side: &Side) -> Side {
        Side {
            path: side.path.clone(),
            examples: side
                .examples
                .iter()
                .filter(|e| self.holds(&e.id))
                .cloned()
                .collect(),
            tool: side.tool.clone(),
        }
    }
}

/// Baseline and current examples paired by id.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// Baseline examples present in both sides, ordered by id.
    pub baseline: Vec<Example>,
    /// The current examples, index for index with `baseline`.
    pub current: Vec<Example>,
    /// Ids in the baseline but not in the current run.
    pub missing: Vec<String>,
    /// Ids in the current run but not in the baseline.
    pub added: Vec<String>,
    /// Ids in both whose ground truth differs (see
    /// [`content_differs`]), in baseline order.
    pub edited: Vec<String>,
    /// Ids compared whose input (prompt) differs from the baseline's, in
    /// baseline order.
    pub prompt_changed: Vec<String>,
    /// The tools' information of the baseline and the current side.
    pub tools: [Option<ToolInfo>; 2],
}

/// Groups rows by id, checking that repeated rows agree on the reference.
pub fn group(data: Dataset) -> Result<Side> {
    if u32::try_from(data.rows.len()).is_err() {
        return Err(Error::input(
            Location::file(&data.path),
            "more than 4 billion rows in one file; split it into shards",
        ));
    }
    // Files written in id order with one row per id (baselines, most logs)
    // are their examples already: one pass checks, and the rows move over.
    let mut sorted = true;
    let mut unique = true;
    for w in data.rows.windows(2) {
        match w[0].id.cmp(&w[1].id) {
            Ordering::Less => {}
            Ordering::Equal => unique = false,
            Ordering::Greater => {
                sorted = false;
                break;
            }
        }
    }
    if sorted && unique {
        let examples = data
            .rows
            .into_par_iter()
            .map(|row| Example {
                id: row.id.clone(),
                samples: vec![row],
            })
            .collect();
        return Ok(Side {
            path: data.path,
            examples,
            tool: data.tool,
        });
    }
    // Row indices in id order; rows of one id stay in file order (stable), so
    // the first of a run is the id's first line.
    let mut order: Vec<u32> = (0..data.rows.len() as u32).collect();
    if !sorted {
        order.par_sort_by(|&a, &b| data.rows[a as usize].id.cmp(&data.rows[b as usize].id));
    }
    // Runs of one id: [start, end) into `order`.
    let mut runs: Vec<(usize, usize)> = Vec::with_capacity(data.rows.len());
    let mut start = 0;
    for i in 1..=order.len() {
        let ends = i == order.len()
            || data.rows[order[i] as usize].id != data.rows[order[start] as usize].id;
        if ends {
            runs.push((start, i));
            start = i;
        }
    }
    // Of several conflicting rows, the one that comes first in the file.
    let conflict = runs
        .iter()
        .filter_map(|&(start, end)| {
            let first = &data.rows[order[start] as usize];
            order[start + 1..end]
                .iter()
                .map(|&r| &data.rows[r as usize])
                .find(|row| row.references != first.references)
                .map(|row| (row, first))
        })
        .min_by_key(|(row, _)| row.line);
    if let Some((row, first)) = conflict {
        return Err(Error::input(
            Location::file(&data.path).at_line(row.line).with_field("reference"),
            format!(
                "id \"{}\" repeats with a different reference than on line {}; repeated rows are samples of one example and must share its reference",
                row.id, first.line
            ),
        ));
    }
    let mut rows: Vec<Option<Row>> = data.rows.into_iter().map(Some).collect();
    let mut take = |r: u32| rows[r as usize].take().expect("each row is taken once");
    let mut examples: Vec<Example> = Vec::with_capacity(runs.len());
    for (start, end) in runs {
        let mut samples: Vec<Row> = order[start..end].iter().map(|&r| take(r)).collect();
        // Same input, same report: nothing downstream may depend on the order
        // of the lines. An example's samples go by their content.
        if samples.len() > 1 {
            samples.sort_by(sample_order);
        }
        examples.push(Example {
            id: samples[0].id.clone(),
            samples,
        });
    }
    Ok(Side {
        path: data.path,
        examples,
        tool: data.tool,
    })
}

/// A total order of an example's samples by what they hold (not their line).
fn sample_order(a: &Row, b: &Row) -> std::cmp::Ordering {
    let numbers = |r: &Row| {
        r.numbers
            .iter()
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect::<Vec<_>>()
    };
    a.prediction
        .cmp(&b.prediction)
        .then_with(|| a.input.cmp(&b.input))
        .then_with(|| a.tags.iter().cmp(b.tags.iter()))
        .then_with(|| numbers(a).cmp(&numbers(b)))
}

/// Pairs the two sides by id: both are in id order, so one merge pass pairs
/// them.
pub fn align(mut baseline: Side, mut current: Side) -> Aligned {
    pair_renamed_tasks(&mut baseline, &mut current);
    // `group` makes sides in id order; a side built otherwise is put in order.
    for side in [&mut baseline, &mut current] {
        if !side.examples.windows(2).all(|w| w[0].id <= w[1].id) {
            side.examples.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }
    // One merge pass pairs the ids; whether a pair's content changed is then
    // checked in parallel (it compares inputs and references, most of the bytes).
    let (mut missing, mut added) = (Vec::new(), Vec::new());
    let mut pairs: Vec<(usize, usize)> =
        Vec::with_capacity(baseline.examples.len().min(current.examples.len()));
    let (base, cur) = (&baseline.examples, &current.examples);
    let (mut b, mut c) = (0, 0);
    while b < base.len() || c < cur.len() {
        let order = match (base.get(b), cur.get(c)) {
            (Some(x), Some(y)) => x.id.cmp(&y.id),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                missing.push(base[b].id.to_string());
                b += 1;
            }
            Ordering::Greater => {
                added.push(cur[c].id.to_string());
                c += 1;
            }
            Ordering::Equal => {
                pairs.push((b, c));
                b += 1;
                c += 1;
            }
        }
    }
    let changed: Vec<(bool, bool)> = pairs
        .par_iter()
        .map(|&(b, c)| {
            let (b, c) = (base[b].first(), cur[c].first());
            (content_differs(b, c), prompt_differs(b, c))
        })
        .collect();
    let kept = changed.iter().filter(|x| !x.0).count();
    let mut prompt_changed = Vec::new();
    let mut paired_base = Vec::with_capacity(kept);
    let mut paired_cur = Vec::with_capacity(kept);
    let mut edited = Vec::new();
    let mut base = baseline.examples.into_iter().enumerate();
    let mut cur = current.examples.into_iter().enumerate();
    for (&(b, c), (changed, prompt)) in pairs.iter().zip(changed) {
        // Pairs are increasing indices of both sides: each is found ahead.
        let b = base
            .find(|(i, _)| *i == b)
            .expect("a pair's baseline index")
            .1;
        let c = cur
            .find(|(i, _)| *i == c)
            .expect("a pair's current index")
            .1;
        if changed {
            edited.push(b.id.to_string());
        } else {
            if prompt {
                prompt_changed.push(b.id.to_string());
            }
            paired_base.push(b);
            paired_cur.push(c);
        }
    }
    Aligned {
        baseline: paired_base,
        current: paired_cur,
        missing,
        added,
        edited,
        prompt_changed,
        tools: [baseline.tool, current.tool],
    }
}

/// A single-task run pairs by doc id whatever its files are called: when each
/// side is one file whose ids' task part came only from its name (lm-eval's
/// `samples_<task>_<date>.jsonl`, or no task at all for a copy kept as
/// `baseline.jsonl`) and the two parts differ, the baseline's ids take the
/// current run's part. Renaming a file never changes a verdict; a different
/// task under the same doc ids is still told apart by its content (the
/// references and the tool's hashes: every pair edited).
pub(crate) fn pair_renamed_tasks(baseline: &mut Side, current: &mut Side) {
    let single = |side: &Side| match side.tool.as_ref().map(|t| t.name_prefixes.as_slice()) {
        Some([prefix]) => Some(prefix.clone()),
        _ => None,
    };
    let (Some(old), Some(new)) = (single(baseline), single(current)) else {
        return;
    };
    if old == new {
        return;
    }
    let rename = |id: &str| -> String {
        let bare = match &old {
            Some(task) => id
                .strip_prefix(task.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or(id),
            None => id,
        };
        match &new {
            Some(task) => format!("{task}/{bare}"),
            None => bare.to_string(),
        }
    };
    for example in &mut baseline.examples {
        let id = Text::from(rename(example.id.as_str()));
        for row in &mut example.samples {
            row.id = id.clone();
        }
        example.id = id;
    }
    let shown = |p: &Option<String>| {
        p.as_deref()
            .map_or("no task".to_string(), |t| format!("task {t}"))
    };
    if let Some(tool) = current.tool.as_mut() {
        tool.warnings.push(crate::diagnostic::Diagnostic::new(
            crate::diagnostic::Code::TaskFromFileName,
            format!(
                "the baseline's ids took their task from its file name ({} in {}, {} here): its examples are paired by doc id",
                shown(&old),
                baseline.path.display(),
                shown(&new)
            ),
        ));
    }
}

// --- Dataset identity: what tells two datasets apart (the fingerprint) ---

/// Tags in which a tool's reader records its own hash of an example's ground
/// truth: lm-eval's `doc_hash` and `target_hash`, and `test_hash`, the hash
/// promptfoo's reader computes over a test's vars and asserts. Never a hash of
/// the rendered prompt: the prompt is what a pull request changes.
pub const GROUND_TRUTH_TAGS: [&str; 3] = ["doc_hash", "target_hash", "test_hash"];

/// What the fingerprint reads of an example: its ground truth — references
/// and the tools' dataset hashes. Not the input: a pull request that rewrites
/// the prompt leaves the dataset as it was.
fn content(row: &Row) -> impl Iterator<Item = &str> {
    let hashes = GROUND_TRUTH_TAGS
        .into_iter()
        .filter_map(|k| row.tags.get(k).map(Text::as_str));
    row.references.iter().map(Text::as_str).chain(hashes)
}

/// The dataset fingerprint: `xxh3:` and 32 hex digits.
///
/// Each example (its first sample) is hashed on its own, in parallel: its id,
/// then each part of its content, separated by a unit separator (0x1f) and
/// ended by a record separator (0x1e), with 128-bit XXH3. The fingerprint is
/// XXH3-128 over those digests in id order. A fingerprint tells datasets apart
/// at a glance; it is not a security boundary ([`content_differs`] compares the
/// texts themselves), and a fast hash keeps it off a million-example run's
/// critical path.
pub fn fingerprint(examples: &[Example]) -> String {
    use rayon::prelude::*;
    let mut digests: Vec<(&Text, u128)> = examples
        .par_iter()
        .map(|e| {
            let row = e.first();
            let mut hash = xxhash_rust::xxh3::Xxh3Default::new();
            hash.update(row.id.as_bytes());
            for part in content(row) {
                hash.update(&[0x1f]);
                hash.update(part.as_bytes());
            }
            hash.update(&[0x1e]);
            (&row.id, hash.digest128())
        })
        .collect();
    // Sides from `group` are in id order already.
    if !digests.windows(2).all(|w| w[0].0 <= w[1].0) {
        digests.par_sort_by(|a, b| a.0.cmp(b.0));
    }
    let bytes: Vec<u8> = digests.iter().flat_map(|(_, d)| d.to_le_bytes()).collect();
    format!("xxh3:{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// Whether one id's example was edited between baseline and current: its
/// ground truth changed — its references (only when both sides have them, so
/// a baseline written without references does not flag every example) or a
/// tool's dataset hash ([`GROUND_TRUTH_TAGS`]). A changed input is not an
/// edit: it is the prompt change a pull request is there to test
/// ([`prompt_differs`]).
pub fn content_differs(base: &Row, cur: &Row) -> bool {
    let refs = !base.references.is_empty()
        && !cur.references.is_empty()
        && base.references != cur.references;
    let hashes = GROUND_TRUTH_TAGS
        .iter()
        .any(|k| matches!((base.tags.get(k), cur.tags.get(k)), (Some(a), Some(b)) if a != b));
    refs || hashes
}

/// Whether the input (the rendered prompt) differs, when both sides have one.
pub fn prompt_differs(base: &Row, cur: &Row) -> bool {
    matches!((&base.input, &cur.input), (Some(a), Some(b)) if a != b)
}

/// The short form of a fingerprint in reports: its algorithm and first 12
/// digits (`xxh3:2e13a212ac8c`).
pub fn short(fingerprint: &str) -> &str {
    let digits = fingerprint.find(':').map_or(0, |i| i + 1);
    fingerprint.get(..digits + 12).unwrap_or(fingerprint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(ids: &[(&str, &str)]) -> Side {
        let rows = ids
            .iter()
            .enumerate()
            .map(|(i, (id, reference))| {
                let mut row = Row::new(*id, format!("p{i}"), vec![reference.to_string()]);
                row.line = i + 1;
                row
            })
            .collect();
        group(Dataset {
            path: "r.jsonl".into(),
            rows,
            header: None,
            tool: None,
            stored: Default::default(),
        })
        .expect("groups")
    }

    #[test]
    fn sides_pair_by_id_whatever_the_order_of_lines() {
        let base = side(&[("c", "x"), ("a", "x"), ("b", "x"), ("a", "x"), ("e", "x")]);
        let cur = side(&[("d", "x"), ("b", "changed"), ("a", "x"), ("c", "x")]);
        let ids = |s: &Side| {
            s.examples
                .iter()
                .map(|e| e.id.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&base), ["a", "b", "c", "e"]);
        assert_eq!(base.examples[0].samples.len(), 2, "a is seen twice");
        let aligned = align(base, cur);
        let paired: Vec<_> = aligned.baseline.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(paired, ["a", "c"]);
        assert_eq!(aligned.edited, ["b"]);
        assert_eq!(aligned.missing, ["e"]);
        assert_eq!(aligned.added, ["d"]);
    }

    #[test]
    fn sides_built_out_of_order_are_put_in_order_first() {
        let mut base = side(&[("a", "x"), ("b", "x")]);
        base.examples.reverse();
        let aligned = align(base, side(&[("b", "x"), ("a", "x")]));
        assert_eq!(aligned.baseline.len(), 2);
        assert!(aligned.missing.is_empty() && aligned.added.is_empty());
    }

    #[test]
    fn the_first_conflicting_line_is_reported() {
        let rows = [("b", "x"), ("a", "x"), ("b", "y"), ("a", "z")]
            .iter()
            .enumerate()
            .map(|(i, (id, r))| {
                let mut row = Row::new(*id, "p", vec![r.to_string()]);
                row.line = i + 1;
                row
            })
            .collect();
        let err = group(Dataset {
            path: "r.jsonl".into(),
            rows,
            header: None,
            tool: None,
            stored: Default::default(),
        })
        .expect_err("conflict")
        .to_string();
        assert!(
            err.contains("r.jsonl:3") && err.contains("than on line 1"),
            "{err}"
        );
    }
}
