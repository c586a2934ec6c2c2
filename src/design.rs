//! The design matrix: per-example statistics of both sides, row by row, with
//! each example's slices, and where each metric's columns sit ([`Layout`]).
//! Scoring builds it ([`crate::score::design`]); the resamplers of
//! [`crate::stats`] read it. It is the plain data between those two stages,
//! so it lives with the earlier one and the statistics import it.

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
