//! Per-example statistics of both sides, the slice groups, and the design matrix
//! that resampling works on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;

use crate::align::{Aligned, Example};
use crate::design::{Clusters, Design, Layout};
use crate::diagnostic::{Code, Diagnostic, Warning};
use crate::error::{Error, Location, Result};
use crate::load::record::format_number;
use crate::load::Row;
use crate::metrics::reuse::Stored;
use crate::metrics::{self, Metric, MetricOptions};

/// One metric's statistics for every paired example, both sides.
pub struct MetricScores {
    /// The metric.
    pub metric: Box<dyn Metric>,
    /// Baseline statistics, `n × arity`, averaged over repeated samples.
    pub base: Vec<f64>,
    /// Current statistics, same shape.
    pub cur: Vec<f64>,
    /// What scoring found that the report should say.
    pub notes: Vec<Warning>,
    /// Each example's spread over its repeated samples, baseline then
    /// current: present when some example has more than one sample.
    pub samples: Option<Box<[Vec<SampleSpread>; 2]>>,
    /// How many predictions were computed and how many reused, for a metric
    /// whose stored values could stand in ([`crate::metrics::reuse`]).
    pub reuse: Option<Reused>,
}

/// How one example's repeated samples of a metric spread (its own noise).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SampleSpread {
    /// Samples with a value.
    pub n: usize,
    /// Their lowest per-sample score.
    pub min: f64,
    /// Their highest.
    pub max: f64,
    /// Their standard deviation (n − 1 in the denominator; 0 for one sample).
    pub sd: f64,
    /// Their mean absolute difference over all pairs of samples (Gini's mean
    /// difference; for 0/1 scores, the share of pairs that disagree: the flip
    /// rate). 0 for one sample.
    pub mean_difference: f64,
    /// Every sample scored 0 or 1.
    pub binary: bool,
}

impl SampleSpread {
    /// The spread of per-sample `scores` (sorted in place).
    pub fn of(scores: &mut [f64]) -> Self {
        let n = scores.len();
        if n == 0 {
            return SampleSpread::default();
        }
        scores.sort_by(f64::total_cmp);
        let binary = scores.iter().all(|&x| x == 0.0 || x == 1.0);
        let mean = scores.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return SampleSpread {
                n,
                min: scores[0],
                max: scores[0],
                binary,
                ..SampleSpread::default()
            };
        }
        let var = scores.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // Σ_{i<j} (x_(j) − x_(i)) = Σ_j x_(j)·(2j − n + 1) over sorted values.
        let pairs = (n * (n - 1) / 2) as f64;
        let sum: f64 = scores
            .iter()
            .enumerate()
            .map(|(j, x)| x * (2.0 * j as f64 - n as f64 + 1.0))
            .sum();
        SampleSpread {
            n,
            min: scores[0],
            max: scores[n - 1],
            sd: var.sqrt(),
            mean_difference: sum / pairs,
            binary,
        }
    }
}

/// Predictions (rows of both sides) a reusable metric computed, of all it
/// scored; the rest took their values from stored files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Reused {
    /// Predictions computed.
    pub computed: usize,
    /// Predictions scored (computed or reused).
    pub total: usize,
}

impl MetricScores {
    /// Corpus values (baseline, current) over the examples in `members`
    /// (every example when `None`).
    pub fn corpus_values(&self, members: Option<&[usize]>) -> (f64, f64) {
        let k = self.metric.arity();
        let n = self.base.len() / k.max(1);
        let mut sb = vec![0.0; k];
        let mut sc = vec![0.0; k];
        let mut add = |i: usize| {
            for j in 0..k {
                sb[j] += self.base[i * k + j];
                sc[j] += self.cur[i * k + j];
            }
        };
        let count = match members {
            Some(m) => {
                m.iter().for_each(|&i| add(i));
                m.len()
            }
            None => {
                (0..n).for_each(&mut add);
                n
            }
        };
        let count = count as f64;
        (
            self.metric.corpus(&sb, count),
            self.metric.corpus(&sc, count),
        )
    }

    /// How many of the examples in `members` (every example when `None`) have
    /// a value for the metric: all of them, but for a partial metric.
    pub fn count(&self, members: Option<&[usize]>) -> usize {
        let k = self.metric.arity().max(1);
        let has = |i: usize| self.metric.has_value(&self.base[i * k..(i + 1) * k]);
        match members {
            Some(m) => m.iter().filter(|&&i| has(i)).count(),
            None => (0..self.base.len() / k).filter(|&i| has(i)).count(),
        }
    }

