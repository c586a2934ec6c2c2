//! Metric–human agreement: how well each automated metric tracks human ratings
//! on the team's own data, so the team knows which metric to gate on.
//!
//! The input is a long-format file: one row per (system, input) with the
//! system's output, the reference(s) and one numeric field per human rating.
//! Every metric and every human rating becomes a systems × inputs matrix, and
//! for each (metric, human dimension) the report gives:
//!
//! - the **summary-level** correlation: for each input, the correlation across
//!   systems; then the mean over inputs (inputs where it is undefined, e.g.
//!   every system rated the same, are left out of the mean and counted);
//! - the **system-level** correlation: across systems, of the per-system means
//!   over inputs;
//! - percentile bootstrap intervals resampling systems, inputs or both
//!   (Deutsch, Dror & Roth, TACL 2021: BOOT-SYSTEMS, BOOT-INPUTS, BOOT-BOTH);
//! - a paired permutation test of "metric X correlates with the humans as well
//!   as metric Y" for every pair of metrics (their PERM-* tests): both metrics
//!   are z-scored over all cells, then rounds swap X's and Y's scores per
//!   system, per input or per cell with probability ½, and the p-value is
//!   two-sided, `(1 + #{|Δ'| ≥ |Δ|}) / (1 + rounds)`.
//!
//! Lower-is-better metrics are negated first, so a positive correlation always
//! means agreement with the humans.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand_core::RngCore as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::align::Example;
use crate::error::{Error, Location, Result};
use crate::load::record::format_number;
use crate::load::{self, FieldMap};
use crate::metrics::{self, MetricOptions};
use crate::score;
use crate::stats::correlation::Correlation;
use crate::stats::percentile_ci;
use crate::stats::rng::{index_below, stream};

/// What bootstrap and permutation rounds resample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Resampling {
    /// Systems (the rows of the matrices); inputs stay fixed.
    Systems,
    /// Inputs (the columns); systems stay fixed.
    Inputs,
    /// Both at once (Deutsch et al.'s recommendation).
    Both,
}

impl Resampling {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Resampling::Systems => "systems",
            Resampling::Inputs => "inputs",
            Resampling::Both => "both",
        }
    }
}

/// At which level a correlation is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Per input across systems, averaged over inputs.
    Summary,
    /// Across systems, of per-system means.
    System,
}

impl Level {
    /// Both levels, in report order.
    pub const ALL: [Level; 2] = [Level::Summary, Level::System];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Level::Summary => "summary",
            Level::System => "system",
        }
    }
}

/// Settings of an agreement run.
#[derive(Debug, Clone)]
pub struct AgreementConfig {
    /// The long-format file.
    pub input: PathBuf,
    /// Field holding the system name.
    pub system_field: String,
    /// Numeric fields holding human ratings.
    pub humans: Vec<String>,
    /// Metrics to correlate with them.
    pub metrics: Vec<String>,
    /// Field names of id, prediction, reference.
    pub fields: FieldMap,
    /// Metric options.
    pub options: MetricOptions,
    /// Bootstrap resamples and permutation rounds.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// What the bootstrap and the permutation test resample.
    pub resampling: Resampling,
    /// The coefficient the permutation tests compare.
    pub test_correlation: Correlation,
}

/// Systems × inputs matrices of every metric and human rating.
#[derive(Debug, Clone)]
pub struct Matrices {
    /// System names, in first-seen order (rows).
    pub systems: Vec<String>,
    /// Input ids, in first-seen order (columns).
    pub inputs: Vec<String>,
    /// Per metric: its name and `systems × inputs` scores, row-major.
    pub metrics: Vec<(String, Vec<f64>)>,
    /// Per human dimension: its name and scores, same shape.
    pub humans: Vec<(String, Vec<f64>)>,
}

impl Matrices {
    fn m(&self) -> usize {
        self.systems.len()
    }

    fn n(&self) -> usize {
        self.inputs.len()
    }
}

/// One (metric, human, level, coefficient) result.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementRow {
    /// Metric.
    pub metric: String,
    /// Human dimension.
    pub human: String,
    /// Level.
    pub level: Level,
    /// Coefficient.
    pub correlation: Correlation,
    /// The correlation on the data.
    pub value: f64,
    /// Lower end of the bootstrap interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Summary level: inputs whose correlation was defined (the mean's size).
    pub inputs_used: Option<usize>,
}

