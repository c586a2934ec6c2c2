//! The design matrix: per-example statistics of both sides, row by row, with
//! each example's slices, and where each metric's columns sit ([`Layout`]).
//! Scoring builds it (`score::design`); the resamplers of
//! [`crate::stats`] read it. It is the plain data between those two stages,
//! so it lives with the earlier one and the statistics import it, as do the
//! [`Clusters`] of `--cluster-by`.

/// Where one metric's statistics sit in a design row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A mean metric: one column holding current − baseline per example.
    Delta {
        /// The column.
        col: usize,
    },
    /// A corpus metric: `k` baseline columns, then `k` current columns.
    Corpus {
        /// First baseline column.
        base: usize,
        /// First current column.
        cur: usize,
        /// Statistics per side.
        k: usize,
    },
}

/// Per-example statistics of both sides, row-major, plus slice membership.
#[derive(Debug, Clone, Default)]
pub struct Design {
    /// Examples (rows).
    pub n: usize,
    /// Columns per row.
    pub width: usize,
    /// `n × width` values.
    pub data: Vec<f64>,
    /// Number of groups; group 0 is every example.
    pub groups: usize,
    /// For example `i`, its groups other than 0 are
    /// `member_groups[member_offsets[i]..member_offsets[i + 1]]`.
    pub member_offsets: Vec<usize>,
    /// See `member_offsets`.
    pub member_groups: Vec<u32>,
    /// Members per group.
    pub group_sizes: Vec<usize>,
}

impl Design {
    /// A design without slices.
    pub fn new(n: usize, width: usize, data: Vec<f64>) -> Self {
        Design {
            n,
            width,
            data,
            groups: 1,
            member_offsets: vec![0; n + 1],
            member_groups: Vec::new(),
            group_sizes: vec![n],
        }
    }

    /// Declares the groups (slices) each example belongs to, besides group 0.
    pub fn with_groups(mut self, groups: usize, membership: &[Vec<u32>]) -> Self {
        self.groups = groups;
        self.group_sizes = vec![0; groups];
        self.group_sizes[0] = self.n;
        self.member_offsets = Vec::with_capacity(self.n + 1);
        self.member_groups.clear();
        self.member_offsets.push(0);
        for gs in membership {
            for &g in gs {
                self.group_sizes[g as usize] += 1;
                self.member_groups.push(g);
            }
            self.member_offsets.push(self.member_groups.len());
        }
        self
    }

    /// The groups of example `i` other than group 0.
    #[inline]
    pub fn groups_of(&self, i: usize) -> &[u32] {
        &self.member_groups[self.member_offsets[i]..self.member_offsets[i + 1]]
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.width..(i + 1) * self.width]
    }
}

/// Which cluster each example of a design belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    /// The cluster index of example `i` (below `count`).
    pub of: Vec<u32>,
    /// Number of clusters.
    pub count: usize,
}

impl Clusters {
    /// Clusters from one label per example: equal labels, one cluster
    /// (numbered in order of first appearance).
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        let mut index = std::collections::HashMap::new();
        let of = labels
            .iter()
            .map(|l| {
                let next = index.len() as u32;
                *index.entry(l.as_ref().to_string()).or_insert(next)
            })
            .collect();
        Clusters {
            of,
            count: index.len(),
        }
    }

    /// Examples per cluster.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.count];
        for &c in &self.of {
            sizes[c as usize] += 1;
        }
        sizes
    }
}
