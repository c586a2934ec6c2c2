//! What a monitor run keeps of each log row: the row is scored the moment it
//! is read, and dropped.
//!
//! A window may hold millions of rows, and their texts (inputs, outputs, ids,
//! tags) are what takes memory. So each row in a window is scored as its block
//! arrives — every text metric (sentiment, checks, copied facts) on its
//! output, in parallel over the block — and only numbers stay:
//!
//! - per metric, slice and window, the row's value (an `f64`, in file order:
//!   the permutation tests need every value, and their figures depend on the
//!   order);
//! - per slice and window, a count of rows (the mix);
//! - per numeric field, its values likewise (the field is a metric only if
//!   the run's metrics say so, which with the default metrics depends on the
//!   fields the windows' rows have: known only at the end);
//! - per tag name, where it first appeared in each window (a numeric field
//!   that is text on some row is an error naming that row, as before);
//! - with `--benchmark`, a uniform sample of the current window's inputs
//!   ([`Reservoir`]): the texts that input drift and novel inputs need.
//!
//! The figures are those of the rows held in memory in the order the
//! in-memory code visited them — reference rows first, then current rows,
//! each in file order — so [`Tally::finish`] numbers the slices in that order
//! (reference first) and a metric's first bad row is the first in that order.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::window::Side;
use super::{MonitorConfig, NEEDS_REFERENCE, NO_SLICE};
use crate::error::{Error, Location, Result};
use crate::load::Row;
use crate::metrics::{self, DataInfo, Metric};
use crate::stats::rng::{index_below, stream};

/// Inputs of the current window kept for input drift and novel inputs, at
/// most: as many as the drift test uses ([`super::drift::MAX_DOCS`]).
pub const SAMPLE_SIZE: usize = super::drift::MAX_DOCS;

/// Random stream of the reservoir.
const SALT_RESERVOIR: u64 = 0xD222;

/// Values of one metric (or numeric field): `[slice][side]`, in file order.
type Columns = Vec<[Vec<f64>; 2]>;

/// Rows scored as they were read.
pub(crate) struct Tally {
    /// The metric names the run asked for (empty: the defaults).
    asked: Vec<String>,
    /// The metrics scored on each row as it is read.
    text: Vec<TextMetric>,
    /// Numeric fields whose values are kept (`None`: every one).
    kept_numbers: Option<BTreeSet<String>>,
    /// Values of the kept numeric fields.
    numbers: BTreeMap<String, Columns>,
    /// Every numeric field a window row has.
    numeric: BTreeSet<String>,
    /// Tag names of every row read, in order of first appearance, and where
    /// each was first text on a row of each window.
    tags: Vec<(String, [Option<TagAt>; 2])>,
    tag_index: HashMap<String, usize>,
    /// The field slices are taken from.
    slice_by: Option<String>,
    /// Whether a window row had that field.
    slice_found: bool,
    /// Slices in order of first appearance in the files.
    slices: Vec<SliceTally>,
    slice_index: HashMap<String, u32>,
    /// Rows per window so far.
    rows: [u64; 2],
    /// The current window's inputs (with `--benchmark`).
    pub(crate) sample: Option<Reservoir>,
}

/// A metric that needs the row's texts (built before reading: it builds
/// without knowing the data).
struct TextMetric {
    /// The name it was asked by.
    name: String,
    metric: Box<dyn Metric>,
    values: Columns,
    /// The first row it failed on, per window.
    errors: [Option<Error>; 2],
}

/// Where a tag was first text on a window's row.
struct TagAt {
    path: PathBuf,
    line: usize,
    text: String,
}

/// One slice's rows.
struct SliceTally {
    name: String,
    /// The window row it first appeared at, per window.
    first: [Option<u64>; 2],
    /// Its rows per window.
    rows: [u64; 2],
}

/// What [`Tally::finish`] hands the judge.
pub(crate) struct Finished {
    /// Metrics in report order.
    pub metrics: Vec<Box<dyn Metric>>,
    /// `values[m][slice][side]`: the metric's values, in file order.
    pub values: Vec<Columns>,
    /// Slice values, reference window's first.
    pub slice_names: Vec<String>,
    /// Rows per slice and window.
    pub counts: Vec<[u64; 2]>,
    /// How the metrics were chosen.
    pub notes: Vec<String>,
    /// The current window's inputs, file order (with `--benchmark`).
    pub sample: Vec<Sampled>,
    /// Inputs of the current window the sample was drawn from.
    pub sampled_from: u64,
}