/// The permutation test of one pair of metrics.
#[derive(Debug, Clone, Serialize)]
pub struct PairTest {
    /// Human dimension.
    pub human: String,
    /// Level.
    pub level: Level,
    /// Coefficient compared.
    pub correlation: Correlation,
    /// First metric.
    pub metric_x: String,
    /// Second metric.
    pub metric_y: String,
    /// r(X, human) − r(Y, human) on the data.
    pub delta: f64,
    /// Two-sided permutation p-value of "no difference".
    pub p_value: f64,
}

/// Everything `agreement` found.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementReport {
    /// The input file.
    pub input: String,
    /// Systems (rows).
    pub systems: usize,
    /// Inputs (columns).
    pub inputs: usize,
    /// Correlations with intervals.
    pub rows: Vec<AgreementRow>,
    /// Pairwise permutation tests.
    pub tests: Vec<PairTest>,
    /// Resamples and rounds.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
    /// Confidence level.
    pub confidence: f64,
    /// What was resampled.
    pub resampling: Resampling,
}

/// Loads the file, scores it and computes every correlation, interval and test.
pub fn agreement(config: &AgreementConfig) -> Result<AgreementReport> {
    if config.humans.is_empty() || config.metrics.is_empty() {
        return Err(Error::Usage(
            "agreement needs at least one --human FIELD and one --metric NAME".into(),
        ));
    }
    crate::config::probability("confidence", config.confidence)?;
    if config.resamples < 1 {
        return Err(Error::Settings("resamples must be at least 1".into()));
    }
    let matrices = load_matrices(config)?;
    Ok(analyse(&matrices, config))
}

/// The correlations, intervals and tests of loaded matrices.
pub fn analyse(mx: &Matrices, config: &AgreementConfig) -> AgreementReport {
    let (m, n) = (mx.m(), mx.n());
    let all_sys: Vec<usize> = (0..m).collect();
    let all_inp: Vec<usize> = (0..n).collect();
    // Every (metric, human, level, coefficient), in report order.
    let mut combos = Vec::new();
    for (h, _) in mx.humans.iter().enumerate() {
        for (k, _) in mx.metrics.iter().enumerate() {
            for level in Level::ALL {
                for c in Correlation::ALL {
                    combos.push((k, h, level, c));
                }
            }
        }
    }
    let resampled: Vec<Vec<f64>> = (0..config.resamples)
        .into_par_iter()
        .map(|b| {
            let (sys, inp) = draw(config.resampling, m, n, config.seed, 0, b as u64);
            combos
                .iter()
                .map(|&(k, h, level, c)| {
                    level_correlation(&mx.metrics[k].1, &mx.humans[h].1, n, &sys, &inp, level, c).0
                })
                .collect()
        })
        .collect();
    let rows = combos
        .iter()
        .enumerate()
        .map(|(i, &(k, h, level, c))| {
            let (value, used) = level_correlation(
                &mx.metrics[k].1,
                &mx.humans[h].1,
                n,
                &all_sys,
                &all_inp,
                level,
                c,
            );
            let boot: Vec<f64> = resampled
                .iter()
                .map(|r| r[i])
                .filter(|x| x.is_finite())
                .collect();
            let (ci_low, ci_high) = if boot.is_empty() {
                (f64::NAN, f64::NAN)
            } else {
                percentile_ci(&boot, config.confidence)
            };
            AgreementRow {
                metric: mx.metrics[k].0.clone(),
                human: mx.humans[h].0.clone(),
                level,
                correlation: c,
                value,
                ci_low,
                ci_high,
                inputs_used: (level == Level::Summary).then_some(used),
            }
        })
        .collect();
    let mut tests = Vec::new();
    for (h, (human, hv)) in mx.humans.iter().enumerate() {
        for x in 0..mx.metrics.len() {
            for y in x + 1..mx.metrics.len() {
                for level in Level::ALL {
                    let salt = 1 + (h * 1_000_003 + x * 1009 + y) as u64;
                    let (delta, p_value) = permutation_test(
                        &mx.metrics[x].1,
                        &mx.metrics[y].1,
                        hv,
                        m,
                        n,
                        level,
                        config,
                        salt,
                    );
                    tests.push(PairTest {
                        human: human.clone(),
                        level,
                        correlation: config.test_correlation,
                        metric_x: mx.metrics[x].0.clone(),
                        metric_y: mx.metrics[y].0.clone(),
                        delta,
                        p_value,
                    });
                }
            }
        }
    }
    AgreementReport {
        input: config.input.display().to_string(),
        systems: m,
        inputs: n,
        rows,
        tests,
        resamples: config.resamples,
        seed: config.seed,
        confidence: config.confidence,
        resampling: config.resampling,
    }
}

