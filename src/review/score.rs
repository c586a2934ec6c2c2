//! `review score`: the human verdict from a filled sheet and its key.
//!
//! - **Win rate** of the current run over the baseline: a row scores 1 when the
//!   reviewer preferred the current output, 0 for the baseline, ½ for a tie.
//!   The sample is stratified, so the rate is weighted back to all compared
//!   examples: each stratum's mean counts by its share of the compared
//!   examples, and identical outputs count as ties. Its interval is Wilson's
//!   score interval at Kish's effective sample size of the stratified sample,
//!   and its test of "reviewers are indifferent" (rate ½) the score test at the
//!   same size ([`crate::stats::proportion`]): the interval excludes ½ exactly
//!   when the test rejects, and it never has zero width on finite strata.
//!   The unweighted rate of the sheet's rows is reported too.
//! - **Sign test**: exact two-sided binomial test of wins against losses (ties
//!   left out), as `scipy.stats.binomtest(wins, wins + losses, 0.5)` — only for
//!   an unstratified sheet. On a stratified one the rows were drawn in fixed
//!   shares from the examples that got worse and better, so the sheet's wins
//!   and losses balance by design: a sign test over it tests the design, not
//!   the model, and is left out (`null`).
//! - **Metric agreement**: a metric "prefers" the output it scores higher (by
//!   its direction), or neither on equal scores; its agreement rate is the
//!   share of reviewed rows where that matches the reviewer's preference
//!   (current / baseline / tie), and Cohen's kappa corrects it for chance
//!   (as `sklearn.metrics.cohen_kappa_score`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::stats::proportion::{stratified_rate, Sampled};

use super::sheet::{self, Answer, Preference};
use super::{Key, Side, Stratum};

use super::verdict::{HumanReport, MetricAgreement, StratumResult};

/// Settings of the interval.
#[derive(Debug, Clone, Copy)]
pub struct ScoreSettings {
    /// Confidence level of the win rate's interval.
    pub confidence: f64,
}

impl Default for ScoreSettings {
    fn default() -> Self {
        ScoreSettings { confidence: 0.95 }
    }
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
    problems: Vec<Error>,
    sheet_path: &Path,
    settings: ScoreSettings,
) -> Result<HumanReport> {
    let reviewed = reviewed_rows(key, answers, problems, sheet_path)?;
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
    // (weight, outcomes) of the sampled strata in the estimate, and the
    // identical ones, known to be ½.
    let mut parts: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut known: Vec<(f64, f64)> = Vec::new();
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
                known.push((s.population as f64, 0.5));
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
    let stratified = !parts.is_empty();
    if !stratified {
        // A hand-made key without strata: the sheet is the whole sample.
        parts = vec![(1.0, reviewed.iter().map(|r| value(r.1)).collect())];
        known.clear();
    }
    let sampled: Vec<Sampled<'_>> = parts
        .iter()
        .map(|(weight, outcomes)| Sampled {
            weight: *weight,
            outcomes,
        })
        .collect();
    let rate = stratified_rate(&sampled, &known, settings.confidence);
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
        win_rate: rate.estimate,
        ci_low: rate.ci_low,
        ci_high: rate.ci_high,
        sample_win_rate,
        p_value: rate.p_half,
        effective_n: rate.effective_n,
        sign_test_p: (!stratified).then(|| sign_test(wins, losses)),
        strata,
        metrics,
        mean_scores,
        confidence: settings.confidence,
        warnings,
        floor: None,
    })
}

/// A reviewed row: the key row's index, what the reviewer preferred, and the
/// scores given, in (baseline, current) order.
type Reviewed = (usize, Pick, [Option<u8>; 2]);

/// The sheet's answers matched to the key's rows, in the key's order: every
/// row that is not the key's, appears twice or lost its id is an error
/// naming its line (all of them at once, with `problems` from reading);
/// rows without a preference are left out, and a sheet with none is an error.
fn reviewed_rows(
    key: &Key,
    answers: &[Answer],
    mut problems: Vec<Error>,
    sheet_path: &Path,
) -> Result<Vec<Reviewed>> {
    let by_row: HashMap<usize, usize> = key
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.row, i))
        .collect();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    // (key row index, pick, scores)
    let mut reviewed: Vec<Reviewed> = Vec::new();
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
    Ok(reviewed)
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

#[cfg(any(test, feature = "internals"))]
/// Cohen's kappa of two lists of labels, exposed for the goldens.
pub fn kappa(a: &[String], b: &[String]) -> f64 {
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    cohen_kappa(&a, &b)
}
