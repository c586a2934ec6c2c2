//! `review sample`: a stratified, seeded sample of the compared examples, as a
//! blind sheet and its key.
//!
//! Each paired example falls in one stratum by the metrics' per-example votes
//! (a metric votes "better" when the current output scores higher on it,
//! "worse" when lower, by its direction): more better votes than worse is
//! *improved*, more worse than better is *regressed*, a draw is *unchanged*.
//! Examples whose two outputs are the same text are *identical*: they are never
//! put on the sheet (a reviewer can only say "tie") and count as ties.
//!
//! The sheet's `n` rows are split over regressed, improved and unchanged by
//! the shares asked for (default 40 / 40 / 20 %, largest remainder); a stratum
//! with too few examples gives its unused rows to the others in proportion to
//! their shares. Within a stratum the rows are a uniform random draw, and the
//! sheet's row order is shuffled so that strata do not come in blocks.

use std::path::PathBuf;

use crate::align::{self, Aligned};
use crate::error::{Error, Result};
use crate::load::{self, FieldMap};
use crate::metrics::MetricOptions;
use crate::score::{self, MetricScores};
use crate::stats::rng::{index_below, stream};

use super::{Key, KeyMetric, KeyRow, Side, Stratum, StratumCount};

#[cfg(any(test, feature = "internals"))]
/// Default shares of regressed, improved and unchanged rows.
pub const DEFAULT_SHARES: [f64; 3] = [0.4, 0.4, 0.2];

/// Settings of `review sample`.
#[derive(Debug, Clone)]
pub struct SampleConfig {
    /// Baseline result file.
    pub baseline: PathBuf,
    /// Current result file(s).
    pub current: Vec<PathBuf>,
    /// Field names.
    pub fields: FieldMap,
    /// Metrics that decide the strata (empty: compare's defaults).
    pub metrics: Vec<String>,
    /// Metric options.
    pub options: MetricOptions,
    /// Rows on the sheet (fewer when there are fewer examples to review).
    pub n: usize,
    /// Shares of regressed, improved and unchanged rows.
    pub shares: [f64; 3],
    /// Seed of the draw and the A/B order.
    pub seed: u64,
}

/// One row of the sheet as the reviewer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// Row number (1-based).
    pub row: usize,
    /// Example id.
    pub id: String,
    /// The model input.
    pub input: String,
    /// The reference(s).
    pub references: Vec<String>,
    /// Output A.
    pub output_a: String,
    /// Output B.
    pub output_b: String,
}

/// A drawn sample: the blind sheet and its key.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Rows for the reviewer.
    pub rows: Vec<SheetRow>,
    /// The key.
    pub key: Key,
}

const SALT_DRAW: u64 = 0x5EE7;
const SALT_AB: u64 = 0x5EE8;