/// System and input indices of one bootstrap resample.
fn draw(
    how: Resampling,
    m: usize,
    n: usize,
    seed: u64,
    salt: u64,
    b: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = stream(seed, 0xA6EE + salt, b);
    let sys = if how == Resampling::Inputs {
        (0..m).collect()
    } else {
        (0..m).map(|_| index_below(&mut rng, m)).collect()
    };
    let inp = if how == Resampling::Systems {
        (0..n).collect()
    } else {
        (0..n).map(|_| index_below(&mut rng, n)).collect()
    };
    (sys, inp)
}

/// The correlation of `x` and `h` (`m × n`, row-major, `n` columns) over the
/// rows `sys` and columns `inp` at `level`, and how many inputs contributed
/// (summary level; the number of systems' means at system level).
pub fn level_correlation(
    x: &[f64],
    h: &[f64],
    n: usize,
    sys: &[usize],
    inp: &[usize],
    level: Level,
    c: Correlation,
) -> (f64, usize) {
    match level {
        Level::Summary => {
            let mut xs = vec![0.0; sys.len()];
            let mut hs = vec![0.0; sys.len()];
            let (mut sum, mut used) = (0.0, 0usize);
            for &j in inp {
                for (t, &s) in sys.iter().enumerate() {
                    xs[t] = x[s * n + j];
                    hs[t] = h[s * n + j];
                }
                let r = c.compute(&xs, &hs);
                if r.is_finite() {
                    sum += r;
                    used += 1;
                }
            }
            let mean = if used == 0 {
                f64::NAN
            } else {
                sum / used as f64
            };
            (mean, used)
        }
        Level::System => {
            let means = |v: &[f64]| -> Vec<f64> {
                sys.iter()
                    .map(|&s| inp.iter().map(|&j| v[s * n + j]).sum::<f64>() / inp.len() as f64)
                    .collect()
            };
            (c.compute(&means(x), &means(h)), sys.len())
        }
    }
}

fn standardize(v: &[f64]) -> Vec<f64> {
    let len = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / len;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / len).sqrt();
    if sd == 0.0 || !sd.is_finite() {
        return v.iter().map(|x| x - mean).collect();
    }
    v.iter().map(|x| (x - mean) / sd).collect()
}

#[allow(clippy::too_many_arguments)]
fn permutation_test(
    x: &[f64],
    y: &[f64],
    h: &[f64],
    m: usize,
    n: usize,
    level: Level,
    config: &AgreementConfig,
    salt: u64,
) -> (f64, f64) {
    let sys: Vec<usize> = (0..m).collect();
    let inp: Vec<usize> = (0..n).collect();
    let c = config.test_correlation;
    let corr = |a: &[f64]| level_correlation(a, h, n, &sys, &inp, level, c).0;
    let (zx, zy) = (standardize(x), standardize(y));
    let observed = corr(&zx) - corr(&zy);
    if !observed.is_finite() {
        return (observed, f64::NAN);
    }
    let eps = 1e-9 * observed.abs().max(1e-12);
    let hits: usize = (0..config.resamples)
        .into_par_iter()
        .map(|r| {
            let mut rng = stream(config.seed, 0x9E3 + salt, r as u64);
            let mut px = zx.clone();
            let mut py = zy.clone();
            let mut coin = || rng.next_u64() & 1 == 1;
            let mut swap = |cell: usize| std::mem::swap(&mut px[cell], &mut py[cell]);
            match config.resampling {
                Resampling::Systems => {
                    for s in 0..m {
                        if coin() {
                            (0..n).for_each(|j| swap(s * n + j));
                        }
                    }
                }
                Resampling::Inputs => {
                    for j in 0..n {
                        if coin() {
                            (0..m).for_each(|s| swap(s * n + j));
                        }
                    }
                }
                Resampling::Both => {
                    for cell in 0..m * n {
                        if coin() {
                            swap(cell);
                        }
                    }
                }
            }
            let d = corr(&px) - corr(&py);
            usize::from(d.is_finite() && d.abs() >= observed.abs() - eps)
        })
        .sum();
    (
        observed,
        (hits as f64 + 1.0) / (config.resamples as f64 + 1.0),
    )
}