    /// Per-example scores (baseline, current) of example `i`.
    pub fn example_scores(&self, i: usize) -> (f64, f64) {
        let k = self.metric.arity();
        (
            self.metric.example_score(&self.base[i * k..(i + 1) * k]),
            self.metric.example_score(&self.cur[i * k..(i + 1) * k]),
        )
    }
}

/// Statistics of `metric` for each example, averaged over its samples.
pub fn score_examples(examples: &[Example], metric: &dyn Metric, path: &Path) -> Result<Vec<f64>> {
    let refs: Vec<&Example> = examples.iter().collect();
    Ok(score_examples_with_spread(&refs, metric, path)?.0)
}

/// [`score_examples`], and each example's spread over its repeated samples
/// when some example has more than one.
pub fn score_examples_with_spread(
    examples: &[&Example],
    metric: &dyn Metric,
    path: &Path,
) -> Result<(Vec<f64>, Option<Vec<SampleSpread>>)> {
    let k = metric.arity();
    let repeated =
        examples.iter().any(|e| e.samples.len() > 1) || metric.judgements_per_sample() > 1;
    let per_example: Vec<Result<(Vec<f64>, SampleSpread)>> = examples
        .par_iter()
        .map(|example| {
            let mut acc = vec![0.0; k];
            let mut buf = vec![0.0; k];
            let mut scores = Vec::new();
            for row in &example.samples {
                metric.stats(row, &mut buf).map_err(|e| {
                    Error::input(
                        Location::file(path).at_line(row.line).with_field(e.field),
                        format!("metric {}: {}", metric.name(), e.message),
                    )
                })?;
                for (a, b) in acc.iter_mut().zip(&buf) {
                    *a += b;
                }
                if repeated && metric.has_value(&buf) {
                    // A judge's repeated judgements of the sample, else its score.
                    match metric.judgements(row) {
                        Some(each) => scores.extend(each),
                        None => scores.push(metric.example_score(&buf)),
                    }
                }
            }
            let samples = example.samples.len() as f64;
            acc.iter_mut().for_each(|a| *a /= samples);
            // A partial metric: the mean of the samples that have a value (an
            // Inspect scorer that ran on some epochs), the example counting once.
            if metric.counts_present() {
                let present = acc[k - 1];
                if present > 0.0 {
                    acc.iter_mut().for_each(|a| *a /= present);
                }
            }
            Ok((acc, SampleSpread::of(&mut scores)))
        })
        .collect();
    let mut out = Vec::with_capacity(examples.len() * k);
    let mut spreads = Vec::with_capacity(if repeated { examples.len() } else { 0 });
    for r in per_example {
        let (stats, spread) = r?;
        out.extend(stats);
        if repeated {
            spreads.push(spread);
        }
    }
    Ok((out, repeated.then_some(spreads)))
}

/// What the metrics `names` need to know of the data before scoring: numeric
/// fields, and the label set when `macro_f1` is among them (collecting labels
/// reads every text, so it is skipped otherwise).
pub fn data_info<'a>(
    examples: impl Iterator<Item = &'a Example> + Clone,
    names: &[String],
) -> metrics::DataInfo {
    let (numeric_fields, _) = numeric_fields(examples.clone());
    metrics::DataInfo {
        numeric_fields,
        labels: labels_if_needed(examples, names),
        ..metrics::DataInfo::default()
    }
}

/// Every prediction and first reference, when `macro_f1` is asked for.
fn labels_if_needed<'a>(
    examples: impl Iterator<Item = &'a Example>,
    names: &[String],
) -> BTreeSet<String> {
    let mut labels = BTreeSet::new();
    if !names.iter().any(|n| n == "macro_f1") {
        return labels;
    }
    for e in examples {
        for row in &e.samples {
            labels.insert(row.prediction.to_string());
            if let Some(r) = row.references.first() {
                labels.insert(r.to_string());
            }
        }
    }
    labels
}

/// Numeric fields seen in any row, and those present in every row.
pub fn numeric_fields<'a>(
    examples: impl Iterator<Item = &'a Example>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut any = BTreeSet::new();
    let mut every: Option<BTreeSet<String>> = None;
    // Rows of one file mostly share their fields: only a row whose names differ
    // from the previous row's changes the sets.
    let mut previous: Option<&crate::load::record::Fields<f64>> = None;
    for e in examples {
        for row in &e.samples {
            if previous.is_some_and(|p| p.keys().eq(row.numbers.keys())) {
                continue;
            }
            previous = Some(&row.numbers);
            let keys: BTreeSet<String> = row.numbers.keys().map(|k| k.to_string()).collect();
            any.extend(keys.iter().cloned());
            every = Some(match every {
                None => keys,
                Some(prev) => prev.intersection(&keys).cloned().collect(),
            });
        }
    }
    (any, every.unwrap_or_default())
}

