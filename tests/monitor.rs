//! `benchgate monitor`: how often its verdicts are right, and what its readers read.
//!
//! - A/A calibration: both windows drawn from the same traffic (four categories
//!   of different means, a 0/1 feedback field on a third of the rows, unequal
//!   window sizes): a false alarm — any metric or slice called regressed — at most
//!   α of the time, and a mix change at most α of the time.
//! - A pure mix change (shares 40/30/20/10 → 10/20/30/40, every category as
//!   before): the raw mean falls, the mix change is found, and the model is
//!   blamed at most α of the time.
//! - A real drop in one category is caught, in simulation and in the fixture's
//!   last week (sentiment of refund replies, VADER on the logged text).
//! - The drift test's A/A: two random halves of the same logged inputs.
//! - Novel topics injected into live traffic come first among the novel inputs.
//! - OTLP JSON written by the real `opentelemetry-sdk` reads to the same rows as
//!   its JSONL equivalent (`scripts/monitor/otlp_spans.py` writes both).
//!
//! Every simulation is seeded; run with `--nocapture` to see the figures.

use std::path::{Path, PathBuf};

use benchgate::load::record::Fields;
use benchgate::load::Row;
use benchgate::monitor::{self, Finding, Inputs, MonitorConfig, Sources, WindowInfo, Windows};
use benchgate::report::Verdict;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const ALPHA: f64 = 0.05;

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A skewed score in [−1, 1] around `mean` (sentiment-like: a lump of
/// neutral replies and a long tail).
fn score(rng: &mut Xoshiro256PlusPlus, mean: f64) -> f64 {
    let u = uniform(rng);
    let x = if u < 0.3 {
        0.0
    } else {
        mean + 0.6 * (uniform(rng) - 0.5) + 0.3 * (uniform(rng).ln() + 1.0)
    };
    x.clamp(-1.0, 1.0)
}

const MEANS: [f64; 4] = [0.6, 0.3, 0.0, -0.3];
const CATEGORIES: [&str; 4] = ["orders", "login", "refunds", "billing"];

fn pick(rng: &mut Xoshiro256PlusPlus, shares: &[f64; 4]) -> usize {
    let x = uniform(rng);
    let mut acc = 0.0;
    for (k, s) in shares.iter().enumerate() {
        acc += s;
        if x < acc {
            return k;
        }
    }
    3
}

fn row(i: usize, category: usize, value: f64, feedback: Option<f64>) -> Row {
    let mut numbers = vec![("score".into(), value)];
    if let Some(f) = feedback {
        numbers.push(("thumbs_up".into(), f));
    }
    Row {
        id: format!("r{i}").as_str().into(),
        prediction: "ok".into(),
        references: Vec::new(),
        input: None,
        numbers: Fields::from_pairs(numbers),
        tags: Fields::from_pairs(vec![("category".into(), CATEGORIES[category].into())]),
        line: i + 1,
    }
}

/// One simulated pair of windows: `n` rows each side, category shares,
/// and a drop of `drop` in category `dropped` of the current window.
fn simulate(
    c: &MonitorConfig,
    rng: &mut Xoshiro256PlusPlus,
    n: [usize; 2],
    shares: [[f64; 4]; 2],
    drop: f64,
    dropped: usize,
) -> Inputs {
    let mut line = 0;
    let mut sides = [Vec::new(), Vec::new()];
    for side in 0..2 {
        for _ in 0..n[side] {
            let c = pick(rng, &shares[side]);
            let shift = if side == 1 && c == dropped { drop } else { 0.0 };
            let v = score(rng, MEANS[c]) - shift;
            let feedback = (uniform(rng) < 0.33)
                .then(|| f64::from(u8::from(uniform(rng) < 0.5 + MEANS[c] / 3.0 - shift / 2.0)));
            sides[side].push(row(line, c, v, feedback));
            line += 1;
        }
    }
    let info = |label: &str, rows| WindowInfo {
        label: label.into(),
        start: None,
        end: None,
        rows,
    };
    let windows = Windows {
        reference: info("reference", n[0]),
        current: info("current", n[1]),
        outside: 0,
    };
    Inputs::from_rows(c, windows, sides)
}

fn config() -> MonitorConfig {
    let mut c = MonitorConfig::new(Sources::Explicit {
        reference: Vec::new(),
        current: Vec::new(),
    });
    c.metrics = vec!["score".into(), "thumbs_up".into()];
    c.metric_options.directions = vec![
        ("score".into(), benchgate::metrics::Direction::Higher),
        ("thumbs_up".into(), benchgate::metrics::Direction::Higher),
    ];
    c.slice_by = Some("category".into());
    c.resamples = 999;
    c.alarm_on = vec![Finding::Regression];
    c
}

fn run(c: &MonitorConfig, inputs: Inputs) -> monitor::MonitorReport {
    let scored = monitor::score(c, inputs).expect("scores");
    monitor::judge(c, &scored)
}

/// The rate's bound: alpha plus three simulation standard errors.
fn bound(trials: usize) -> f64 {
    ALPHA + 3.0 * (ALPHA * (1.0 - ALPHA) / trials as f64).sqrt()
}

fn regressed(r: &monitor::MonitorReport) -> bool {
    r.metrics.iter().any(|m| m.verdict == Verdict::Regressed)
        || r.slices.iter().any(|s| s.verdict == Verdict::Regressed)
}

#[test]
fn aa_false_alarms_stay_within_alpha() {
    let trials = 400;
    let c = config();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(33);
    let shares = [0.4, 0.3, 0.2, 0.1];
    let (mut alarms, mut mix, mut changed) = (0, 0, 0);
    for _ in 0..trials {
        let inputs = simulate(&c, &mut rng, [200, 140], [shares, shares], 0.0, 0);
        let r = run(&c, inputs);
        alarms += usize::from(r.alarm);
        mix += usize::from(r.mix.as_ref().is_some_and(|m| m.changed));
        changed += usize::from(
            r.metrics
                .iter()
                .any(|m| matches!(m.verdict, Verdict::Regressed | Verdict::Improved)),
        );
    }
    let rate = |k: usize| k as f64 / trials as f64;
    eprintln!(
        "monitor A/A, {trials} pairs of windows (200 and 140 rows, 4 categories, 2 metrics, 8 slice rows): false alarms {:.3}, mix called changed {:.3}, any overall change {:.3} (bound {:.3})",
        rate(alarms),
        rate(mix),
        rate(changed),
        bound(trials)
    );
    assert!(
        rate(alarms) <= bound(trials),
        "false alarms {}",
        rate(alarms)
    );
    assert!(
        rate(mix) <= bound(trials),
        "false mix changes {}",
        rate(mix)
    );
    // The gate's alpha is for regressions; both directions together stay within 2α.
    assert!(rate(changed) <= 2.0 * bound(trials));
}

#[test]
fn a_pure_mix_change_is_a_mix_change_not_a_regression() {
    let trials = 300;
    let c = config();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(34);
    let (mut blamed, mut found, mut raw) = (0, 0, 0.0);
    for _ in 0..trials {
        let inputs = simulate(
            &c,
            &mut rng,
            [200, 200],
            [[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]],
            0.0,
            0,
        );
        let r = run(&c, inputs);
        blamed += usize::from(regressed(&r));
        found += usize::from(r.mix.as_ref().is_some_and(|m| m.changed));
        raw += r.metrics[0].delta;
    }
    let rate = |k: usize| k as f64 / trials as f64;
    eprintln!(
        "pure mix change, {trials} pairs: mean raw change of score {:.3}, mix found {:.3}, model blamed {:.3} (bound {:.3})",
        raw / trials as f64,
        rate(found),
        rate(blamed),
        bound(trials)
    );
    assert!(raw / (trials as f64) < -0.15, "the raw mean falls");
    assert!(rate(found) >= 0.99);
    assert!(rate(blamed) <= bound(trials));
}

#[test]
fn a_drop_in_one_category_is_caught() {
    let trials = 200;
    let c = config();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(35);
    let shares = [0.4, 0.3, 0.2, 0.1];
    let (mut caught, mut in_slice) = (0, 0);
    for _ in 0..trials {
        // Refunds (a fifth of the traffic) drop by 0.3 on a scale of −1 … 1.
        let inputs = simulate(&c, &mut rng, [300, 300], [shares, shares], 0.3, 2);
        let r = run(&c, inputs);
        caught += usize::from(r.alarm);
        in_slice += usize::from(r.slices.iter().any(|s| {
            s.slice == "refunds" && s.metric == "score" && s.verdict == Verdict::Regressed
        }));
    }
    let rate = |k: usize| k as f64 / trials as f64;
    eprintln!(
        "a drop of 0.3 in one category of four (20% of traffic), 300 rows a window: alarm {:.3}, refunds named {:.3}",
        rate(caught),
        rate(in_slice)
    );
    assert!(rate(caught) >= 0.8);
    assert!(rate(in_slice) >= 0.5);
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/monitor")
        .join(name)
}

fn fixture_config() -> MonitorConfig {
    let mut c = MonitorConfig::new(Sources::Logs {
        logs: vec![fixture("logs.jsonl")],
        window: monitor::window::Span::parse("7d").expect("span"),
        against: monitor::window::Against::Previous,
    });
    c.benchmark = vec![fixture("benchmark.jsonl")];
    c.slice_by = Some("category".into());
    c.resamples = 1_999;
    c
}

#[test]
fn the_fixture_s_last_week_names_the_regression_the_mix_and_the_new_topics() {
    let c = fixture_config();
    let r = benchgate::monitor(&c, &()).expect("runs");
    assert!(r.alarm);
    let sentiment = &r.metrics[0];
    assert_eq!(sentiment.name, "sentiment");
    // The raw change is larger than the change at the reference mix: part of it
    // is billing's share doubling, which is not the model's doing.
    assert!(
        sentiment.delta < sentiment.delta_at_reference_mix,
        "{sentiment:?}"
    );
    assert_eq!(sentiment.verdict, Verdict::Regressed);
    let refunds = r
        .slices
        .iter()
        .find(|s| s.metric == "sentiment" && s.slice == "refunds")
        .expect("refunds row");
    assert_eq!(refunds.verdict, Verdict::Regressed);
    for s in r.slices.iter().filter(|s| s.slice != "refunds") {
        assert_ne!(s.verdict, Verdict::Regressed, "{s:?}");
    }
    let mix = r.mix.as_ref().expect("mix");
    assert!(mix.changed);
    let moved: Vec<&str> = mix
        .rows
        .iter()
        .filter(|m| m.moved)
        .map(|m| m.slice.as_str())
        .collect();
    assert_eq!(moved, ["billing"]);
    // The injected topics (loyalty points, GDPR requests) come first.
    let injected = |text: &str| text.contains("loyalty") || text.contains("GDPR");
    let first: Vec<&str> = r
        .novel_inputs
        .iter()
        .take(5)
        .map(|n| n.input.as_str())
        .collect();
    assert!(first.iter().all(|t| injected(t)), "{first:?}");
    assert!(r.novel_inputs.iter().skip(5).all(|n| !injected(&n.input)));
    let drift = r.input_drift.as_ref().expect("drift");
    assert_eq!(drift.verdict, monitor::DriftVerdict::Drift);
    assert!(drift.ci_low > 0.5);
}

#[test]
fn drift_aa_two_random_halves_of_the_same_inputs() {
    let logs = benchgate::load::logs::read(
        &[fixture("logs.jsonl")],
        &benchgate::load::FieldMap::default(),
        None,
        &|_| {},
    )
    .expect("reads");
    // Weeks 1 to 3: one kind of traffic.
    let end = benchgate::load::logs::parse_time("2026-03-22T00:00:00Z").expect("time");
    let inputs: Vec<&str> = logs
        .rows
        .iter()
        .zip(&logs.times)
        .filter(|(_, t)| t.is_some_and(|t| t < end))
        .filter_map(|(r, _)| r.input.as_deref())
        .collect();
    let trials = 150;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(36);
    let mut alarms = 0;
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    for t in 0..trials {
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let a: Vec<&str> = order[..150].iter().map(|&i| inputs[i]).collect();
        let b: Vec<&str> = order[150..450].iter().map(|&i| inputs[i]).collect();
        let d = monitor::drift::drift(&a, &b, ALPHA, 199, t as u64).expect("enough inputs");
        alarms += usize::from(d.p_value <= ALPHA);
        assert_eq!(d.p_value <= ALPHA, d.ci.0 > 0.5, "{d:?}");
    }
    let rate = alarms as f64 / trials as f64;
    eprintln!(
        "drift A/A, {trials} random splits of {} logged inputs (150 vs 300): false drift {rate:.3} (bound {:.3})",
        inputs.len(),
        bound(trials)
    );
    assert!(rate <= bound(trials));
}

#[test]
fn otlp_from_the_sdk_reads_as_its_jsonl() {
    let fields = benchgate::load::FieldMap::default();
    let read = |name: &str| {
        benchgate::load::logs::read(&[fixture(name)], &fields, None, &|_| {}).expect("reads")
    };
    let spans = read("otlp/spans.otlp.json");
    let jsonl = read("otlp/spans.jsonl");
    assert!(spans.rows.len() >= 6, "{}", spans.rows.len());
    assert_eq!(spans.times, jsonl.times);
    for (a, b) in spans.rows.iter().zip(&jsonl.rows) {
        assert_eq!(
            (&a.id, &a.input, &a.prediction, &a.numbers, &a.tags),
            (&b.id, &b.input, &b.prediction, &b.numbers, &b.tags)
        );
    }
    assert_eq!(spans.rows.len(), jsonl.rows.len());
}
