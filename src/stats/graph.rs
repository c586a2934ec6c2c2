//! The graphical multiple-testing procedure of Bretz, Maurer, Brannath &
//! Posch (2009, "A graphical approach to sequentially rejective multiple test
//! procedures", Stat. Med. 28:586), which the gate uses to split alpha between
//! its two families: the overall rows of the gating metrics (primary) and
//! their slices (secondary).
//!
//! Each hypothesis starts with a weight (the weights sum to at most 1) and is
//! tested at `alpha · weight`. When one is rejected, its weight moves along
//! the graph's edges to the hypotheses not yet rejected, and the edges are
//! rewired (Algorithm 1 of the paper); the procedure repeats until nothing
//! more can be rejected. It controls the familywise error rate strongly at
//! `alpha` for any weights and edges: Holm's procedure, fixed-sequence and
//! fallback gatekeeping (Wiens 2003) are special cases. The level at which a
//! hypothesis was finally tested is what its interval is built at, so every
//! row's interval agrees with its verdict.
//!
//! Each hypothesis comes with its one-sided p-value; it is rejected at level
//! `a` when `p ≤ a`. For the gate's rows that is the regression test at the
//! tolerance, whose interval at level `a` ends beyond the tolerance exactly
//! then (one construction: `crate::stats::inversion`).

/// Weights, edges and the outcome of one run of the procedure.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Initial weight of each hypothesis.
    pub weights: Vec<f64>,
    /// `edges[j][k]`: the share of `j`'s weight that moves to `k` when `j` is
    /// rejected (each row sums to at most 1, the diagonal is 0).
    pub edges: Vec<Vec<f64>>,
}

/// What the procedure concluded for one hypothesis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Rejected at some step.
    pub rejected: bool,
    /// The one-sided level it was last tested at: the level of its rejection,
    /// or its level when the procedure stopped.
    pub level: f64,
}

impl Graph {
    /// Runs Algorithm 1 at familywise level `alpha` on one p-value per
    /// hypothesis. A hypothesis with weight 0 is never rejected while its
    /// weight stays 0.
    pub fn run(&self, alpha: f64, p: &[f64]) -> Vec<Outcome> {
        let m = self.weights.len();
        let mut w = self.weights.clone();
        let mut g = self.edges.clone();
        let mut open: Vec<bool> = vec![true; m];
        let mut out: Vec<Outcome> = w
            .iter()
            .map(|&wi| Outcome {
                rejected: false,
                level: alpha * wi,
            })
            .collect();
        loop {
            let next = (0..m).find(|&j| open[j] && w[j] > 0.0 && p[j] <= alpha * w[j]);
            let Some(j) = next else { break };
            open[j] = false;
            out[j] = Outcome {
                rejected: true,
                level: alpha * w[j],
            };
            let mut w2 = w.clone();
            let mut g2 = vec![vec![0.0; m]; m];
            for l in (0..m).filter(|&l| open[l]) {
                w2[l] = w[l] + w[j] * g[j][l];
                for k in (0..m).filter(|&k| open[k] && k != l) {
                    let denom = 1.0 - g[l][j] * g[j][l];
                    g2[l][k] = if denom > 0.0 {
                        (g[l][k] + g[l][j] * g[j][k]) / denom
                    } else {
                        0.0
                    };
                }
            }
            w2[j] = 0.0;
            w = w2;
            g = g2;
        }
        for j in (0..m).filter(|&j| open[j]) {
            out[j].level = alpha * w[j];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal weights and edges to every other hypothesis: Holm's procedure.
    fn holm_graph(m: usize) -> Graph {
        let share = 1.0 / (m as f64 - 1.0);
        Graph {
            weights: vec![1.0 / m as f64; m],
            edges: (0..m)
                .map(|j| (0..m).map(|k| if j == k { 0.0 } else { share }).collect())
                .collect(),
        }
    }

    #[test]
    fn equal_weights_and_full_edges_are_holm() {
        let p = [0.01, 0.04, 0.015, 0.2];
        let out = holm_graph(4).run(0.05, &p);
        // Holm: 0.01 ≤ 0.0125, then 0.015 ≤ 0.0167, then 0.04 ≤ 0.025? no: stop.
        let rejected: Vec<bool> = out.iter().map(|o| o.rejected).collect();
        assert_eq!(rejected, [true, false, true, false]);
        assert!((out[0].level - 0.0125).abs() < 1e-15);
        assert!((out[2].level - 0.05 / 3.0).abs() < 1e-15);
        assert!((out[1].level - 0.025).abs() < 1e-15);
    }

    #[test]
    fn fallback_passes_the_primarys_level_on() {
        // Primary 0.8, secondary 0.2, primary → secondary: Wiens' fallback.
        let graph = Graph {
            weights: vec![0.8, 0.2],
            edges: vec![vec![0.0, 1.0], vec![1.0, 0.0]],
        };
        let p = [0.03, 0.045];
        let out = graph.run(0.05, &p);
        assert!(out[0].rejected && out[1].rejected);
        assert!((out[1].level - 0.05).abs() < 1e-15);
        // The secondary alone keeps only its share.
        let p = [0.3, 0.045];
        let out = graph.run(0.05, &p);
        assert!(!out[1].rejected && (out[1].level - 0.01).abs() < 1e-15);
    }
}
