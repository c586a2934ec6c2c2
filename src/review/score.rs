//! `review score`: the human verdict from a filled sheet and its key.
//!
//! - **Win rate** of the current run over the baseline: a row scores 1 when the
//!   reviewer preferred the current output, 0 for the baseline, ½ for a tie.
//!   The sample is stratified, so the rate is weighted back to all compared
//!   examples: each stratum's mean counts by its share of the compared
//!   examples, and identical outputs count as ties. Its interval is a
//!   percentile bootstrap that resamples reviewed rows within each stratum.
//!   The unweighted rate of the sheet's rows is reported too.
//! - **Sign test**: exact two-sided binomial test of wins against losses (ties
//!   left out), as `scipy.stats.binomtest(wins, wins + losses, 0.5)`.
//! - **Metric agreement**: a metric "prefers" the output it scores higher (by
//!   its direction), or neither on equal scores; its agreement rate is the
//!   share of reviewed rows where that matches the reviewer's preference
//!   (current / baseline / tie), and Cohen's kappa corrects it for chance
//!   (as `sklearn.metrics.cohen_kappa_score`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::stats::percentile_ci;
use crate::stats::rng::{index_below, stream};

use super::sheet::{self, Answer, Preference};
use super::{Key, Side, Stratum};

/// Settings of the interval.
#[derive(Debug, Clone, Copy)]
pub struct ScoreSettings {
    /// Confidence level of the win rate's interval.
    pub confidence: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for ScoreSettings {
    fn default() -> Self {
        ScoreSettings {
            confidence: 0.95,
            resamples: 10_000,
            seed: 12_345,
        }
    }
}

/// One stratum's part of the verdict.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StratumResult {
    /// The stratum.
    pub stratum: Stratum,
    /// Compared examples in it.
    pub population: usize,
    /// Rows on the sheet.
    pub sampled: usize,
    /// Rows reviewed.
    pub reviewed: usize,
    /// Its win rate (ties ½); identical outputs are ½ by definition; `None` when
    /// no row of it was reviewed.
    pub win_rate: Option<f64>,
}

/// How one metric agreed with the reviewers.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricAgreement {
    /// Metric name.
    pub metric: String,
    /// Reviewed rows compared.
    pub n: usize,
    /// Share of rows where the metric preferred what the reviewer preferred.
    pub agreement: f64,
    /// Cohen's kappa (`NaN` when chance agreement is 1).
    pub kappa: f64,
}

/// The human verdict.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HumanReport {
    /// The sheet.
    pub sheet: String,
    /// Rows on the sheet.
    pub rows: usize,
    /// Rows with a preference.
    pub reviewed: usize,
    /// Reviewed rows preferring the current output.
    pub wins: usize,
    /// Reviewed rows preferring the baseline output.
    pub losses: usize,
    /// Reviewed rows with a tie.
    pub ties: usize,
    /// Win rate over all compared examples (stratum-weighted, ties ½).
    pub win_rate: f64,
    /// Lower end of its interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Win rate of the reviewed rows, unweighted.
    pub sample_win_rate: f64,
    /// Two-sided sign-test p-value of wins against losses.
    pub sign_test_p: f64,
    /// Per stratum.
    pub strata: Vec<StratumResult>,
    /// Per metric of the key.
    pub metrics: Vec<MetricAgreement>,
    /// Mean 1–5 scores of the baseline and current outputs, where given.
    pub mean_scores: Option<[f64; 2]>,
    /// Confidence level of the interval.
    pub confidence: f64,
    /// Things to know.
    pub warnings: Vec<String>,
    /// The gate's floor on `win_rate` (`--min human_win_rate=…`), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<f64>,
}

/// What the reviewer preferred, by run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Pick {
    Baseline,
    Current,
    Tie,
}

/// Reads the sheet and key and computes the verdict.
pub fn score(sheet_path: &Path, key_path: &Path, settings: ScoreSettings) -> Result<HumanReport> {
    let key = Key::read(key_path)?;
    let (answers, problems) = sheet::read_lenient(sheet_path)?;
    verdict(&key, &answers, problems, sheet_path, settings)
}