impl Tally {
    /// An empty tally for `config`'s metrics and slices.
    pub(crate) fn new(config: &MonitorConfig) -> Tally {
        let names: Vec<String> = if config.metrics.is_empty() {
            vec!["sentiment".to_string()]
        } else {
            config.metrics.clone()
        };
        // A name that builds without knowing the data is a text metric,
        // scored as rows arrive; a numeric field is read at the end. (A
        // metric comparing with references is neither: it is an error unless
        // a numeric field has its name.)
        let text = names
            .iter()
            .filter(|n| !NEEDS_REFERENCE.contains(&n.as_str()))
            .filter_map(|n| {
                let built = metrics::build(n, &config.metric_options, &DataInfo::default());
                built.ok().map(|metric| (n.clone(), metric))
            })
            .map(|(name, metric)| TextMetric {
                name,
                metric,
                values: Vec::new(),
                errors: [None, None],
            })
            .collect();
        Tally {
            asked: config.metrics.clone(),
            text,
            kept_numbers: (!config.metrics.is_empty())
                .then(|| config.metrics.iter().cloned().collect()),
            numbers: BTreeMap::new(),
            numeric: BTreeSet::new(),
            tags: Vec::new(),
            tag_index: HashMap::new(),
            slice_by: config.slice_by.clone(),
            slice_found: false,
            slices: Vec::new(),
            slice_index: HashMap::new(),
            rows: [0, 0],
            sample: (!config.benchmark.is_empty())
                .then(|| Reservoir::new(SAMPLE_SIZE, config.seed)),
        }
    }

    /// Rows of each window so far.
    pub(crate) fn rows(&self) -> [u64; 2] {
        self.rows
    }

    /// Scores a block of rows of `path` and keeps what [`Tally`] keeps;
    /// `sides[i]` is row `i`'s window (`None`: neither, only its tag names
    /// are noted).
    pub(crate) fn add(&mut self, path: &Path, rows: Vec<Row>, sides: &[Option<Side>]) {
        let metrics: Vec<&dyn Metric> = self.text.iter().map(|t| t.metric.as_ref()).collect();
        let scored: Vec<Vec<Result<Option<f64>>>> = rows
            .par_iter()
            .zip(sides)
            .map(|(row, side)| match side {
                Some(_) => metrics.iter().map(|m| score_row(*m, row, path)).collect(),
                None => Vec::new(),
            })
            .collect();
        for ((row, side), values) in rows.iter().zip(sides).zip(scored) {
            self.note_tags(row, path, *side);
            let Some(side) = *side else { continue };
            let s = side as usize;
            let slice = self.slice_of(row, side);
            for (k, value) in values.into_iter().enumerate() {
                let t = &mut self.text[k];
                match value {
                    Ok(Some(x)) => column(&mut t.values, slice)[s].push(x),
                    Ok(None) => {}
                    Err(e) => {
                        t.errors[s].get_or_insert(e);
                    }
                }
            }
            for (name, &x) in row.numbers.iter() {
                if !self.numeric.contains(name.as_str()) {
                    self.numeric.insert(name.to_string());
                }
                if !x.is_finite()
                    || self
                        .kept_numbers
                        .as_ref()
                        .is_some_and(|k| !k.contains(name.as_str()))
                {
                    continue;
                }
                let columns = match self.numbers.get_mut(name.as_str()) {
                    Some(c) => c,
                    None => self.numbers.entry(name.to_string()).or_default(),
                };
                column(columns, slice)[s].push(x);
            }
            if side == Side::Current {
                if let Some(sample) = &mut self.sample {
                    if let Some(input) = row.input.as_deref().filter(|t| !t.trim().is_empty()) {
                        sample.offer(|| Sampled {
                            order: 0,
                            id: row.id.to_string(),
                            input: input.to_string(),
                            output: row.prediction.to_string(),
                            slice,
                        });
                    }
                }
            }
            self.rows[s] += 1;
        }
    }

    /// Notes the row's tag names, and where each was first text in `side`.
    fn note_tags(&mut self, row: &Row, path: &Path, side: Option<Side>) {
        for (name, text) in row.tags.iter() {
            let k = match self.tag_index.get(name.as_str()) {
                Some(&k) => k,
                None => {
                    self.tag_index.insert(name.to_string(), self.tags.len());
                    self.tags.push((name.to_string(), [None, None]));
                    self.tags.len() - 1
                }
            };
            if let Some(side) = side {
                self.tags[k].1[side as usize].get_or_insert_with(|| TagAt {
                    path: path.to_path_buf(),
                    line: row.line,
                    text: text.to_string(),
                });
            }
        }
    }