/// Loads both runs, scores them and draws the sample.
pub fn sample(config: &SampleConfig) -> Result<Sample> {
    let total: f64 = config.shares.iter().sum();
    if config.shares.iter().any(|s| !s.is_finite() || *s < 0.0) || total <= 0.0 {
        return Err(Error::Settings(format!(
            "the shares of regressed, improved and unchanged rows must be numbers ≥ 0 with a positive sum, got {:?}",
            config.shares
        )));
    }
    if config.n == 0 {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    let baseline = load::load(&config.baseline, &config.fields)?;
    let current = load::load_all(&config.current, &config.fields)?;
    let aligned = align::align(align::group(baseline)?, align::group(current)?);
    if aligned.baseline.is_empty() {
        return Err(Error::Settings(format!(
            "no example id appears in both {} and {}; check that both files use the same ids (and --id-field)",
            config.baseline.display(),
            config.current[0].display()
        )));
    }
    let metrics = score::choose_metrics(&config.metrics, &[], &config.options, &aligned)?;
    let scores = score::score(&aligned, metrics, (&config.baseline, &config.current[0]))?;
    let strata = classify(&aligned, &scores);
    Ok(draw(config, &aligned, &scores, &strata))
}

/// The stratum of every paired example.
pub fn classify(aligned: &Aligned, scores: &[MetricScores]) -> Vec<Stratum> {
    (0..aligned.baseline.len())
        .map(|i| {
            let b = aligned.baseline[i].first().prediction.trim();
            let c = aligned.current[i].first().prediction.trim();
            if b == c {
                return Stratum::Identical;
            }
            let mut net = 0i64;
            for s in scores {
                let (bs, cs) = s.example_scores(i);
                let gain = (cs - bs) * s.metric.direction().sign();
                if gain > 0.0 {
                    net += 1;
                } else if gain < 0.0 {
                    net -= 1;
                }
            }
            match net.cmp(&0) {
                std::cmp::Ordering::Less => Stratum::Regressed,
                std::cmp::Ordering::Greater => Stratum::Improved,
                std::cmp::Ordering::Equal => Stratum::Unchanged,
            }
        })
        .collect()
}

/// How many rows each of regressed, improved and unchanged gets: `n` split by
/// `shares` with largest remainders, capped at what each stratum has, the
/// rows a stratum cannot use going to the others by their shares.
pub fn allocate(n: usize, shares: [f64; 3], available: [usize; 3]) -> [usize; 3] {
    let mut take = [0usize; 3];
    let mut left = n.min(available.iter().sum());
    while left > 0 {
        let open: Vec<usize> = (0..3).filter(|&h| take[h] < available[h]).collect();
        // Strata with a zero share fill in only when no other stratum can.
        let positive: Vec<usize> = open.iter().copied().filter(|&h| shares[h] > 0.0).collect();
        let (group, weights): (Vec<usize>, Vec<f64>) = if positive.is_empty() {
            let w = 1.0 / open.len() as f64;
            (open.clone(), vec![w; open.len()])
        } else {
            let total: f64 = positive.iter().map(|&h| shares[h]).sum();
            let w = positive.iter().map(|&h| shares[h] / total).collect();
            (positive, w)
        };
        let exact: Vec<f64> = weights.iter().map(|w| w * left as f64).collect();
        let mut give: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        let rest = left.saturating_sub(give.iter().sum());
        let mut order: Vec<usize> = (0..group.len()).collect();
        order.sort_by(|&a, &b| {
            (exact[b] - exact[b].floor())
                .total_cmp(&(exact[a] - exact[a].floor()))
                .then(a.cmp(&b))
        });
        // The floors leave fewer than `group.len()` rows over.
        for &o in order.iter().take(rest) {
            give[o] += 1;
        }
        // Every row of `left` went to a stratum of `group`, one of which has
        // room: each round places at least one row.
        let mut used = 0;
        for (o, &h) in group.iter().enumerate() {
            let g = give[o].min(available[h] - take[h]);
            take[h] += g;
            used += g;
        }
        if used == 0 {
            break;
        }
        left -= used;
    }
    take
}

fn shuffle<T>(items: &mut [T], rng: &mut impl rand_core::RngCore) {
    for i in (1..items.len()).rev() {
        let j = index_below(rng, i + 1);
        items.swap(i, j);
    }
}

fn draw(
    config: &SampleConfig,
    aligned: &Aligned,
    scores: &[MetricScores],
    strata: &[Stratum],
) -> Sample {
    let drawn_strata = [Stratum::Regressed, Stratum::Improved, Stratum::Unchanged];
    let mut pools: Vec<Vec<usize>> = drawn_strata
        .iter()
        .map(|s| (0..strata.len()).filter(|&i| strata[i] == *s).collect())
        .collect();
    let available = [pools[0].len(), pools[1].len(), pools[2].len()];
    let take = allocate(config.n, config.shares, available);
    let mut rng = stream(config.seed, SALT_DRAW, 0);
    let mut chosen: Vec<usize> = Vec::new();
    for (pool, &k) in pools.iter_mut().zip(&take) {
        shuffle(pool, &mut rng);
        chosen.extend(pool.iter().take(k));
    }
    shuffle(&mut chosen, &mut rng);
    let mut rows = Vec::with_capacity(chosen.len());
    let mut key_rows = Vec::with_capacity(chosen.len());
    for (r, &i) in chosen.iter().enumerate() {
        let base = aligned.baseline[i].first();
        let cur = aligned.current[i].first();
        let mut ab = stream(config.seed, SALT_AB, r as u64);
        let a = if rand_core::RngCore::next_u64(&mut ab) & 1 == 0 {
            Side::Baseline
        } else {
            Side::Current
        };
        let (output_a, output_b) = match a {
            Side::Baseline => (&base.prediction, &cur.prediction),
            Side::Current => (&cur.prediction, &base.prediction),
        };
        rows.push(SheetRow {
            row: r + 1,
            id: base.id.to_string(),
            input: base
                .input
                .as_ref()
                .or(cur.input.as_ref())
                .map(|t| t.to_string())
                .unwrap_or_default(),
            references: base.references.iter().map(|t| t.to_string()).collect(),
            output_a: output_a.to_string(),
            output_b: output_b.to_string(),
        });
        key_rows.push(KeyRow {
            row: r + 1,
            id: base.id.to_string(),
            stratum: strata[i],
            a,
            scores: scores
                .iter()
                .map(|s| {
                    let (b, c) = s.example_scores(i);
                    [b, c]
                })
                .collect(),
        });
    }
    let mut counts = Vec::new();
    for s in Stratum::ALL {
        let population = strata.iter().filter(|&&x| x == s).count();
        let sampled = key_rows.iter().filter(|r| r.stratum == s).count();
        counts.push(StratumCount {
            stratum: s,
            population,
            sampled,
        });
    }
    let key = Key {
        benchgate_review_key: 1,
        seed: config.seed,
        baseline: config.baseline.display().to_string(),
        current: config
            .current
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        metrics: scores
            .iter()
            .map(|s| KeyMetric {
                name: s.metric.name().to_string(),
                direction: s.metric.direction(),
            })
            .collect(),
        strata: counts,
        rows: key_rows,
    };
    Sample { rows, key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_follows_shares() {
        assert_eq!(allocate(60, DEFAULT_SHARES, [100, 100, 100]), [24, 24, 12]);
        assert_eq!(allocate(10, DEFAULT_SHARES, [100, 100, 100]), [4, 4, 2]);
        assert_eq!(allocate(7, [1.0, 1.0, 1.0], [100, 100, 100]), [3, 2, 2]);
    }

    #[test]
    fn short_strata_give_their_rows_away() {
        assert_eq!(allocate(60, DEFAULT_SHARES, [5, 100, 100]), [5, 37, 18]);
        assert_eq!(allocate(60, DEFAULT_SHARES, [5, 3, 100]), [5, 3, 52]);
        assert_eq!(allocate(60, DEFAULT_SHARES, [5, 3, 2]), [5, 3, 2]);
        assert_eq!(allocate(10, [1.0, 0.0, 0.0], [4, 100, 100]), [4, 3, 3]);
    }
}
