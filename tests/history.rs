//! The drift test of `benchgate history`: Mann–Kendall statistics and Sen's slope
//! against goldens from pymannkendall (`scripts/goldens/make_mannkendall_goldens.py`),
//! then its behaviour as a detector: false alarms on i.i.d. noise near alpha,
//! and power on a clear decline. No Python needed here.

use crate::common;

use benchgate::history::trend::{mann_kendall, sens_slope};
use benchgate::metrics::Direction;
use benchgate::stats::rng::stream;
use rand_core::RngCore;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn statistics_equal_pymannkendall() {
    let cases = common::golden_cases("mann_kendall.jsonl");
    assert!(cases.len() >= 30);
    for c in cases {
        let name = c["name"].as_str().expect("name");
        let x: Vec<f64> = c["x"]
            .as_array()
            .expect("x")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        let mk = mann_kendall(&x);
        let f = |k: &str| c[k].as_f64().expect("number");
        assert_eq!(mk.s, c["s"].as_i64().expect("s"), "{name}: S");
        assert!(
            close(mk.var_s, f("var_s"), 1e-9),
            "{name}: var_s {}",
            mk.var_s
        );
        assert!(close(mk.z, f("z"), 1e-12), "{name}: z {}", mk.z);
        assert!(close(mk.tau, f("tau"), 1e-12), "{name}: tau {}", mk.tau);
        // benchgate's normal distribution function is accurate to 1.5e-7.
        assert!(
            close(mk.p_two_sided, f("p"), 1e-6),
            "{name}: p {}",
            mk.p_two_sided
        );
        assert!(
            close(mk.p_decreasing, f("p_decreasing"), 1e-6),
            "{name}: p_decreasing {}",
            mk.p_decreasing
        );
        assert!(
            close(mk.p_increasing, f("p_increasing"), 1e-6),
            "{name}: p_increasing {}",
            mk.p_increasing
        );
        let slope = sens_slope(&x);
        assert!(close(slope, f("slope"), 1e-12), "{name}: slope {slope}");
    }
}

/// A standard normal draw (Box–Muller) from a seeded stream.
fn gauss(rng: &mut impl RngCore) -> f64 {
    let u = |r: &mut dyn RngCore| ((r.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let (a, b) = (u(rng), u(rng));
    (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
}

/// How often the one-sided test flags `direction`'s worse way at alpha 0.05 over
/// `trials` series of `n` entries with the given drift per entry (in noise sds).
fn flag_rate(n: usize, drift: f64, direction: Direction, trials: u64, salt: u64) -> f64 {
    let mut flagged = 0;
    for t in 0..trials {
        let mut rng = stream(20_261_127, salt, t);
        let x: Vec<f64> = (0..n).map(|i| drift * i as f64 + gauss(&mut rng)).collect();
        if mann_kendall(&x).p_worse(direction) < 0.05 {
            flagged += 1;
        }
    }
    flagged as f64 / trials as f64
}

#[test]
fn false_alarms_on_noise_stay_near_alpha() {
    // The continuity correction and the discrete S make the test a little
    // conservative at 10 entries (pymannkendall gives 0.036 on the same design).
    for (n, lo, hi) in [(10, 0.025, 0.055), (20, 0.035, 0.062)] {
        for (direction, salt) in [(Direction::Higher, 1), (Direction::Lower, 2)] {
            let rate = flag_rate(n, 0.0, direction, 4000, salt + n as u64);
            eprintln!("false alarms, {n} entries, {direction:?}: {rate:.4}");
            assert!(
                (lo..=hi).contains(&rate),
                "false-alarm rate {rate} at {n} entries"
            );
        }
    }
}

#[test]
fn a_clear_decline_is_flagged() {
    // Half a noise sd per entry over the default 10 entries.
    let power = flag_rate(10, -0.5, Direction::Higher, 2000, 10);
    eprintln!("power, 10 entries, −0.5 sd per entry: {power:.4}");
    assert!(power > 0.9, "power {power}");
    // The same series is an improvement for a lower-is-better metric.
    let wrong_way = flag_rate(10, -0.5, Direction::Lower, 2000, 10);
    assert!(wrong_way < 0.01, "flagged an improvement: {wrong_way}");
    // A slower decline over more entries.
    let power = flag_rate(20, -0.2, Direction::Higher, 2000, 11);
    eprintln!("power, 20 entries, −0.2 sd per entry: {power:.4}");
    assert!(power > 0.9, "power {power}");
}

#[test]
fn a_report_of_several_suites_appends_one_entry_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.json");
    let history = dir.path().join("history.jsonl");
    let bin = env!("CARGO_BIN_EXE_benchgate");
    let root = env!("CARGO_MANIFEST_DIR");
    let compare = std::process::Command::new(bin)
        .current_dir(root)
        .args([
            "compare",
            "--config",
            "fixtures/cases/suites/benchgate.toml",
            "--quiet",
        ])
        .arg("--json-out")
        .arg(&report)
        .output()
        .expect("compare runs");
    assert_eq!(compare.status.code(), Some(1));
    let append = std::process::Command::new(bin)
        .current_dir(root)
        .args(["history", "append", "--commit", "abc", "--from"])
        .arg(&report)
        .arg("--history")
        .arg(&history)
        .output()
        .expect("append runs");
    assert!(
        append.status.success(),
        "{}",
        String::from_utf8_lossy(&append.stderr)
    );
    let suites: Vec<String> = std::fs::read_to_string(&history)
        .expect("history written")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["suite"].as_str().expect("suite").to_string()
        })
        .collect();
    assert_eq!(suites, ["tickets", "promptfoo"]);
}