    /// The row's slice (provisional: numbered in order of appearance).
    fn slice_of(&mut self, row: &Row, side: Side) -> u32 {
        let label: Option<std::borrow::Cow<'_, str>> = match &self.slice_by {
            None => Some("".into()),
            Some(field) => super::slice_label(row, field),
        };
        self.slice_found |= label.is_some();
        let label = label.unwrap_or(NO_SLICE.into());
        let s = match self.slice_index.get(label.as_ref()) {
            Some(&s) => s,
            None => {
                let s = u32::try_from(self.slices.len()).unwrap_or(u32::MAX);
                self.slice_index.insert(label.to_string(), s);
                self.slices.push(SliceTally {
                    name: label.into_owned(),
                    first: [None, None],
                    rows: [0, 0],
                });
                s
            }
        };
        let tally = &mut self.slices[s as usize];
        tally.first[side as usize].get_or_insert(self.rows[side as usize]);
        tally.rows[side as usize] += 1;
        s
    }

    /// The metrics (the defaults: sentiment and every numeric field of the
    /// windows' rows), their values by slice and window, and the slices in
    /// report order; the first error in the order the rows were visited.
    pub(crate) fn finish(self, config: &MonitorConfig) -> Result<Finished> {
        let Tally {
            asked,
            text,
            mut numbers,
            numeric,
            tags,
            slice_by,
            mut slices,
            sample,
            slice_found,
            ..
        } = self;
        let mut notes = Vec::new();
        let names: Vec<String> = if asked.is_empty() {
            let mut names = vec!["sentiment".to_string()];
            names.extend(numeric.iter().cloned());
            notes.push(format!(
                "metrics: sentiment of the outputs and every numeric field ({}); choose with --metric",
                names.join(", ")
            ));
            names
        } else {
            asked
        };
        let info = DataInfo {
            numeric_fields: numeric.clone(),
            partial: numeric.clone(),
            ..DataInfo::default()
        };
        let mut text: Vec<Option<TextMetric>> = text.into_iter().map(Some).collect();
        let mut metrics_out = Vec::new();
        let mut values = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let own = text
                .iter_mut()
                .find(|t| t.as_ref().is_some_and(|t| t.name == *name))
                .and_then(Option::take);
            if let Some(t) = own {
                // A text metric: its values were taken as the rows came.
                if let Some(e) = t.errors.into_iter().flatten().next() {
                    return Err(e);
                }
                metrics_out.push(t.metric);
                values.push(t.values);
                continue;
            }
            if NEEDS_REFERENCE.contains(&name.as_str()) && !numeric.contains(name) {
                return Err(Error::Usage(format!(
                    "--metric {name}: it compares outputs with references, which live logs do not have; monitor uses reference-free metrics: sentiment, copied_facts (against the input), json_valid, json_schema, regex, contains --contains TEXT, exec, and numeric fields ({})",
                    numeric.iter().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            if !numeric.contains(name) {
                // Not a numeric field: the error the name has with the data known.
                let metric = metrics::build(name, &config.metric_options, &info)?;
                metrics_out.push(metric);
                values.push(Vec::new());
                continue;
            }
            // A numeric field, read as its own metric: text on some row is an error.
            if let Some((_, at)) = tags.iter().find(|(n, _)| n == name) {
                if let Some(at) = at.iter().flatten().next() {
                    return Err(Error::input(
                        Location::file(&at.path).at_line(at.line).with_field(name),
                        format!(
                            "metric {name}: expected a number for this metric, found \"{}\"",
                            at.text
                        ),
                    ));
                }
            }
            let own = DataInfo {
                tool_metrics: BTreeSet::from([name.clone()]),
                ..info.clone()
            };
            metrics_out.push(metrics::build(name, &config.metric_options, &own)?);
            values.push(if names[i + 1..].contains(name) {
                numbers.get(name).cloned().unwrap_or_default()
            } else {
                numbers.remove(name).unwrap_or_default()
            });
        }
        // Slices in the order the reference window's rows, then the current
        // window's, first show them.
        if let Some(field) = slice_by.as_ref().filter(|_| !slice_found) {
            let fields: Vec<&str> = tags.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::Usage(format!(
                "--slice-by {field}: no row has a field \"{field}\"; fields that can slice: {}",
                if fields.is_empty() {
                    "none".to_string()
                } else {
                    fields.join(", ")
                }
            )));
        }
        if slices.is_empty() && slice_by.is_none() {
            slices.push(SliceTally {
                name: String::new(),
                first: [None, None],
                rows: [0, 0],
            });
        }
        let mut order: Vec<usize> = (0..slices.len()).collect();
        order.sort_by_key(|&s| match slices[s].first {
            [Some(r), _] => (0, r),
            [None, c] => (1, c.unwrap_or(u64::MAX)),
        });
        let mut renumber = vec![0u32; slices.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old] = u32::try_from(new).unwrap_or(u32::MAX);
        }
        let values = values
            .into_iter()
            .map(|mut columns: Columns| {
                columns.resize_with(slices.len(), Default::default);
                order
                    .iter()
                    .map(|&old| std::mem::take(&mut columns[old]))
                    .collect()
            })
            .collect();
        let (sample, sampled_from) = match sample {
            Some(r) => {
                let seen = r.seen;
                let mut kept = r.into_sorted();
                for s in &mut kept {
                    s.slice = renumber[s.slice as usize];
                }
                (kept, seen)
            }
            None => (Vec::new(), 0),
        };
        let (slice_names, counts) = order
            .iter()
            .map(|&s| (std::mem::take(&mut slices[s].name), slices[s].rows))
            .unzip();
        Ok(Finished {
            metrics: metrics_out,
            values,
            slice_names,
            counts,
            notes,
            sample,
            sampled_from,
        })
    }
}