/// The verdict of read answers against their key; `problems` are the sheet's
/// unreadable rows, reported together with rows that do not match the key.
pub fn verdict(
    key: &Key,
    answers: &[Answer],
    mut problems: Vec<Error>,
    sheet_path: &Path,
    settings: ScoreSettings,
) -> Result<HumanReport> {
    let by_row: HashMap<usize, usize> = key
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.row, i))
        .collect();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    // (key row index, pick, scores)
    let mut reviewed: Vec<(usize, Pick, [Option<u8>; 2])> = Vec::new();
    for a in answers {
        let at = |field: &str| Location::file(sheet_path).at_line(a.line).with_field(field);
        let Some(&k) = by_row.get(&a.row) else {
            problems.push(Error::input(
                at("row"),
                format!(
                    "row {} is not in the key (rows 1–{}); was the row added by hand, or is this the key of another sheet?",
                    a.row,
                    key.rows.len()
                ),
            ));
            continue;
        };
        if let Some(first) = seen.insert(a.row, a.line) {
            problems.push(Error::input(
                at("row"),
                format!(
                    "row {} appears twice (also on line {first}); keep one",
                    a.row
                ),
            ));
            continue;
        }
        let key_id = &key.rows[k].id;
        if !a.id.is_empty() && a.id != *key_id && a.id != sheet::spreadsheet_safe(key_id) {
            problems.push(Error::input(
                at("id"),
                format!(
                    "row {}: id \"{}\" is not the key's \"{}\"; the row number and id must stay together",
                    a.row, a.id, key_id
                ),
            ));
            continue;
        }
        let Some(p) = a.preference else { continue };
        let a_side = key.rows[k].a;
        let pick = match (p, a_side) {
            (Preference::Tie, _) => Pick::Tie,
            (Preference::A, Side::Current) | (Preference::B, Side::Baseline) => Pick::Current,
            (Preference::A, Side::Baseline) | (Preference::B, Side::Current) => Pick::Baseline,
        };
        // Scores in (baseline, current) order.
        let scores = match a_side {
            Side::Baseline => a.scores,
            Side::Current => [a.scores[1], a.scores[0]],
        };
        reviewed.push((k, pick, scores));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|e| match e {
            Error::Input { location, .. } => location.line.unwrap_or(0),
            _ => 0,
        });
        return Err(Error::Rows(problems));
    }
    if reviewed.is_empty() {
        return Err(Error::input(
            Location::file(sheet_path).with_field("preference"),
            "no row has a preference yet; fill the preference column with A, B or tie",
        ));
    }
    reviewed.sort_by_key(|r| key.rows[r.0].row);
    let value = |p: Pick| match p {
        Pick::Current => 1.0,
        Pick::Baseline => 0.0,
        Pick::Tie => 0.5,
    };
    let wins = reviewed.iter().filter(|r| r.1 == Pick::Current).count();
    let losses = reviewed.iter().filter(|r| r.1 == Pick::Baseline).count();
    let ties = reviewed.len() - wins - losses;
    let sample_win_rate = reviewed.iter().map(|r| value(r.1)).sum::<f64>() / reviewed.len() as f64;

    let mut warnings = Vec::new();
    let mut outcomes: BTreeMap<Stratum, Vec<f64>> = BTreeMap::new();
    for r in &reviewed {
        outcomes
            .entry(key.rows[r.0].stratum)
            .or_default()
            .push(value(r.1));
    }
    let mut strata = Vec::new();
    // (weight, outcomes) of the strata in the estimate; identical ones are fixed at ½.
    let mut parts: Vec<(f64, Vec<f64>)> = Vec::new();
    let total: usize = key.strata.iter().map(|s| s.population).sum();
    let mut left_out = 0usize;
    for s in &key.strata {
        let values = outcomes.remove(&s.stratum).unwrap_or_default();
        let win_rate = if s.stratum == Stratum::Identical {
            (s.population > 0).then_some(0.5)
        } else if values.is_empty() {
            None
        } else {
            Some(values.iter().sum::<f64>() / values.len() as f64)
        };
        if s.population > 0 {
            if s.stratum == Stratum::Identical {
                parts.push((s.population as f64, vec![0.5]));
            } else if values.is_empty() {
                left_out += s.population;
                warnings.push(format!(
                    "no reviewed row is {} ({} compared examples): left out of the win rate",
                    s.stratum.name(),
                    s.population
                ));
            } else {
                parts.push((s.population as f64, values.clone()));
            }
        }
        strata.push(StratumResult {
            stratum: s.stratum,
            population: s.population,
            sampled: s.sampled,
            reviewed: values.len(),
            win_rate,
        });
    }
    let weight_sum: f64 = parts.iter().map(|p| p.0).sum();
    let (win_rate, ci_low, ci_high) = if total == 0 || weight_sum == 0.0 {
        // A hand-made key without strata: the sheet is the whole population.
        let boot = bootstrap(
            &[(1.0, reviewed.iter().map(|r| value(r.1)).collect())],
            settings,
        );
        let (lo, hi) = percentile_ci(&boot, settings.confidence);
        (sample_win_rate, lo, hi)
    } else {
        let estimate = parts
            .iter()
            .map(|(w, v)| w / weight_sum * v.iter().sum::<f64>() / v.len() as f64)
            .sum();
        let boot = bootstrap(&parts, settings);
        let (lo, hi) = percentile_ci(&boot, settings.confidence);
        (estimate, lo, hi)
    };
    if left_out > 0 {
        warnings.push(format!(
            "the win rate stands for {} of {} compared examples",
            total - left_out,
            total
        ));
    }
    let unreviewed = key.rows.len() - reviewed.len();
    if unreviewed > 0 {
        warnings.push(format!(
            "{unreviewed} of {} rows have no preference yet",
            key.rows.len()
        ));
    }

    let human: Vec<Pick> = reviewed.iter().map(|r| r.1).collect();
    let metrics = key
        .metrics
        .iter()
        .enumerate()
        .map(|(m, metric)| {
            let machine: Vec<Pick> = reviewed
                .iter()
                .map(|r| {
                    let [b, c] = key.rows[r.0].scores[m];
                    let gain = (c - b) * metric.direction.sign();
                    if gain > 0.0 {
                        Pick::Current
                    } else if gain < 0.0 {
                        Pick::Baseline
                    } else {
                        Pick::Tie
                    }
                })
                .collect();
            let agree = human.iter().zip(&machine).filter(|(a, b)| a == b).count();
            MetricAgreement {
                metric: metric.name.clone(),
                n: human.len(),
                agreement: agree as f64 / human.len() as f64,
                kappa: cohen_kappa(&human, &machine),
            }
        })
        .collect();
    let scored: Vec<[u8; 2]> = reviewed
        .iter()
        .filter_map(|r| Some([r.2[0]?, r.2[1]?]))
        .collect();
    let mean_scores = (!scored.is_empty()).then(|| {
        let n = scored.len() as f64;
        [
            scored.iter().map(|s| f64::from(s[0])).sum::<f64>() / n,
            scored.iter().map(|s| f64::from(s[1])).sum::<f64>() / n,
        ]
    });
    Ok(HumanReport {
        sheet: sheet_path.display().to_string(),
        rows: key.rows.len(),
        reviewed: reviewed.len(),
        wins,
        losses,
        ties,
        win_rate,
        ci_low,
        ci_high,
        sample_win_rate,
        sign_test_p: sign_test(wins, losses),
        strata,
        metrics,
        mean_scores,
        confidence: settings.confidence,
        warnings,
        floor: None,
    })
}