/// The metrics to compare: those asked for, or the defaults for the data
/// (`exact_match` and `f1` when every example has a reference, every numeric
/// field present in every row of both sides, and every metric configured in a
/// `[metric.NAME]` section).
pub fn choose_metrics(
    names: &[String],
    configured: &[String],
    options: &MetricOptions,
    aligned: &Aligned,
) -> Result<Vec<Box<dyn Metric>>> {
    let all = aligned.baseline.iter().chain(&aligned.current);
    let (any, every) = numeric_fields(all.clone());
    let mut info = metrics::DataInfo {
        numeric_fields: any,
        ..metrics::DataInfo::default()
    };
    mark_tool_metrics(&mut info, aligned.tools.iter().flatten(), &every);
    let names: Vec<String> = if names.is_empty() {
        if let Some(defaults) =
            tool_defaults(aligned, (&info.numeric_fields, &every), &info.partial)?
        {
            let mut defaults = defaults;
            defaults.extend(configured.iter().cloned());
            defaults
        } else {
            text_defaults(aligned, &every, configured)?
        }
    } else {
        names.to_vec()
    };
    info.labels = labels_if_needed(all, &names);
    let mut seen = BTreeSet::new();
    names
        .iter()
        .filter(|n| seen.insert((*n).clone()))
        .map(|n| metrics::build(n, options, &info))
        .collect()
}

/// Marks the tools' metrics in `info`: those that are a number in some row are
/// the tool's under their own names (even where a built-in metric has the
/// same name: Inspect's `f1` scorer is Inspect's), and of them those some row
/// lacks are partial (lm-eval per task and filter, an Inspect scorer that did
/// not run on every sample, a promptfoo named score absent from an error
/// result): they score the rows that have them, so a tool's metric is never
/// dropped from the comparison for being absent somewhere. `every` holds the
/// numeric fields every row has.
pub fn mark_tool_metrics<'a>(
    info: &mut metrics::DataInfo,
    tools: impl Iterator<Item = &'a crate::load::ToolInfo>,
    every: &BTreeSet<String>,
) {
    for tool in tools {
        for m in &tool.metrics {
            if info.numeric_fields.contains(m) {
                info.tool_metrics.insert(m.clone());
                if !every.contains(m) {
                    info.partial.insert(m.clone());
                }
            }
        }
    }
}

/// The default metrics of a comparison of a tool's files: the tool's own
/// per-sample metrics that every compared example has — or, for a partial
/// metric, that some example has in both runs. `None` when neither side came
/// from a tool; an error when a side did and none of its metrics can be
/// compared — a gate must never pass over metrics nobody asked for.
fn tool_defaults(
    aligned: &Aligned,
    (numeric, every): (&BTreeSet<String>, &BTreeSet<String>),
    partial: &BTreeSet<String>,
) -> Result<Option<Vec<String>>> {
    let [base, cur] = &aligned.tools;
    let (tool, wanted): (&str, Vec<&String>) = match (base, cur) {
        (None, None) => return Ok(None),
        (Some(b), Some(c)) => (
            &b.tool,
            b.metrics.iter().filter(|m| c.metrics.contains(m)).collect(),
        ),
        (Some(t), None) | (None, Some(t)) => (&t.tool, t.metrics.iter().collect()),
    };
    let in_both = |m: &str| {
        aligned.baseline.iter().zip(&aligned.current).any(|(b, c)| {
            b.samples.iter().any(|r| r.numbers.contains_key(m))
                && c.samples.iter().any(|r| r.numbers.contains_key(m))
        })
    };
    let found: Vec<String> = wanted
        .iter()
        .filter(|m| every.contains(m.as_str()) || (partial.contains(m.as_str()) && in_both(m)))
        .map(|m| (*m).clone())
        .collect();
    if !found.is_empty() {
        return Ok(Some(found));
    }
    // No metric of the tool's is a number on any row: the run holds no scores.
    let none = |t: &Option<crate::load::ToolInfo>| {
        t.as_ref()
            .is_none_or(|t| !t.metrics.iter().any(|m| numeric.contains(m)))
    };
    if none(base) && none(cur) {
        return Err(Error::Settings(format!(
            "no metric to compare: the {tool} files hold no per-sample scores (no scorer ran, or every score is missing); name the metrics to compare with --metric (text metrics such as exact_match run only when asked for)"
        )));
    }
    let listed = |t: &Option<crate::load::ToolInfo>| {
        t.as_ref().map_or("none".to_string(), |t| {
            if t.metrics.is_empty() {
                "none".to_string()
            } else {
                t.metrics.join(", ")
            }
        })
    };
    Err(Error::Settings(format!(
        "no metric to compare: the {tool} files name per-sample metrics (baseline: {}; current: {}) but none is a number on every example of both runs; name the metrics to compare with --metric (text metrics such as exact_match run only when asked for)",
        listed(base),
        listed(cur)
    )))
}