/// Reads the long-format file into matrices, scoring every row with every metric.
pub fn load_matrices(config: &AgreementConfig) -> Result<Matrices> {
    let path = &config.input;
    let data = load::load(path, &config.fields)?;
    let loc = |line: usize, field: &str| Location::file(path).at_line(line).with_field(field);
    let mut systems: Vec<String> = Vec::new();
    let mut inputs: Vec<String> = Vec::new();
    let mut sys_index: HashMap<String, usize> = HashMap::new();
    let mut inp_index: HashMap<String, usize> = HashMap::new();
    let mut cells: Vec<(usize, usize)> = Vec::with_capacity(data.rows.len());
    for row in &data.rows {
        let system = row
            .tags
            .get(&config.system_field)
            .map(|t| t.to_string())
            .or_else(|| row.numbers.get(&config.system_field).map(|x| format_number(*x)))
            .ok_or_else(|| {
                Error::input(
                    loc(row.line, &config.system_field),
                    "the row has no system name; every row needs one (set the field with --system-field, default \"system\")",
                )
            })?;
        let s = *sys_index.entry(system.clone()).or_insert_with(|| {
            systems.push(system);
            systems.len() - 1
        });
        let j = *inp_index.entry(row.id.to_string()).or_insert_with(|| {
            inputs.push(row.id.to_string());
            inputs.len() - 1
        });
        cells.push((s, j));
    }
    let (m, n) = (systems.len(), inputs.len());
    let mut seen: Vec<Option<usize>> = vec![None; m * n];
    for (row, &(s, j)) in data.rows.iter().zip(&cells) {
        if let Some(first) = seen[s * n + j] {
            return Err(Error::input(
                loc(row.line, &config.fields.id[0]),
                format!(
                    "system \"{}\" has a second row for id \"{}\" (the first is on line {first}); each system needs exactly one row per input",
                    systems[s], inputs[j]
                ),
            ));
        }
        seen[s * n + j] = Some(row.line);
    }
    if let Some(cell) = seen.iter().position(Option::is_none) {
        let missing = seen.iter().filter(|c| c.is_none()).count();
        return Err(Error::input(
            Location::file(path),
            format!(
                "system \"{}\" has no row for id \"{}\"; correlations need every system scored on every input: add the missing rows or leave that input out ({missing} (system, id) pair(s) missing)",
                systems[cell / n],
                inputs[cell % n]
            ),
        ));
    }
    if m < 2 || n < 1 {
        return Err(Error::input(
            Location::file(path),
            format!(
                "found {m} system(s) and {n} input(s); correlations need at least two systems (field \"{}\")",
                config.system_field
            ),
        ));
    }
    let mut humans = Vec::new();
    for field in &config.humans {
        let mut values = vec![0.0; m * n];
        for (row, &(s, j)) in data.rows.iter().zip(&cells) {
            values[s * n + j] = *row.numbers.get(field).ok_or_else(|| {
                let found = if row.tags.contains_key(field) {
                    "holds text, not a number"
                } else {
                    "is missing"
                };
                Error::input(
                    loc(row.line, field),
                    format!("the human rating {found}; every row needs a numeric \"{field}\""),
                )
            })?;
        }
        humans.push((field.clone(), values));
    }
    // Each row is its own example for scoring.
    let examples: Vec<Example> = data
        .rows
        .iter()
        .map(|r| Example {
            id: r.id.clone(),
            samples: vec![r.clone()],
        })
        .collect();
    let info = score::data_info(examples.iter(), &config.metrics);
    let mut metrics_out = Vec::new();
    // Metrics that score in batches (BERTScore, LLM judges) see every row first.
    let rows: Vec<&load::Row> = data.rows.iter().collect();
    for name in &config.metrics {
        let mut metric = metrics::build(name, &config.options, &info)?;
        if metric.is_paired() {
            return Err(Error::Usage(format!(
                "--metric {name}: a pairwise judge compares two runs' outputs, not one system's output with a human rating; use a rubric judge (kind = \"llm_judge\") to calibrate against ratings"
            )));
        }
        if metric.needs_rows() {
            metric.prepare(&rows, &rows, &|_, _| {})?;
        }
        let k = metric.arity();
        let stats = score::score_examples(&examples, metric.as_ref(), path)?;
        let sign = metric.direction().sign();
        let mut values = vec![0.0; m * n];
        for (chunk, &(s, j)) in stats.chunks(k).zip(&cells) {
            values[s * n + j] = sign * metric.example_score(chunk);
        }
        metrics_out.push((name.clone(), values));
    }
    Ok(Matrices {
        systems,
        inputs,
        metrics: metrics_out,
        humans,
    })
}

/// The default settings for `input`, as the CLI starts from.
pub fn defaults(input: &Path) -> AgreementConfig {
    AgreementConfig {
        input: input.to_path_buf(),
        system_field: "system".into(),
        humans: Vec::new(),
        metrics: Vec::new(),
        fields: FieldMap::default(),
        options: MetricOptions::default(),
        resamples: 1000,
        seed: 12_345,
        confidence: 0.95,
        resampling: Resampling::Both,
        test_correlation: Correlation::Kendall,
    }
}