/// Stratified bootstrap of the weighted mean: each resample redraws every
/// stratum's outcomes with replacement.
fn bootstrap(parts: &[(f64, Vec<f64>)], settings: ScoreSettings) -> Vec<f64> {
    let weight_sum: f64 = parts.iter().map(|p| p.0).sum();
    (0..settings.resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = stream(settings.seed, 0x4B_4D, b as u64);
            parts
                .iter()
                .map(|(w, v)| {
                    let sum: f64 = (0..v.len())
                        .map(|_| v[index_below(&mut rng, v.len())])
                        .sum();
                    w / weight_sum * sum / v.len() as f64
                })
                .sum()
        })
        .collect()
}

/// Exact two-sided sign test: `P(X ≤ min(w, l)) · 2` for X ~ Binomial(w + l, ½),
/// capped at 1 (1 when there are no wins or losses).
pub fn sign_test(wins: usize, losses: usize) -> f64 {
    let n = wins + losses;
    if n == 0 || wins == losses {
        return 1.0;
    }
    let k = wins.min(losses);
    // ln C(n, i) built up term by term; the sum is taken relative to its
    // largest term so that large n does not underflow.
    let nf = n as f64;
    let mut ln_c = 0.0;
    let mut terms = Vec::with_capacity(k + 1);
    for i in 0..=k {
        if i > 0 {
            ln_c += (nf - (i - 1) as f64).ln() - (i as f64).ln();
        }
        terms.push(ln_c - nf * std::f64::consts::LN_2);
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tail = max.exp() * terms.iter().map(|t| (t - max).exp()).sum::<f64>();
    (2.0 * tail).min(1.0)
}

/// Cohen's kappa of two label lists (same length).
fn cohen_kappa<T: Eq + std::hash::Hash + Copy>(a: &[T], b: &[T]) -> f64 {
    let n = a.len() as f64;
    if a.is_empty() {
        return f64::NAN;
    }
    let mut ca: HashMap<T, f64> = HashMap::new();
    let mut cb: HashMap<T, f64> = HashMap::new();
    let mut agree = 0.0;
    for (x, y) in a.iter().zip(b) {
        *ca.entry(*x).or_default() += 1.0;
        *cb.entry(*y).or_default() += 1.0;
        if x == y {
            agree += 1.0;
        }
    }
    let po = agree / n;
    let pe: f64 = ca
        .iter()
        .map(|(label, &c)| c / n * cb.get(label).copied().unwrap_or(0.0) / n)
        .sum();
    if pe >= 1.0 {
        return f64::NAN;
    }
    (po - pe) / (1.0 - pe)
}

/// Cohen's kappa of two lists of labels, exposed for the goldens.
pub fn kappa(a: &[String], b: &[String]) -> f64 {
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    cohen_kappa(&a, &b)
}