/// The default metrics of plain result files: `exact_match` and `f1` when
/// every example has a reference, every numeric field all examples have, and
/// the metrics of `benchgate.toml`.
fn text_defaults(
    aligned: &Aligned,
    every: &BTreeSet<String>,
    configured: &[String],
) -> Result<Vec<String>> {
    {
        let mut defaults = Vec::new();
        if aligned
            .baseline
            .iter()
            .all(|e| !e.first().references.is_empty())
        {
            defaults.extend(["exact_match".to_string(), "f1".to_string()]);
        }
        defaults.extend(every.iter().cloned());
        defaults.extend(configured.iter().cloned());
        if defaults.is_empty() {
            return Err(Error::Settings(
                "no metric to compare: the inputs have no references and no numeric fields; name one with --metric".into(),
            ));
        }
        Ok(defaults)
    }
}

/// Scores both sides of every paired example for every metric.
pub fn score(
    aligned: &Aligned,
    metrics: Vec<Box<dyn Metric>>,
    paths: (&Path, &Path),
) -> Result<Vec<MetricScores>> {
    score_with_progress(aligned, metrics, paths, &Stored::default(), &Tick::NONE)
}

/// How far scoring is, for a progress bar.
#[derive(Clone, Copy)]
pub struct Tick<'a> {
    /// The number of examples scored (per metric and side) since the last call.
    pub scored: &'a dyn Fn(u64),
    /// What a slow step is doing now ("llm_judge: 12 of 30 judge requests").
    pub note: &'a dyn Fn(&str),
}

impl Tick<'_> {
    /// Reports nothing.
    pub const NONE: Tick<'static> = Tick {
        scored: &|_| {},
        note: &|_| {},
    };

    /// The `calls` a judge named `name` reports to: `(done, total)` requests.
    fn calls(&self, name: &str, done: usize, total: usize) {
        (self.note)(&format!("{name}: {done} of {total} judge requests"));
        if done == total {
            (self.note)("");
        }
    }
}

/// [`score`], taking the values of expensive metrics from `stored` where
/// they would come out the same (same settings hash, same example key: see
/// [`crate::metrics::reuse`]) and telling `tick` how far it is as it goes.
pub fn score_with_progress(
    aligned: &Aligned,
    metrics: Vec<Box<dyn Metric>>,
    paths: (&Path, &Path),
    stored: &Stored,
    tick: &Tick<'_>,
) -> Result<Vec<MetricScores>> {
    // Collected once, and only when a metric scores in batches (BERTScore).
    let rows = std::cell::OnceCell::new();
    let rows = || {
        rows.get_or_init(|| {
            let all: Vec<&crate::load::Row> = aligned
                .baseline
                .iter()
                .chain(&aligned.current)
                .flat_map(|e| &e.samples)
                .collect();
            let idf: Vec<&crate::load::Row> =
                aligned.baseline.iter().flat_map(|e| &e.samples).collect();
            (all, idf)
        })
    };
    metrics
        .into_iter()
        .map(|mut metric| {
            let sides = [
                (aligned.baseline.as_slice(), paths.0),
                (aligned.current.as_slice(), paths.1),
            ];
            let Scored {
                values,
                reuse,
                mut notes,
                spreads,
            } = if metric.is_paired() {
                score_paired(metric.as_mut(), aligned, tick)?
            } else {
                score_metric(metric.as_mut(), &sides, &rows, stored, tick)?
            };
            let [mut base, mut cur]: [Vec<f64>; 2] = values
                .try_into()
                .map_err(|_| Error::Internal("scoring lost a side".into()))?;
            check_sums(metric.as_ref(), [&base, &cur], [paths.0, paths.1])?;
            notes.extend(pair_values(metric.as_ref(), &mut base, &mut cur));
            let samples = match spreads {
                Some([b, c]) if b.is_some() || c.is_some() => {
                    // One side without repeats: each example's one sample.
                    let single = |stats: &[f64]| {
                        stats
                            .chunks(metric.arity().max(1))
                            .map(|chunk| SampleSpread::of(&mut [metric.example_score(chunk)]))
                            .collect()
                    };
                    let b = b.unwrap_or_else(|| single(&base));
                    let c = c.unwrap_or_else(|| single(&cur));
                    Some(Box::new([b, c]))
                }
                _ => None,
            };
            Ok(MetricScores {
                metric,
                base,
                cur,
                notes,
                samples,
                reuse,
            })
        })
        .collect()
}

