//! Holm's step-down correction for many tests at once.

/// Holm-adjusted p-values, in the order of `p`: controls the family-wise error
/// rate at alpha when each adjusted value is compared with alpha.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        let value = ((m - rank) as f64 * p[i]).min(1.0);
        running = running.max(value);
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::holm;
    use proptest::prelude::*;

    #[test]
    fn textbook_example() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
        let expect = [0.03, 0.06, 0.06, 0.02];
        for (a, e) in adj.iter().zip(expect) {
            assert!((a - e).abs() < 1e-12, "{adj:?}");
        }
    }

    proptest! {
        #[test]
        fn adjusted_is_at_least_raw_and_monotone(p in proptest::collection::vec(0.0f64..=1.0, 1..30)) {
            let adj = holm(&p);
            for (a, r) in adj.iter().zip(&p) {
                prop_assert!(*a >= *r && *a <= 1.0);
            }
            for i in 0..p.len() {
                for j in 0..p.len() {
                    if p[i] < p[j] {
                        prop_assert!(adj[i] <= adj[j]);
                    }
                }
            }
        }
    }
}
