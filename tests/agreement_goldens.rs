//! Correlations, the sign test and Cohen's kappa against goldens written by
//! scipy 1.17.1 and scikit-learn 1.9.1 (`scripts/goldens/make_agreement_goldens.py`).
//! No Python needed here.

use benchgate::agreement::{level_correlation, Level};
use benchgate::review::score::{kappa, sign_test};
use benchgate::stats::correlation::Correlation;
use serde_json::Value;

fn goldens() -> Value {
    let path = format!(
        "{}/tests/goldens/agreement.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("golden is JSON")
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// Equal within 1e-12, or both undefined (scipy's nan is null in the golden).
fn check(got: f64, want: &Value, what: &str) {
    match want.as_f64() {
        None => assert!(got.is_nan(), "{what}: scipy says nan, got {got}"),
        Some(w) => assert!(
            (got - w).abs() <= 1e-12,
            "{what}: got {got}, scipy {w} (diff {:e})",
            got - w
        ),
    }
}

#[test]
fn coefficients_equal_scipy() {
    let g = goldens();
    let pairs = g["pairs"].as_array().expect("pairs");
    assert!(pairs.len() > 70);
    for (i, p) in pairs.iter().enumerate() {
        let (x, y) = (numbers(&p["x"]), numbers(&p["y"]));
        for c in Correlation::ALL {
            check(
                c.compute(&x, &y),
                &p[c.name()],
                &format!("pair {i} {}", c.name()),
            );
        }
    }
}

#[test]
fn summary_and_system_levels_equal_numpy_and_scipy() {
    let g = goldens();
    for (t, case) in g["levels"].as_array().expect("levels").iter().enumerate() {
        let rows = |v: &Value| -> Vec<Vec<f64>> {
            v.as_array().expect("matrix").iter().map(numbers).collect()
        };
        let (metric, human) = (rows(&case["metric"]), rows(&case["human"]));
        let (m, n) = (metric.len(), metric[0].len());
        let flat = |a: &Vec<Vec<f64>>| a.iter().flatten().copied().collect::<Vec<f64>>();
        let (x, h) = (flat(&metric), flat(&human));
        let sys: Vec<usize> = (0..m).collect();
        let inp: Vec<usize> = (0..n).collect();
        for c in Correlation::ALL {
            let want = &case[c.name()];
            let (summary, used) = level_correlation(&x, &h, n, &sys, &inp, Level::Summary, c);
            check(
                summary,
                &want["summary"],
                &format!("matrix {t} summary {}", c.name()),
            );
            assert_eq!(Some(used as u64), want["summary_inputs"].as_u64());
            let (system, _) = level_correlation(&x, &h, n, &sys, &inp, Level::System, c);
            check(
                system,
                &want["system"],
                &format!("matrix {t} system {}", c.name()),
            );
        }
    }
}

#[test]
fn sign_test_equals_scipy_binomtest() {
    for case in goldens()["sign_tests"].as_array().expect("sign tests") {
        let w = case["wins"].as_u64().expect("wins") as usize;
        let l = case["losses"].as_u64().expect("losses") as usize;
        check(
            sign_test(w, l),
            &case["p_value"],
            &format!("sign test {w}-{l}"),
        );
    }
}

#[test]
fn kappa_equals_scikit_learn() {
    for (i, case) in goldens()["kappas"]
        .as_array()
        .expect("kappas")
        .iter()
        .enumerate()
    {
        let labels = |v: &Value| -> Vec<String> {
            v.as_array()
                .expect("labels")
                .iter()
                .map(|s| s.as_str().expect("label").to_string())
                .collect()
        };
        check(
            kappa(&labels(&case["a"]), &labels(&case["b"])),
            &case["kappa"],
            &format!("kappa {i}"),
        );
    }
}