/// One metric's scoring of both sides.
pub struct Scored {
    /// Each side's statistics.
    pub values: Vec<Vec<f64>>,
    /// The predictions computed when stored values could stand in.
    pub reuse: Option<Reused>,
    /// Notes for the report.
    pub notes: Vec<Warning>,
    /// Each side's spreads over repeated samples, when every example was
    /// computed (stored values carry no samples: a metric that reused values
    /// reports no noise).
    pub spreads: Option<[Option<Vec<SampleSpread>>; 2]>,
}

/// Every row to score, and the rows whose references weigh BERTScore's idf.
pub type RowSets<'a> = (Vec<&'a Row>, Vec<&'a Row>);

/// One metric's statistics of each side's examples (the file each came from
/// names its errors). Where the metric's stored values stand in
/// ([`crate::metrics::reuse`]: same settings hash, same example key) they are
/// taken from `stored`, and only the other examples are computed (a batch
/// metric is prepared with their rows alone). Returns the statistics, how many
/// predictions were computed when values could be reused, and notes for the
/// report. `rows` gives every row and the idf rows, collected only when asked.
pub fn score_metric<'a>(
    metric: &mut dyn Metric,
    sides: &[(&'a [Example], &Path)],
    rows: &dyn Fn() -> &'a RowSets<'a>,
    stored: &Stored,
    tick: &Tick<'_>,
) -> Result<Scored> {
    let mut notes = Vec::new();
    let name = metric.name().to_string();
    let calls = |done, total| tick.calls(&name, done, total);
    let reusable = (!stored.is_empty() && stored.has_metric(metric.name()))
        .then(|| {
            let idf: &[&Row] = if metric.needs_rows() { &rows().1 } else { &[] };
            metric.reuse(idf)
        })
        .flatten()
        .filter(|_| metric.arity() == 1 && !metric.counts_present());
    let found = reusable
        .as_ref()
        .and_then(|r| Some((r.key, stored.get(metric.name(), &r.settings)?)));
    let Some((kind, values)) = found else {
        if reusable.is_some() {
            notes.push(Diagnostic::new(
                Code::StaleStoredValues,
                format!(
                    "{}: the stored values were computed with other settings (model, layers, idf, rescaling, command, rubric or other judge setting, or benchgate version), so every prediction was scored",
                    metric.name()
                ),
            ));
        }
        if metric.needs_rows() {
            let (all, idf) = rows();
            metric.prepare(all, idf, &calls)?;
        }
        let mut out = Vec::with_capacity(sides.len());
        let mut spreads = Vec::with_capacity(sides.len());
        for (examples, path) in sides {
            let refs: Vec<&Example> = examples.iter().collect();
            let (values, spread) = score_examples_with_spread(&refs, &*metric, path)?;
            out.push(values);
            spreads.push(spread);
            (tick.scored)(examples.len() as u64);
        }
        let spreads = <[Option<Vec<SampleSpread>>; 2]>::try_from(spreads).ok();
        return Ok(Scored {
            values: out,
            reuse: None,
            notes,
            spreads,
        });
    };
    let found: Vec<Vec<Option<f64>>> = sides
        .iter()
        .map(|(examples, _)| {
            examples
                .par_iter()
                .map(|e| values.get(&kind.key(&e.samples)).copied())
                .collect()
        })
        .collect();
    let todo: Vec<Vec<&Example>> = sides
        .iter()
        .zip(&found)
        .map(|((examples, _), f)| unfound(examples, f))
        .collect();
    if metric.needs_rows() {
        let to_score: Vec<&Row> = todo.iter().flatten().flat_map(|e| &e.samples).collect();
        metric.prepare(&to_score, &rows().1, &calls)?;
    }
    let samples =
        |es: &mut dyn Iterator<Item = &Example>| es.map(|e| e.samples.len()).sum::<usize>();
    let reuse = Reused {
        computed: samples(&mut todo.iter().flatten().copied()),
        total: samples(&mut sides.iter().flat_map(|(es, _)| es.iter())),
    };
    // A judge asked several times per output measures its own noise on the
    // outputs it judged now; a stored value is one number (a spread of one).
    let judged_noise = metric.judgements_per_sample() > 1;
    let mut out = Vec::with_capacity(sides.len());
    let mut spreads = Vec::with_capacity(sides.len());
    for (((examples, path), found), todo) in sides.iter().zip(found).zip(&todo) {
        let (computed, computed_spread) = score_examples_with_spread(todo, &*metric, path)?;
        let mut computed = computed.into_iter();
        let mut computed_spread = computed_spread.unwrap_or_default().into_iter();
        let mut side_spread = Vec::new();
        out.push(
            found
                .into_iter()
                .map(|f| {
                    let x = f.or_else(|| computed.next()).unwrap_or(f64::NAN);
                    if judged_noise {
                        side_spread.push(match f {
                            Some(stored) => SampleSpread::of(&mut [stored]),
                            None => computed_spread.next().unwrap_or_default(),
                        });
                    }
                    x
                })
                .collect(),
        );
        spreads.push(judged_noise.then_some(side_spread));
        (tick.scored)(examples.len() as u64);
    }
    Ok(Scored {
        values: out,
        reuse: Some(reuse),
        notes,
        spreads: if judged_noise {
            <[Option<Vec<SampleSpread>>; 2]>::try_from(spreads).ok()
        } else {
            None
        },
    })
}

/// A paired metric's statistics (`llm_pairwise`): each aligned example's
/// two sides scored together, once.
fn score_paired(metric: &mut dyn Metric, aligned: &Aligned, tick: &Tick<'_>) -> Result<Scored> {
    let pairs: Vec<(&[crate::load::Row], &[crate::load::Row])> = aligned
        .baseline
        .iter()
        .zip(&aligned.current)
        .map(|(b, c)| (b.samples.as_slice(), c.samples.as_slice()))
        .collect();
    let name = metric.name().to_string();
    let values = metric.score_pairs(&pairs, &|done, total| tick.calls(&name, done, total))?;
    if values.len() != pairs.len() {
        return Err(Error::Internal(format!(
            "{}: scored {} of {} examples",
            metric.name(),
            values.len(),
            pairs.len()
        )));
    }
    (tick.scored)(2 * pairs.len() as u64);
    let (base, cur) = values.into_iter().map(|[b, c]| (b, c)).unzip();
    Ok(Scored {
        values: vec![base, cur],
        reuse: None,
        notes: Vec::new(),
        spreads: None,
    })
}

/// The examples of `side` that `found` has no value for.
fn unfound<'a>(side: &'a [Example], found: &[Option<f64>]) -> Vec<&'a Example> {
    side.iter()
        .zip(found)
        .filter(|(_, f)| f.is_none())
        .map(|(e, _)| e)
        .collect()
}

