//! Each example's own noise, from repeated samples (epochs, repeats, seeds):
//! which examples are flaky, which changes are solid, and which ids a workflow
//! should re-run with more samples.
//!
//! The rules, per example and metric (per-sample scores as the metric scores
//! one sample; a side's samples are those of one run):
//!
//! - **Spread of a side**: Gini's mean difference — the mean absolute
//!   difference over all pairs of samples. For a 0/1 metric it is the *flip
//!   rate*, the share of sample pairs that disagree; the within-example
//!   standard deviation is reported beside it.
//! - **Flaky**: at least two baseline samples whose mean difference, as a share
//!   of the metric's range, exceeds the threshold (`--flaky-threshold`,
//!   default 0.1). The range is 1 for 0/1 metrics and for metrics on [0, 1]
//!   (ROUGE, F1, …), else the spread of the baseline's per-sample scores over
//!   all examples. With the default, a 0/1 metric is flaky on any
//!   disagreement among up to 20 samples (one pair in ten), and a graded one
//!   when its samples differ by more than 10 points on average.
//! - **Solid**: at least two samples on each side, and every current sample
//!   worse than every baseline sample (a solid regression) or better than
//!   every one (a solid improvement). Solid wins over flaky: a change beyond
//!   the baseline's whole spread is one whatever that spread.
//! - **Uncertain** (what `--rerun-out` writes): flaky, or changed (the
//!   example's mean score differs) without being solid. With one sample per
//!   run nothing can be solid, so every changed example is uncertain: that
//!   list is what a re-run with more samples should cover.

use crate::metrics::Direction;
use crate::report::{MetricNoise, SampleSummary, Stability};
use crate::score::{MetricScores, SampleSpread};

/// What the samples say of one metric, example by example.
pub struct Noise {
    /// Per example: its stability when the samples can tell.
    pub stability: Vec<Option<Stability>>,
    /// Per example: uncertain (flaky, or changed but not solid).
    pub uncertain: Vec<bool>,
    /// The metric's summary for the report (`None` without repeated samples).
    pub summary: Option<MetricNoise>,
}

/// The noise of metric `s` over its `n` compared examples, with the flaky
/// rule's `threshold`.
pub fn analyse(s: &MetricScores, n: usize, threshold: f64) -> Noise {
    let changed = |i: usize| {
        let (b, c) = s.example_scores(i);
        b != c && s.metric.has_value(row(&s.base, s.metric.arity(), i))
    };
    let Some(sides) = s.samples.as_deref() else {
        return Noise {
            stability: vec![None; n],
            uncertain: (0..n).map(changed).collect(),
            summary: None,
        };
    };
    let [base, cur] = sides;
    let binary = base.iter().chain(cur).all(|x| x.n == 0 || x.binary);
    let range = if binary || s.metric.scale() == crate::metrics::Scale::Fraction {
        1.0
    } else {
        let low = base
            .iter()
            .filter(|x| x.n > 0)
            .map(|x| x.min)
            .fold(f64::INFINITY, f64::min);
        let high = base
            .iter()
            .filter(|x| x.n > 0)
            .map(|x| x.max)
            .fold(f64::NEG_INFINITY, f64::max);
        high - low
    };
    let flaky = |i: usize| {
        let b = &base[i];
        b.n >= 2 && range > 0.0 && b.mean_difference / range > threshold
    };
    let solid = |i: usize| -> Option<f64> {
        let (b, c) = (&base[i], &cur[i]);
        if b.n < 2 || c.n < 2 {
            return None;
        }
        // +1: solidly better; −1: solidly worse.
        let (worse, better) = match s.metric.direction() {
            Direction::Higher => (c.max < b.min, c.min > b.max),
            Direction::Lower => (c.min > b.max, c.max < b.min),
        };
        if worse {
            Some(-1.0)
        } else if better {
            Some(1.0)
        } else {
            None
        }
    };
    let mut stability = Vec::with_capacity(n);
    let mut uncertain = Vec::with_capacity(n);
    let (mut flaky_count, mut flaky_delta) = (0usize, 0.0f64);
    let (mut solid_worse, mut solid_better) = (0usize, 0usize);
    for (i, b) in base.iter().enumerate().take(n) {
        let way = solid(i);
        let is_flaky = flaky(i);
        match way {
            Some(w) if w < 0.0 => solid_worse += 1,
            Some(_) => solid_better += 1,
            None => {}
        }
        if is_flaky {
            flaky_count += 1;
            let (b, c) = s.example_scores(i);
            if s.metric.has_value(row(&s.base, s.metric.arity(), i)) {
                flaky_delta += c - b;
            }
        }
        stability.push(if way.is_some() {
            Some(Stability::Solid)
        } else if is_flaky {
            Some(Stability::Flaky)
        } else if b.n >= 2 {
            Some(Stability::Uncertain)
        } else {
            None
        });
        uncertain.push(way.is_none() && (is_flaky || changed(i)));
    }
    let count = s.count(None).max(1) as f64;
    let mean = |side: &[SampleSpread], f: &dyn Fn(&SampleSpread) -> f64| {
        let with: Vec<f64> = side.iter().filter(|x| x.n >= 2).map(f).collect();
        (!with.is_empty()).then(|| with.iter().sum::<f64>() / with.len() as f64)
    };
    let samples = |side: &[SampleSpread]| {
        side.iter().map(|x| x.n as f64).sum::<f64>() / side.len().max(1) as f64
    };
    let both = |f: &dyn Fn(&SampleSpread) -> f64| -> Option<[f64; 2]> {
        match (mean(base, f), mean(cur, f)) {
            (None, None) => None,
            (b, c) => Some([b.unwrap_or(0.0), c.unwrap_or(0.0)]),
        }
    };
    let summary = MetricNoise {
        samples: [samples(base), samples(cur)],
        binary,
        flip_rate: if binary {
            both(&|x| x.mean_difference)
        } else {
            None
        },
        sd: if binary {
            None
        } else {
            both(&|x| x.sd * x.sd).map(|[b, c]| [b.sqrt(), c.sqrt()])
        },
        flaky_threshold: threshold,
        flaky: flaky_count,
        flaky_delta: flaky_delta / count,
        solid_regressions: solid_worse,
        solid_improvements: solid_better,
        uncertain: uncertain.iter().filter(|&&u| u).count(),
    };
    Noise {
        stability,
        uncertain,
        summary: Some(summary),
    }
}

/// The summary of one side's samples of example `i`, when it has several.
pub fn sample_summary(s: &MetricScores, side: usize, i: usize) -> Option<SampleSummary> {
    let x = s.samples.as_deref()?[side].get(i)?;
    (x.n >= 2).then_some(SampleSummary {
        n: x.n,
        min: x.min,
        max: x.max,
        mean_difference: x.mean_difference,
        sd: x.sd,
    })
}

fn row(stats: &[f64], k: usize, i: usize) -> &[f64] {
    let k = k.max(1);
    &stats[i * k..(i + 1) * k]
}