/// The values of `slice` in `columns`, grown to hold it.
fn column(columns: &mut Columns, slice: u32) -> &mut [Vec<f64>; 2] {
    let s = slice as usize;
    if columns.len() <= s {
        columns.resize_with(s + 1, Default::default);
    }
    &mut columns[s]
}

/// A metric's value on one row (`None`: it has none).
fn score_row(metric: &dyn Metric, row: &Row, path: &Path) -> Result<Option<f64>> {
    let mut buf = vec![0.0; metric.arity()];
    metric
        .stats(row, &mut buf)
        .map(|()| {
            metric
                .has_value(&buf)
                .then(|| metric.example_score(&buf))
                .filter(|x| x.is_finite())
        })
        .map_err(|e| {
            Error::input(
                Location::file(path).at_line(row.line).with_field(e.field),
                format!("metric {}: {}", metric.name(), e.message),
            )
        })
}

/// An input of the current window kept in the sample.
#[derive(Debug, Clone)]
pub(crate) struct Sampled {
    /// Its place among the inputs offered (file order).
    pub order: u64,
    /// The row's id.
    pub id: String,
    /// The input.
    pub input: String,
    /// What the model answered.
    pub output: String,
    /// Its slice.
    pub slice: u32,
}

/// A uniform sample of at most `size` of the items offered, whatever their
/// number, in one pass (Vitter 1985, "Random sampling with a reservoir",
/// algorithm R): the `k`-th item offered replaces a random kept one with
/// probability `size/k`. Seeded, so a run is reproducible; when no more than
/// `size` are offered, every one is kept.
pub(crate) struct Reservoir {
    size: usize,
    seen: u64,
    rng: Xoshiro256PlusPlus,
    kept: Vec<Sampled>,
}

impl Reservoir {
    fn new(size: usize, seed: u64) -> Reservoir {
        Reservoir {
            size,
            seen: 0,
            rng: stream(seed, SALT_RESERVOIR, 0),
            kept: Vec::new(),
        }
    }

    /// Offers one item, made only when it is kept.
    fn offer(&mut self, item: impl FnOnce() -> Sampled) {
        let order = self.seen;
        self.seen += 1;
        if self.kept.len() < self.size {
            self.kept.push(Sampled { order, ..item() });
            return;
        }
        let j = index_below(
            &mut self.rng,
            usize::try_from(self.seen).unwrap_or(usize::MAX),
        );
        if j < self.size {
            self.kept[j] = Sampled { order, ..item() };
        }
    }

    /// The items kept, in the order they were offered.
    fn into_sorted(mut self) -> Vec<Sampled> {
        self.kept.sort_by_key(|s| s.order);
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Sampled {
        Sampled {
            order: 0,
            id: String::new(),
            input: String::new(),
            output: String::new(),
            slice: 0,
        }
    }

    #[test]
    fn a_reservoir_keeps_everything_up_to_its_size_and_a_uniform_sample_beyond() {
        let mut small = Reservoir::new(10, 1);
        for _ in 0..7 {
            small.offer(item);
        }
        let kept: Vec<u64> = small.into_sorted().iter().map(|s| s.order).collect();
        assert_eq!(kept, (0..7).collect::<Vec<_>>());
        // Each of 100 items is kept with probability 1/10: over 2,000 seeds
        // every item's count is near 200.
        let mut counts = [0u32; 100];
        for seed in 0..2_000 {
            let mut r = Reservoir::new(10, seed);
            for _ in 0..100 {
                r.offer(item);
            }
            let kept = r.into_sorted();
            assert_eq!(kept.len(), 10);
            assert!(kept.windows(2).all(|w| w[0].order < w[1].order));
            for s in kept {
                counts[s.order as usize] += 1;
            }
        }
        // Binomial(2000, 0.1): sd 13.4; 5 sd either side.
        assert!(
            counts.iter().all(|&c| (133..=267).contains(&c)),
            "{counts:?}"
        );
    }
}