/// Every sum the statistics can form must stay finite: a corpus value, a
/// paired difference, and any resample's column sum (at most about `n` values
/// of the largest magnitude, twice over for a difference). Values near 1e307
/// would overflow to infinity and then NaN, which no comparison can read.
fn check_sums(metric: &dyn Metric, sides: [&[f64]; 2], paths: [&Path; 2]) -> Result<()> {
    let largest = |stats: &[f64]| stats.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let [base, cur] = [largest(sides[0]), largest(sides[1])];
    let k = metric.arity().max(1);
    let n = (sides[0].len() / k).max(sides[1].len() / k).max(1) as f64;
    let bound = 4.0 * n * base.max(cur);
    if bound.is_finite() {
        return Ok(());
    }
    let (path, value) = if base >= cur {
        (paths[0], base)
    } else {
        (paths[1], cur)
    };
    Err(Error::input(
        Location::file(path).with_field(metric.name()),
        format!(
            "metric {}: values as large as {value:e} over {n} examples overflow a sum to infinity (no interval or p-value can be computed from it); rescale the field (e.g. to thousands or millions of its unit)",
            metric.name()
        ),
    ))
}

/// A partial metric compares the examples that have a value in both runs:
/// an example with a value in one run only (its task reports the metric in
/// that run alone) is left out of both sides, with a note.
fn pair_values(metric: &dyn Metric, base: &mut [f64], cur: &mut [f64]) -> Vec<Warning> {
    let k = metric.arity().max(1);
    let mut one_sided = 0usize;
    for (b, c) in base.chunks_mut(k).zip(cur.chunks_mut(k)) {
        if metric.has_value(b) != metric.has_value(c) {
            b.fill(0.0);
            c.fill(0.0);
            one_sided += 1;
        }
    }
    if one_sided == 0 {
        return Vec::new();
    }
    vec![Diagnostic::new(
        Code::OneSidedValues,
        format!(
            "{}: {one_sided} examples have a value in only one of the two runs (a task or scorer that reports it in one run alone, a score missing on one side); it compares the examples that have it in both",
            metric.name()
        ),
    )]
}

/// Slice groups: group `g ≥ 1` is `keys[g - 1]` = (field, value).
#[derive(Debug, Clone, Default)]
pub struct Slices {
    /// (field, value) of each group after group 0.
    pub keys: Vec<(String, String)>,
    /// Groups (≥ 1) of each example.
    pub membership: Vec<Vec<u32>>,
    /// Members of each group after group 0.
    pub members: Vec<Vec<usize>>,
}

/// Groups examples by the values of the `fields` tags (baseline's tag, else the
/// current one's; examples without the tag go to "(none)").
pub fn slices(aligned: &Aligned, fields: &[String]) -> Result<Slices> {
    let mut by_key: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for field in fields {
        let mut found = false;
        for (i, (b, c)) in aligned.baseline.iter().zip(&aligned.current).enumerate() {
            let value = tag(b, field).or_else(|| tag(c, field));
            found |= value.is_some();
            let value = value.unwrap_or_else(|| "(none)".into());
            by_key.entry((field.clone(), value)).or_default().push(i);
        }
        if !found && !aligned.baseline.is_empty() {
            let mut fields: BTreeSet<&str> = BTreeSet::new();
            for e in aligned.baseline.iter().chain(&aligned.current) {
                fields.extend(e.first().tags.keys().map(|k| k.as_str()));
            }
            let available = if fields.is_empty() {
                "the inputs have no text or boolean fields besides id, prediction, reference and input".to_string()
            } else {
                format!(
                    "fields that can slice: {}",
                    fields.into_iter().collect::<Vec<_>>().join(", ")
                )
            };
            return Err(Error::Usage(format!(
                "--slice-by {field}: no example has a field \"{field}\"; {available}"
            )));
        }
    }
    let mut out = Slices {
        membership: vec![Vec::new(); aligned.baseline.len()],
        ..Slices::default()
    };
    for (g, (key, members)) in by_key.into_iter().enumerate() {
        let g = u32::try_from(g + 1).map_err(|_| Error::Usage("too many slices".into()))?;
        for &i in &members {
            out.membership[i].push(g);
        }
        out.keys.push(key);
        out.members.push(members);
    }
    Ok(out)
}

/// The clusters of `--cluster-by FIELD`: examples with equal values of the
/// field (baseline's, else the current one's) are one cluster; an example
/// without it is a cluster of its own, and the returned count says how many
/// were. An error when no example has the field.
pub fn clusters(aligned: &Aligned, field: &str) -> Result<(Clusters, usize)> {
    let mut without = 0;
    let labels: Vec<String> = aligned
        .baseline
        .iter()
        .zip(&aligned.current)
        .enumerate()
        .map(|(i, (b, c))| {
            tag(b, field).or_else(|| tag(c, field)).map_or_else(
                || {
                    without += 1;
                    // A label no value can take: its own cluster.
                    format!("\u{0}{i}")
                },
                |v| format!("={v}"),
            )
        })
        .collect();
    if without == labels.len() && !labels.is_empty() {
        let mut fields: BTreeSet<&str> = BTreeSet::new();
        for e in aligned.baseline.iter().chain(&aligned.current) {
            fields.extend(e.first().tags.keys().map(|k| k.as_str()));
        }
        return Err(Error::Usage(format!(
            "--cluster-by {field}: no example has a field \"{field}\"; fields it could be: {}",
            if fields.is_empty() {
                "none (the inputs have no text fields besides id, prediction, reference and input)"
                    .to_string()
            } else {
                fields.into_iter().collect::<Vec<_>>().join(", ")
            }
        )));
    }
    Ok((Clusters::from_labels(&labels), without))
}

/// The value of field `field` of example `e` (its first row), as text.
pub(crate) fn tag(e: &Example, field: &str) -> Option<String> {
    let row = e.first();
    row.tags
        .get(field)
        .map(|t| t.to_string())
        .or_else(|| row.numbers.get(field).map(|x| format_number(*x)))
}

/// The design matrix: a paired-difference column per mean metric, baseline and
/// current statistics per corpus metric.
pub fn design(scores: &[MetricScores], slices: &Slices) -> (Design, Vec<Layout>) {
    let mut layouts = Vec::with_capacity(scores.len());
    let mut width = 0;
    for s in scores {
        let k = s.metric.arity();
        if s.metric.is_mean() {
            layouts.push(Layout::Delta { col: width });
            width += 1;
        } else {
            layouts.push(Layout::Corpus {
                base: width,
                cur: width + k,
                k,
            });
            width += 2 * k;
        }
    }
    let n = scores
        .first()
        .map_or(0, |s| s.base.len() / s.metric.arity().max(1));
    let mut data = vec![0.0; n * width];
    for (s, layout) in scores.iter().zip(&layouts) {
        for i in 0..n {
            let row = &mut data[i * width..(i + 1) * width];
            match *layout {
                Layout::Delta { col } => row[col] = s.cur[i] - s.base[i],
                Layout::Corpus { base, cur, k } => {
                    row[base..base + k].copy_from_slice(&s.base[i * k..(i + 1) * k]);
                    row[cur..cur + k].copy_from_slice(&s.cur[i * k..(i + 1) * k]);
                }
            }
        }
    }
    let design = Design::new(n, width, data).with_groups(slices.keys.len() + 1, &slices.membership);
    (design, layouts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_spread_is_the_flip_rate_of_0_1_scores() {
        // Pairs (1,0), (1,1), (0,1): two of three disagree.
        let s = SampleSpread::of(&mut [1.0, 0.0, 1.0]);
        assert!((s.mean_difference - 2.0 / 3.0).abs() < 1e-12, "{s:?}");
        assert!(s.binary);
        assert_eq!((s.n, s.min, s.max), (3, 0.0, 1.0));
        assert!((s.sd - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // Graded: |0.2−0.5|, |0.2−0.9|, |0.5−0.9| average 1.4/3.
        let s = SampleSpread::of(&mut [0.9, 0.2, 0.5]);
        assert!((s.mean_difference - 1.4 / 3.0).abs() < 1e-12, "{s:?}");
        assert!(!s.binary);
        let one = SampleSpread::of(&mut [0.4]);
        assert_eq!((one.n, one.mean_difference, one.sd), (1, 0.0, 0.0));
    }
    use crate::load::{Dataset, Row, ToolInfo};

    /// A side from a tool whose metric `m` some samples lack: `(id, m)` rows.
    fn side(rows: &[(&str, Option<f64>)]) -> crate::align::Side {
        let rows = rows
            .iter()
            .map(|(id, m)| {
                let mut row = Row::new(*id, "p", vec![]);
                row.numbers.insert("n", 1.0);
                if let Some(x) = m {
                    row.numbers.insert("m", *x);
                }
                row
            })
            .collect();
        let data = Dataset {
            path: "t.eval".into(),
            rows,
            header: None,
            tool: Some(ToolInfo {
                tool: "inspect".into(),
                metrics: vec!["m".into(), "n".into()],
                ..ToolInfo::default()
            }),
            stored: Default::default(),
        };
        crate::align::group(data).expect("groups")
    }

    #[test]
    fn a_tool_metric_some_samples_lack_is_compared_where_both_sides_have_it() {
        // Example a: two epochs, one without m (its mean is the other's);
        // b lacks m in the current run; c has it on both sides.
        let base = side(&[
            ("a", Some(1.0)),
            ("a", None),
            ("b", Some(1.0)),
            ("c", Some(0.0)),
        ]);
        let cur = side(&[
            ("a", Some(0.5)),
            ("a", Some(0.0)),
            ("b", None),
            ("c", Some(1.0)),
        ]);
        let aligned = crate::align::align(base, cur);
        let metrics =
            choose_metrics(&[], &[], &MetricOptions::default(), &aligned).expect("chosen");
        let names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["m", "n"], "m is a default though some rows lack it");
        assert!(metrics[0].counts_present() && !metrics[1].counts_present());
        let scores = score(&aligned, metrics, (Path::new("b"), Path::new("c"))).expect("scored");
        let m = &scores[0];
        assert_eq!(m.count(None), 2);
        // Baseline: a = 1 (its one scored epoch), c = 0; current: a = 0.25, c = 1.
        assert_eq!(m.corpus_values(None), (0.5, 0.625));
        assert_eq!(m.notes.len(), 1, "b, scored on one side only, is left out");
        assert!(scores[1].notes.is_empty());
    }
}
